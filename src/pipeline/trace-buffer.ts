import type { Logger } from 'pino';
import type { SliceScheduler } from '../common/slice-scheduler.js';
import type { ErrorCorrelationConfig } from '../correlation/config.js';
import type { SpanRecord } from '../model/span.js';
import type { ConsumeResult, SpanSink } from '../receiver/span-sink.js';
import { AnalysisQueue } from './analysis-queue.js';
import type { ReleaseReason, TraceConsumer } from './completed-trace.js';
import { ExpiryOrder } from './expiry-order.js';
import { PendingTrace } from './pending-trace.js';
import { ReleasedTraceCache } from './released-trace-cache.js';

/**
 * The trace buffer groups spans from the receiver by trace id. It releases each trace to the
 * next stage (analysis) once the trace is complete or has been quiet for `wait_duration`, when
 * it is evicted to make room, or at shutdown.
 *
 * Data flow: receiver -> `consume(spans)` -> pending traces, listed in the order of their
 * last update -> release -> analysis queue -> `TraceConsumer.consumeTrace`, one trace per step of the
 * shared `SliceScheduler`, between other event-loop work. A released trace also goes to the
 * released-trace cache, where late spans find their trace and reopen it for a new revision.
 * Spans wait in the queue counted against `max_buffered_spans` and `max_buffered_bytes`, so
 * back-pressure covers them until they are analyzed.
 */

/** The settings the buffer reads, as users write them under `processors.errorcorrelation`. */
export type TraceBufferSettings = Pick<
  ErrorCorrelationConfig,
  'wait_duration' | 'max_traces' | 'max_spans_per_trace' | 'max_buffered_spans' | 'max_buffered_bytes' | 'verdict_cache_size'
>;

export interface TraceBufferOptions {
  settings: TraceBufferSettings;
  consumer: TraceConsumer;
  logger: Logger;
  /** Scheduler that runs the analysis hand-over in steps. The receiver's decoding shares it. Defaults to a scheduler of the buffer's own. */
  scheduler?: SliceScheduler;
}

/**
 * Why a span was rejected:
 * - `trace_span_limit`: its trace already contains `max_spans_per_trace` spans;
 * - `duplicate_span`: a span with the same trace id and span id arrived before.
 */
export type SpanRejectReason = 'trace_span_limit' | 'duplicate_span';

/** Buffer figures for the status API and self-metrics. Counts are totals since construction. */
export interface TraceBufferSnapshot {
  tracesHeld: number;
  /** Spans of the traces held and of the released traces waiting for analysis. */
  spansHeld: number;
  /**
   * Estimated bytes of the spans held and waiting for analysis: each span's share of its
   * request, at least `MIN_SPAN_BYTES`.
   */
  bytesHeld: number;
  /** Released traces whose spans stay cached for late spans. */
  tracesCached: number;
  /** Encoded bytes of the cached traces. */
  bytesCached: number;
  tracesReleased: Record<ReleaseReason, number>;
  /** Traces released early because the buffer held `max_traces`; also in `tracesReleased.evicted`. */
  tracesEvicted: number;
  spansRejected: Record<SpanRejectReason, number>;
  /** Requests rejected as `full` (nothing kept) because of `max_buffered_spans`, `max_buffered_bytes`, or after shutdown. */
  requestsRejectedFull: number;
  /** Spans accepted for a trace that had already been released. */
  lateSpans: number;
  /** Calls to the next stage that threw. */
  consumerFailures: number;
}

/**
 * The buffer's life: `created` accepts spans but runs no sweep, `running` sweeps quiet traces,
 * and `shut_down` has drained every trace into analysis and returns `full` for every request.
 */
type BufferState = 'created' | 'running' | 'shut_down';

/** The sweep never runs less often than this, so quiet traces wait at most this much extra. */
const MAX_SWEEP_INTERVAL_MS = 250;

const REJECT_MESSAGES: Record<SpanRejectReason, string> = {
  trace_span_limit: 'trace exceeds max_spans_per_trace',
  duplicate_span: 'duplicate span id in trace',
};

const FULL: ConsumeResult = { status: 'full' };

/**
 * The least a span is counted against `max_buffered_bytes`: a decoded span record with its
 * resource, attribute and signal objects takes about this much heap even when its encoded form
 * is a few dozen bytes. An estimate, from the size of the objects `SpanRecord` holds.
 */
export const MIN_SPAN_BYTES = 1024;

/**
 * Returns the sweep period: a quarter of `wait_duration`, at most 250 ms and at least 1 ms.
 * A quiet trace is released between `wait_duration` and `wait_duration` plus this period after
 * its last span.
 */
