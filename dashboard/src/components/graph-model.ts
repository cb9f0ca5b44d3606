import { systemLabel } from '../format.js';
import type { PathHop, ServiceEdge, ServiceGraphSnapshot } from '../api/wire-types.js';

/** A graph ready to draw: services inside one box per system, and calls between services. */
export interface GraphModel {
  systems: { id: string; label: string }[];
  services: GraphService[];
  edges: GraphEdge[];
}

export interface GraphService {
  id: string;
  label: string;
  /** The id of the system box. */
  parent: string;
  /** Column and row in the drawing; columns follow call depth. */
  column: number;
  row: number;
  rootCause: boolean;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  failing: boolean;
}

export function serviceId(hop: PathHop): string {
  return `service:${hop.system}/${hop.service}`;
}

function systemId(system: string): string {
  return `system:${system}`;
}

/** Builds the propagation path as a chain, entry service on the left and the root cause on the right. */
export function pathGraph(path: readonly PathHop[]): GraphModel {
  const model: GraphModel = { systems: [], services: [], edges: [] };
  const seen = new Set<string>();
  path.forEach((hop, index) => {
    addSystem(model, hop.system);
    const id = serviceId(hop);
    if (!seen.has(id)) {
      seen.add(id);
      model.services.push({ id, label: hop.service, parent: systemId(hop.system), column: index, row: 0, rootCause: index === path.length - 1 });
    }
    const previous = path[index - 1];
    if (previous !== undefined) {
      model.edges.push({ id: `path:${index}`, source: serviceId(previous), target: id, label: 'error propagated', failing: true });
    }
  });
  return model;
}

/**
 * Builds the service graph: each service in the column of its longest call chain from an entry
 * service, ordered by system inside a column so a system's services sit together.
 */
export function serviceGraphModel(graph: ServiceGraphSnapshot, rootCause?: PathHop): GraphModel {
  const model: GraphModel = { systems: [], services: [], edges: [] };
  const hops = new Map<string, PathHop>();
  for (const node of graph.nodes) hops.set(serviceId(node), node);
  for (const edge of graph.edges) {
    hops.set(serviceId(edge.caller), edge.caller);
    hops.set(serviceId(edge.callee), edge.callee);
  }

  const columns = callDepths([...hops.keys()], graph.edges);
  const rows = new Map<number, number>();
  const ordered = [...hops.entries()].sort(([idA, a], [idB, b]) => (columns.get(idA) ?? 0) - (columns.get(idB) ?? 0) || a.system.localeCompare(b.system) || a.service.localeCompare(b.service));
  for (const [id, hop] of ordered) {
    addSystem(model, hop.system);
    const column = columns.get(id) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    const isRootCause = rootCause !== undefined && rootCause.service === hop.service && rootCause.system === hop.system;
    model.services.push({ id, label: hop.service, parent: systemId(hop.system), column, row, rootCause: isRootCause });
  }

  graph.edges.forEach((edge, index) => {
    const label = edge.errors > 0 ? `${edge.calls} calls · ${edge.errors} errors` : `${edge.calls} calls`;
    model.edges.push({ id: `edge:${index}`, source: serviceId(edge.caller), target: serviceId(edge.callee), label, failing: edge.errors > 0 });
  });
  return model;
}

function addSystem(model: GraphModel, system: string): void {
  const id = systemId(system);
  if (!model.systems.some((existing) => existing.id === id)) model.systems.push({ id, label: systemLabel(system) });
}

/**
 * Returns the maximum call depth of each service, counted from a service with no callers. A
 * cycle stops growing once a depth reaches the node count.
 */
function callDepths(ids: readonly string[], edges: readonly ServiceEdge[]): Map<string, number> {
  const depths = new Map<string, number>(ids.map((id) => [id, 0]));
  // Bellman-Ford style relaxation: at most one pass per node, so a call cycle cannot loop forever.
  for (let pass = 0; pass < ids.length; pass += 1) {
    let changed = false;
    for (const edge of edges) {
      const source = serviceId(edge.caller);
      const target = serviceId(edge.callee);
      if (source === target) continue;
      const candidate = (depths.get(source) ?? 0) + 1;
      if (candidate > (depths.get(target) ?? 0) && candidate < ids.length) {
        depths.set(target, candidate);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return depths;
}
