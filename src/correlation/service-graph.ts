import { ServiceMap } from './traffic-counter.js';
import type { EdgeTraffic, PathHop, ServiceTraffic } from './verdict.js';

/**
 * The graph of services and the calls between them: traces and failures per service, calls
 * and errors per edge, summed over every verdict since start. It is built from
 * `Verdict.services` and `Verdict.edges`, and the status API draws it.
 */

/**
 * Nodes, and separately edges, kept at most. Past it, new ones are not added (counted in
 * `droppedEntries`), so made-up service names cannot grow memory without bound.
 */
export const MAX_GRAPH_ENTRIES = 10_000;

export interface ServiceNode {
  service: string;
  system: string;
  traces: number;
  failedTraces: number;
  /** When a trace through the service was last counted, in Unix milliseconds. */
  lastSeenAtMs: number;
}

export interface ServiceEdge {
  caller: PathHop;
  callee: PathHop;
  calls: number;
  errors: number;
  /** When a call on this edge was last counted, in Unix milliseconds. */
  lastSeenAtMs: number;
}

export interface ServiceGraphSnapshot {
  nodes: ServiceNode[];
  edges: ServiceEdge[];
  /** Nodes and edges not added because `MAX_GRAPH_ENTRIES` was reached. */
  droppedEntries: number;
}

export class ServiceGraph {
  private readonly nodes = new ServiceMap<ServiceNode>();
  /** Edges by caller, then by callee. */
  private readonly edges = new ServiceMap<ServiceMap<ServiceEdge>>();
  private edgeCount = 0;
  private droppedEntries = 0;

  /** Adds the traffic of one trace; `sign` -1 takes back a trace added before (a replaced verdict). */
  record(services: readonly ServiceTraffic[], edges: readonly EdgeTraffic[], nowMs: number, sign: 1 | -1): void {
    for (const traffic of services) {
      const node = this.nodeOf(traffic, sign === 1, nowMs);
      if (node === undefined) continue;

      node.traces += sign;
      if (traffic.failed) node.failedTraces += sign;
      if (sign === 1) node.lastSeenAtMs = nowMs;
    }

    for (const traffic of edges) {
      const edge = this.edgeOf(traffic, sign === 1, nowMs);
      if (edge === undefined) continue;

      edge.calls += sign * traffic.calls;
      edge.errors += sign * traffic.errors;
      if (sign === 1) edge.lastSeenAtMs = nowMs;
    }
  }

  /** Returns a copy of the graph, grouped by system and otherwise in the order first seen. */
  /** Nodes and edges not kept because the graph was full. */
  get droppedEntryCount(): number {
    return this.droppedEntries;
  }

  snapshot(): ServiceGraphSnapshot {
    return {
      nodes: [...this.nodes.values()].map((node) => ({ ...node })),
      edges: [...this.edges.values()].flatMap((callees) =>
        [...callees.values()].map((edge) => ({ ...edge, caller: { ...edge.caller }, callee: { ...edge.callee } })),
      ),
      droppedEntries: this.droppedEntries,
    };
  }

  private nodeOf(traffic: ServiceTraffic, create: boolean, nowMs: number): ServiceNode | undefined {
    const existing = this.nodes.get(traffic.system, traffic.service);
    if (existing !== undefined || !create) return existing;

    if (this.nodes.size >= MAX_GRAPH_ENTRIES) {
      this.droppedEntries += 1;
      return undefined;
    }
    const node = { service: traffic.service, system: traffic.system, traces: 0, failedTraces: 0, lastSeenAtMs: nowMs };
    this.nodes.set(traffic.system, traffic.service, node);
    return node;
  }

  private edgeOf(traffic: EdgeTraffic, create: boolean, nowMs: number): ServiceEdge | undefined {
    const { caller, callee } = traffic;
    const callees = this.edges.get(caller.system, caller.service);
    const existing = callees?.get(callee.system, callee.service);
    if (existing !== undefined || !create) return existing;

    if (this.edgeCount >= MAX_GRAPH_ENTRIES) {
      this.droppedEntries += 1;
      return undefined;
    }
    const edge = {
      caller: { service: caller.service, system: caller.system },
      callee: { service: callee.service, system: callee.system },
      calls: 0,
      errors: 0,
      lastSeenAtMs: nowMs,
    };
    if (callees === undefined) {
      const newCallees = new ServiceMap<ServiceEdge>();
      newCallees.set(callee.system, callee.service, edge);
      this.edges.set(caller.system, caller.service, newCallees);
    } else {
      callees.set(callee.system, callee.service, edge);
    }
    this.edgeCount += 1;
    return edge;
  }
}