export function sweepIntervalMs(waitDurationMs: number): number {
  return Math.max(1, Math.min(Math.floor(waitDurationMs / 4), MAX_SWEEP_INTERVAL_MS));
}

export class TraceBuffer implements SpanSink {
  private readonly settings: TraceBufferSettings;
  private readonly logger: Logger;
  /** Released traces waiting for `consumer.consumeTrace`. */
  private readonly analysis: AnalysisQueue;
  /** Held traces by trace id. */
  private readonly pending = new Map<string, PendingTrace>();
  /** The same traces, least recently updated first; the sweep stops at the first one not yet quiet. */
  private readonly expiryOrder = new ExpiryOrder();
  private readonly released: ReleasedTraceCache;
  private state: BufferState = 'created';
  private sweepTimer: NodeJS.Timeout | undefined;
  private batchSequence = 0;
  /** Spans and bytes of the pending traces. The analysis queue counts the released ones. */
  private spansHeld = 0;
  private bytesHeld = 0;
  private readonly counters = {
    tracesReleased: { complete: 0, quiet: 0, evicted: 0, shutdown: 0 } satisfies Record<ReleaseReason, number>,
    spansRejected: { trace_span_limit: 0, duplicate_span: 0 } satisfies Record<SpanRejectReason, number>,
    requestsRejectedFull: 0,
    lateSpans: 0,
  };

  constructor(options: TraceBufferOptions) {
    this.settings = options.settings;
    this.logger = options.logger.child({ component: 'trace_buffer' });
    this.analysis = new AnalysisQueue({ consumer: options.consumer, logger: this.logger, scheduler: options.scheduler });
    this.released = new ReleasedTraceCache(options.settings.verdict_cache_size, options.settings.max_buffered_bytes);
  }

  /** Starts the sweep timer. Calling it again, or after shutdown, does nothing. */
  start(): void {
    if (this.state !== 'created') return;

    const intervalMs = sweepIntervalMs(this.settings.wait_duration);
    this.sweepTimer = setInterval(() => this.sweep(), intervalMs);
    this.sweepTimer.unref();
    this.state = 'running';
    this.logger.info({ sweepIntervalMs: intervalMs }, 'trace buffer started');
  }

  /**
   * Stops the sweep timer, releases every held trace with reason `shutdown`, and hands every
   * queued trace to the consumer before it returns. Idempotent.
   */
  shutdown(): void {
    if (this.state === 'shut_down') return;

    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.state = 'shut_down';
    const drained = this.pending.size;
    for (let trace = this.expiryOrder.oldest(); trace !== undefined; trace = this.expiryOrder.oldest()) {
      this.release(trace, 'shutdown');
    }
    this.analysis.drain();
    this.logger.info({ drainedTraces: drained }, 'trace buffer shut down');
  }

  /**
   * Adds the spans of one request of `requestBytes` encoded bytes, each span counted as its
   * share of them but at least `MIN_SPAN_BYTES`. Returns `full` and keeps
   * nothing when the spans held would exceed `max_buffered_spans` or `max_buffered_bytes`,
   * counting the whole request before any span is rejected.
   * An empty buffer takes a request of any size, so one request larger than the limit is
   * accepted once the buffer drains instead of being refused on every retry.
   * Traces that became complete are released to the analysis queue before it returns.
   */
  consume(spans: SpanRecord[], requestBytes = 0): ConsumeResult {
    const bytesPerSpan = spans.length > 0 ? Math.max(requestBytes / spans.length, MIN_SPAN_BYTES) : 0;
    const spansHeld = this.spansHeld + this.analysis.spanCount;
    const overSpanLimit = spansHeld + spans.length > this.settings.max_buffered_spans;
    const overByteLimit = this.bytesHeld + this.analysis.sizeBytes + bytesPerSpan * spans.length > this.settings.max_buffered_bytes;
    if (this.state === 'shut_down' || (spansHeld > 0 && (overSpanLimit || overByteLimit))) {
      this.counters.requestsRejectedFull += 1;
      return FULL;
    }

    const nowMs = Date.now();
    this.batchSequence += 1;
    const completed: PendingTrace[] = [];
    const reasons = new Set<SpanRejectReason>();
    let rejectedSpans = 0;
    for (const span of spans) {
      const rejection = this.addSpan(span, bytesPerSpan, nowMs, completed);
      if (rejection === undefined) continue;
      rejectedSpans += 1;
      reasons.add(rejection);
      this.counters.spansRejected[rejection] += 1;
    }

    this.releaseCompleted(completed);
    const rejectReason = [...reasons].map((reason) => REJECT_MESSAGES[reason]).join('; ');
    return { status: 'accepted', rejectedSpans, rejectReason };
  }

