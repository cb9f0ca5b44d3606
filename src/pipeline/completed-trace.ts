import type { SpanRecord } from '../model/span.js';

/**
 * Why the trace buffer released a trace to analysis:
 * - `complete`: its root span arrived and so did every parent span its spans reference;
 * - `quiet`: no span of it arrived for `wait_duration`;
 * - `evicted`: the buffer held `max_traces` traces and this one was the least recently updated;
 * - `shutdown`: the buffer shut down and drained every trace it held.
 */
export type ReleaseReason = 'complete' | 'quiet' | 'evicted' | 'shutdown';

/** A trace the buffer released for analysis. The buffer never changes `spans` after release. */
export interface CompletedTrace {
  traceId: string;
  /** Spans in arrival order, without duplicate span ids. */
  spans: SpanRecord[];
  /** Wall-clock time the first span arrived, in Unix milliseconds. */
  firstSpanAtMs: number;
  /** Wall-clock time the last span arrived, in Unix milliseconds; verdict latency starts here. */
  lastSpanAtMs: number;
  reason: ReleaseReason;
  /**
   * 0 on the first release. Each release after late spans joined the trace adds 1, and the
   * verdict made from it replaces the verdict of the earlier revision.
   */
  revision: number;
}

/**
 * The stage after the trace buffer. The buffer's analysis queue calls `consumeTrace` in release
 * order, in short slices on later event-loop turns, and for every queued trace before the
 * buffer's `shutdown` returns.
 */
export interface TraceConsumer {
  consumeTrace(trace: CompletedTrace): void;
}
