import type { ServiceTraffic } from './verdict.js';

/**
 * Traces per service over a sliding window, so that error ratios come from real traffic.
 *
 * Counts are kept in 60 time buckets per window, so memory per service is constant and the
 * window is exact to within one bucket (a sixtieth of the window).
 */

/** Buckets per window; a 1-minute window counts in 1-second buckets. */
export const BUCKETS_PER_WINDOW = 60;

/**
 * Services tracked at once. Services without traffic in the window are pruned; past this, new
 * services are not counted, so made-up service names cannot grow memory without bound.
 */
export const MAX_TRACKED_SERVICES = 10_000;

/** A service's traffic within the window. */
export interface TrafficSummary {
  service: string;
  system: string;
  traces: number;
  failedTraces: number;
  /** `failedTraces / traces`; 0 when there were no traces. */
  errorRatio: number;
}

/**
 * Values keyed by system and then service name. Two lookups with the verdict's own strings,
 * whose hashes V8 caches, cost less than building a joined key for every verdict.
 */
export class ServiceMap<V> {
  private readonly systems = new Map<string, Map<string, V>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(system: string, service: string): V | undefined {
    return this.systems.get(system)?.get(service);
  }

  set(system: string, service: string, value: V): void {
    let services = this.systems.get(system);
    if (services === undefined) {
      services = new Map();
      this.systems.set(system, services);
    }
    if (!services.has(service)) this.count += 1;
    services.set(service, value);
  }

  delete(system: string, service: string): void {
    const services = this.systems.get(system);
    if (services === undefined || !services.delete(service)) return;

    this.count -= 1;
    if (services.size === 0) this.systems.delete(system);
  }

  /** Returns every value, grouped by system in the order each system was first set. */
  *values(): Generator<V> {
    for (const services of this.systems.values()) yield* services.values();
  }
}

/**
 * Returns the array slot of a bucket number. Bucket numbers exceed 2^31, and `%` on such
 * doubles plus indexing with the result measured far slower than this small-integer form.
 */
function slotOf(bucket: number): number {
  return (bucket - Math.floor(bucket / BUCKETS_PER_WINDOW) * BUCKETS_PER_WINDOW) | 0;
}

/** A number summed over a sliding window of fixed buckets. */
export class WindowedCounter {
  private readonly bucketMs: number;
  private readonly counts = new Float64Array(BUCKETS_PER_WINDOW);
  /** The bucket number (time divided by `bucketMs`) each slot counts; -1 when unused. */
  private readonly bucketNumbers = new Float64Array(BUCKETS_PER_WINDOW).fill(-1);

  constructor(windowMs: number) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS_PER_WINDOW));
  }

  /**
   * Adds `amount` at time `atMs`. A negative amount takes back an earlier addition made at the
   * same time; when that bucket has already left the window, nothing changes.
   */
  add(atMs: number, amount: number): void {
    const bucket = Math.floor(atMs / this.bucketMs);
    const slot = slotOf(bucket);
    const current = this.bucketNumbers[slot] ?? -1;
    if (current > bucket) return;

    if (current < bucket) {
      this.bucketNumbers[slot] = bucket;
      this.counts[slot] = 0;
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + amount;
  }

  /** Returns the sum of the buckets within the window ending at `nowMs`; never below 0. */
  sum(nowMs: number): number {
    const oldestBucket = Math.floor(nowMs / this.bucketMs) - BUCKETS_PER_WINDOW + 1;
    let total = 0;
    for (let slot = 0; slot < BUCKETS_PER_WINDOW; slot += 1) {
      if ((this.bucketNumbers[slot] ?? -1) >= oldestBucket) total += this.counts[slot] ?? 0;
    }
    return Math.max(0, total);
  }
}

interface ServiceCounts {
  service: string;
  system: string;
  traces: WindowedCounter;
  failedTraces: WindowedCounter;
}

export class TrafficCounter {
  private readonly windowMs: number;
  private readonly services = new ServiceMap<ServiceCounts>();
  /** Service entries not counted because `MAX_TRACKED_SERVICES` was reached. */
  untrackedServices = 0;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** Counts one trace for each service in it; `sign` -1 takes back a trace counted at `atMs`. */
  record(services: readonly ServiceTraffic[], atMs: number, sign: 1 | -1): void {
    for (const traffic of services) {
      const counts = this.countsOf(traffic.service, traffic.system, sign === 1);
      if (counts === undefined) continue;

      counts.traces.add(atMs, sign);
      if (traffic.failed) counts.failedTraces.add(atMs, sign);
    }
  }

  /** Returns one service's traffic in the window, or undefined when it was never counted. */
  summary(service: string, system: string, nowMs: number): TrafficSummary | undefined {
    const counts = this.services.get(system, service);
    if (counts === undefined) return undefined;

    const traces = counts.traces.sum(nowMs);
    const failedTraces = counts.failedTraces.sum(nowMs);
    return { service, system, traces, failedTraces, errorRatio: traces === 0 ? 0 : failedTraces / traces };
  }

  /** Returns the traffic of every system's service with this name, or of the one in `system`. */
  summaries(service: string, nowMs: number, system?: string): TrafficSummary[] {
    const summaries: TrafficSummary[] = [];
    for (const counts of this.services.values()) {
      if (counts.service !== service || (system !== undefined && counts.system !== system)) continue;
      const summary = this.summary(counts.service, counts.system, nowMs);
      if (summary !== undefined) summaries.push(summary);
    }
    return summaries;
  }

  /** Drops services without traffic in the window. */
  prune(nowMs: number): void {
    for (const counts of [...this.services.values()]) {
      if (counts.traces.sum(nowMs) === 0) this.services.delete(counts.system, counts.service);
    }
  }

  private countsOf(service: string, system: string, create: boolean): ServiceCounts | undefined {
    const existing = this.services.get(system, service);
    if (existing !== undefined || !create) return existing;

    if (this.services.size >= MAX_TRACKED_SERVICES) {
      this.untrackedServices += 1;
      return undefined;
    }
    const counts = {
      service,
      system,
      traces: new WindowedCounter(this.windowMs),
      failedTraces: new WindowedCounter(this.windowMs),
    };
    this.services.set(system, service, counts);
    return counts;
  }
}
