import type { SpanRecord } from '../model/span.js';
import { findCallee } from './callee.js';
import type { KnownServices } from './known-services.js';
import type { EdgeTraffic, PathHop, ServiceTraffic } from './verdict.js';

/**
 * Collects the services and service-to-service calls of one trace. Services and edges are
 * keyed by system and service name, so each appears once however many spans it has.
 */
export class TrafficCollector {
  private readonly servicesByKey = new Map<string, ServiceTraffic>();
  private readonly edgesByKey = new Map<string, EdgeTraffic>();

  /** Records that a service took part; `failed` sticks once any call marks it. */
  addService(service: string, system: string, failed: boolean): void {
    const key = hopKey(service, system);
    const traffic = this.servicesByKey.get(key);
    if (traffic === undefined) this.servicesByKey.set(key, { service, system, failed });
    else if (failed) traffic.failed = true;
  }

  /**
   * Records one call from `caller` to `callee`, copying only their service and system. The
   * callee is added as a service too, so a database's healthy calls count in its error ratio.
   */
  addCall(caller: PathHop, callee: PathHop, failed: boolean): void {
    const key = `${hopKey(caller.service, caller.system)}\u0001${hopKey(callee.service, callee.system)}`;
    const edge = this.edgesByKey.get(key);
    if (edge === undefined) {
      const edge: EdgeTraffic = {
        caller: { service: caller.service, system: caller.system },
        callee: { service: callee.service, system: callee.system },
        calls: 1,
        errors: failed ? 1 : 0,
      };
      this.edgesByKey.set(key, edge);
    } else {
      edge.calls++;
      if (failed) edge.errors++;
    }
    this.addService(callee.service, callee.system, false);
  }

  services(): ServiceTraffic[] {
    return [...this.servicesByKey.values()];
  }

  edges(): EdgeTraffic[] {
    return [...this.edgesByKey.values()];
  }
}

function hopKey(service: string, system: string): string {
  return `${system}\u0000${service}`;
}

/**
 * Per-span failure flags for traffic counting; both are undefined for a trace with no error
 * signal, so every call and service counts as healthy.
 */
export interface TrafficFailures {
  /** 1 when the span failed, whatever its role. Marks calls as errors. */
  failed: Uint8Array;
  /** 1 when the span failed and its caller did not handle it. Marks services as failed. */
  unhandled: Uint8Array;
}

/**
 * Adds the services and calls of a trace to `collector`:
 * - a server or consumer span whose parent is in another service is a call from the
 *   parent's service;
 * - a client or producer span with no child in another service is a call to the callee
 *   its peer attributes name, so calls to databases and dead services count too.
 * A call is an error when the server span failed or the client span that made it failed.
 */
export function collectTraffic(
  spans: readonly SpanRecord[],
  indexById: ReadonlyMap<string, number>,
  knownServices: KnownServices,
  collector: TrafficCollector,
  failures: TrafficFailures | undefined,
): void {
  const answeredCallers = new Set<number>();
  for (let index = 0; index < spans.length; index++) {
    const span = spans[index];
    if (span === undefined) continue;
    const resource = span.resource;
    collector.addService(resource.service, resource.system, failures?.unhandled[index] === 1);
    if (span.kind !== 'server' && span.kind !== 'consumer') continue;

    const parentIndex = span.parentSpanId === '' ? undefined : indexById.get(span.parentSpanId);
    const parent = parentIndex === undefined ? undefined : spans[parentIndex];
    if (parentIndex === undefined || parent === undefined) continue;
    if (parent.resource.service === resource.service && parent.resource.system === resource.system) continue;

    answeredCallers.add(parentIndex);
    const failed = failures !== undefined && (failures.failed[index] === 1 || failures.failed[parentIndex] === 1);
    collector.addCall(parent.resource, resource, failed);
  }

  for (let index = 0; index < spans.length; index++) {
    const span = spans[index];
    if (span === undefined || (span.kind !== 'client' && span.kind !== 'producer') || answeredCallers.has(index)) continue;
    const callee = findCallee(span, knownServices);
    if (callee === undefined) continue;
    if (callee.hop.service === span.resource.service && callee.hop.system === span.resource.system) continue;
    collector.addCall(span.resource, callee.hop, failures?.failed[index] === 1);
  }
}
