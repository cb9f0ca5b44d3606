import { WindowedCounter } from './traffic-counter.js';
import type { PathHop, RootCauseCandidate } from './verdict.js';

/**
 * The failing traces that share one root cause (system, service and error kind), counted
 * over the sliding window, with the fingerprints, operations and paths they showed. An
 * incident opens on a group once it crosses the thresholds.
 */

/** Trace ids kept as samples per group, newest last. */
export const MAX_SAMPLE_TRACE_IDS = 5;

/** Distinct fingerprints, operations and paths counted per group; later new values are not counted. */
export const MAX_DISTINCT_VALUES = 100;

/** One trace's failure, as it was added to a group, so that it can be taken back exactly. */
export interface GroupedFailure {
  traceId: string;
  /** When the failure was counted, in Unix milliseconds. */
  atMs: number;
  fingerprint: string;
  operation: string;
  path: PathHop[];
}

export interface GroupRootCause {
  service: string;
  system: string;
  errorKind: string;
}

/** Returns the grouping key of a root cause: `system/service/error kind`. */
export function groupKeyOf(rootCause: GroupRootCause): string {
  return `${rootCause.system}/${rootCause.service}/${rootCause.errorKind}`;
}

/** Returns the group root cause of the top candidate of a verdict. */
export function groupRootCauseOf(candidate: RootCauseCandidate): GroupRootCause {
  return { service: candidate.service, system: candidate.system, errorKind: candidate.errorKind };
}

/** Counts how often each value was seen, and ranks the values most frequent first. */
class FrequencyCounter {
  private readonly counts = new Map<string, number>();

  /** Adds 1 or takes back 1; returns the new count (0 when the value is not counted). */
  add(value: string, amount: 1 | -1): number {
    const count = (this.counts.get(value) ?? 0) + amount;
    if (count <= 0) {
      this.counts.delete(value);
      return 0;
    }
    if (!this.counts.has(value) && this.counts.size >= MAX_DISTINCT_VALUES) return 0;

    this.counts.set(value, count);
    return count;
  }

  /** Returns the values, most frequent first; ties keep the order they were first seen in. */
  ranked(): string[] {
    return [...this.counts].sort((left, right) => right[1] - left[1]).map(([value]) => value);
  }
}

function pathKeyOf(path: readonly PathHop[]): string {
  return path.map((hop) => `${hop.system}\u001f${hop.service}`).join('\u001e');
}

export class IncidentGroup {
  readonly key: string;
  readonly rootCause: GroupRootCause;
  readonly failingTraces: WindowedCounter;
  /** The incident opened on this group and not yet resolved. */
  incidentId: string | undefined;
  private readonly fingerprints = new FrequencyCounter();
  private readonly operations = new FrequencyCounter();
  private readonly paths = new FrequencyCounter();
  private readonly pathHops = new Map<string, PathHop[]>();
  private sampleTraceIds: string[] = [];

  constructor(rootCause: GroupRootCause, windowMs: number) {
    this.key = groupKeyOf(rootCause);
    this.rootCause = rootCause;
    this.failingTraces = new WindowedCounter(windowMs);
  }

  add(failure: GroupedFailure): void {
    this.failingTraces.add(failure.atMs, 1);
    this.fingerprints.add(failure.fingerprint, 1);
    this.operations.add(failure.operation, 1);

    const pathKey = pathKeyOf(failure.path);
    if (this.paths.add(pathKey, 1) === 1) this.pathHops.set(pathKey, failure.path.map((hop) => ({ ...hop })));

    this.sampleTraceIds = this.sampleTraceIds.filter((traceId) => traceId !== failure.traceId);
    this.sampleTraceIds.push(failure.traceId);
    if (this.sampleTraceIds.length > MAX_SAMPLE_TRACE_IDS) this.sampleTraceIds.shift();
  }

  /** Takes back a failure added before, for example when a revised verdict replaces it. */
  remove(failure: GroupedFailure): void {
    this.failingTraces.add(failure.atMs, -1);
    this.fingerprints.add(failure.fingerprint, -1);
    this.operations.add(failure.operation, -1);

    const pathKey = pathKeyOf(failure.path);
    if (this.paths.add(pathKey, -1) === 0) this.pathHops.delete(pathKey);

    this.sampleTraceIds = this.sampleTraceIds.filter((traceId) => traceId !== failure.traceId);
  }

  rankedFingerprints(): string[] {
    return this.fingerprints.ranked();
  }

  rankedOperations(): string[] {
    return this.operations.ranked();
  }

  /** Returns a copy of the most frequent propagation path; empty when none was counted. */
  topPath(): PathHop[] {
    const [top] = this.paths.ranked();
    const hops = top === undefined ? undefined : this.pathHops.get(top);
    return hops === undefined ? [] : hops.map((hop) => ({ ...hop }));
  }

  samples(): string[] {
    return [...this.sampleTraceIds];
  }
}
