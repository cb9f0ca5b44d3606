/**
 * The analyzer's output for one trace: which spans failed, where each failure started, how
 * it spread, and the traffic the trace carried. The incident tracker reads verdicts only.
 */

/**
 * The part a failed span played:
 * - `root_cause`: the failure started here (or in the callee this span blames);
 * - `propagated`: the span failed because a span below it failed;
 * - `symptom`: the span failed with no failing child and no blame of its own (an entry span
 *   reporting an error that started elsewhere, for example a timeout);
 * - `handled`: the span failed but its caller ended without error (retry, fallback, catch).
 */
export type SpanRole = 'root_cause' | 'propagated' | 'symptom' | 'handled';

/**
 * Why a service was named as a root cause:
 * - `deepest_error`: an error span whose children did not fail;
 * - `dead_callee`: a client or producer span failed and its callee reported no server span;
 * - `uninstrumented_dependency`: the failing client span points at a database, cache or
 *   external API that sends no spans of its own;
 * - `slow_callee`: a client timed out while its callee was still working.
 */
export type BlameReason = 'deepest_error' | 'dead_callee' | 'uninstrumented_dependency' | 'slow_callee';

/** One service on a propagation path. `system` is the `service.namespace`, or empty. */
export interface PathHop {
  service: string;
  system: string;
}

export interface RootCauseCandidate {
  service: string;
  system: string;
  /** The operation that failed: the span name, or the peer operation for a blamed callee. */
  operation: string;
  /** The span that carries the evidence. */
  spanId: string;
  errorKind: string;
  fingerprint: string;
  /** 0 to 1; candidates are sorted by it, highest first. */
  confidence: number;
  reason: BlameReason;
  /** When the evidence span started, in Unix milliseconds by the clock of the service that reported it. */
  startedAtMs: number;
}

export interface FailedSpan {
  spanId: string;
  service: string;
  system: string;
  operation: string;
  role: SpanRole;
  errorKind: string;
}

/** Calls from one service to another in one trace; `failed` when any such call failed. */
export interface EdgeTraffic {
  caller: PathHop;
  callee: PathHop;
  calls: number;
  errors: number;
}

/** Whether one service took part in the trace, and whether it failed there. */
export interface ServiceTraffic {
  service: string;
  system: string;
  /** True when the service has a failed span that is not `handled`, or is a blamed callee. */
  failed: boolean;
}

/**
 * - `healthy`: no span failed (a span may still carry a signal that is not a failure, such as
 *   an exception event on a span that ended OK);
 * - `handled`: errors occurred but every one was handled by its caller;
 * - `failed`: the trace failed; `rootCauses` has at least one candidate.
 */
export type VerdictOutcome = 'healthy' | 'handled' | 'failed';

export interface Verdict {
  traceId: string;
  outcome: VerdictOutcome;
  /** Ranked, most likely first; empty unless `outcome` is `failed`. */
  rootCauses: RootCauseCandidate[];
  /** From the entry service to the root-cause service, in call order. */
  propagationPath: PathHop[];
  failedSpans: FailedSpan[];
  services: ServiceTraffic[];
  edges: EdgeTraffic[];
  /** Trace ids that spans of this trace link to (for example the producer of a message). */
  linkedTraceIds: string[];
  spanCount: number;
  /** True when the trace had no span without a parent in the trace. */
  missingRoot: boolean;
  /** Wall-clock time the verdict was made, in Unix milliseconds. */
  analyzedAtMs: number;
  /** 0 for the first verdict of a trace; increases when late spans change it. */
  revision: number;
}