  /** Releases every trace that has been quiet for `wait_duration` to the analysis queue. The sweep timer calls it. */
  sweep(nowMs = Date.now()): void {
    for (let trace = this.expiryOrder.oldest(); trace !== undefined; trace = this.expiryOrder.oldest()) {
      if (nowMs - trace.lastSpanAtMs < this.settings.wait_duration) return;
      this.release(trace, 'quiet');
    }
  }

  snapshot(): TraceBufferSnapshot {
    return {
      tracesHeld: this.pending.size,
      spansHeld: this.spansHeld + this.analysis.spanCount,
      bytesHeld: Math.round(this.bytesHeld + this.analysis.sizeBytes),
      tracesCached: this.released.size,
      bytesCached: Math.round(this.released.sizeBytes),
      tracesReleased: { ...this.counters.tracesReleased },
      tracesEvicted: this.counters.tracesReleased.evicted,
      spansRejected: { ...this.counters.spansRejected },
      requestsRejectedFull: this.counters.requestsRejectedFull,
      lateSpans: this.counters.lateSpans,
      consumerFailures: this.analysis.consumerFailures,
    };
  }

  /** Adds one span to its trace; returns why it was rejected, or undefined when it was kept. */
  private addSpan(span: SpanRecord, sizeBytes: number, nowMs: number, completed: PendingTrace[]): SpanRejectReason | undefined {
    let trace = this.pending.get(span.traceId);
    if (trace === undefined) {
      // A late span that would be rejected must not reopen its released trace.
      const released = this.released.peek(span.traceId);
      if (released !== undefined && released.spans.length >= this.settings.max_spans_per_trace) return 'trace_span_limit';
      if (released?.hasSpan(span.spanId) === true) return 'duplicate_span';
      trace = this.openTrace(span.traceId, nowMs);
    }

    if (trace.spans.length >= this.settings.max_spans_per_trace) return 'trace_span_limit';
    if (!trace.add(span)) return 'duplicate_span';

    this.spansHeld += 1;
    this.bytesHeld += sizeBytes;
    trace.sizeBytes += sizeBytes;
    this.touch(trace, nowMs);
    if (trace.revision > 0) {
      // A reopened trace waits for `wait_duration` of quiet, so a burst of late spans makes one revision.
      this.counters.lateSpans += 1;
    } else if (trace.isComplete()) {
      completed.push(trace);
    }
    return undefined;
  }

  /** Starts holding a trace: a released one reopened for late spans, or a new one. */
  private openTrace(traceId: string, nowMs: number): PendingTrace {
    if (this.pending.size >= this.settings.max_traces) this.evictOldest();

    const released = this.released.take(traceId);
    const trace = released ?? new PendingTrace(traceId, nowMs);
    if (released !== undefined) {
      released.reopen(nowMs);
      this.spansHeld += released.spans.length;
      this.bytesHeld += released.sizeBytes;
    }
    trace.batchSequence = this.batchSequence;
    this.pending.set(traceId, trace);
    this.expiryOrder.append(trace);
    return trace;
  }

  /** Moves a trace to the end of the expiry order, once per `consume` call. */
  private touch(trace: PendingTrace, nowMs: number): void {
    trace.lastSpanAtMs = nowMs;
    if (trace.batchSequence === this.batchSequence) return;

    trace.batchSequence = this.batchSequence;
    this.expiryOrder.moveToNewest(trace);
  }

  private evictOldest(): void {
    const oldest = this.expiryOrder.oldest();
    if (oldest !== undefined) this.release(oldest, 'evicted');
  }

  /** Releases traces that were complete during a `consume` call and still are at its end. */
  private releaseCompleted(completed: readonly PendingTrace[]): void {
    for (const trace of completed) {
      // Skips traces released already (evicted, or listed twice) and ones a later span made incomplete.
      if (this.pending.get(trace.traceId) !== trace || !trace.isComplete()) continue;
      this.release(trace, 'complete');
    }
  }

  /** Stops holding a trace and appends it to the analysis queue, which counts its spans from now on. */
  private release(trace: PendingTrace, reason: ReleaseReason): void {
    this.pending.delete(trace.traceId);
    this.expiryOrder.remove(trace);
    this.spansHeld -= trace.spans.length;
    this.bytesHeld -= trace.sizeBytes;
    this.counters.tracesReleased[reason] += 1;
    this.released.add(trace);

    const completed = {
      traceId: trace.traceId,
      spans: trace.spans,
      firstSpanAtMs: trace.firstSpanAtMs,
      lastSpanAtMs: trace.lastSpanAtMs,
      reason,
      revision: trace.revision,
    };
    this.analysis.push(completed, trace.sizeBytes);
  }
}
