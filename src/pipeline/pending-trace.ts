import { hasErrorSignal } from '../model/signals.js';
import type { SpanRecord } from '../model/span.js';

/**
 * The spans of one trace while the buffer holds it, with what completeness needs: whether the
 * root span arrived, how many referenced parent spans are still missing, and which outgoing
 * calls have no span of their callee yet. All update as each span arrives, so
 * checking completeness never rescans the spans.
 */
export class PendingTrace {
  readonly traceId: string;
  /** Spans in arrival order. Replaced by a copy when the trace reopens, never changed after release. */
  spans: SpanRecord[] = [];
  firstSpanAtMs: number;
  lastSpanAtMs: number;
  revision = 0;
  /** Estimated bytes of the spans held, as the trace buffer counts them. */
  sizeBytes = 0;
  /** The `consume` call that last moved this trace to the end of the expiry order. */
  batchSequence = -1;
  /** The neighbours in the buffer's expiry order; undefined at either end or when released. */
  older: PendingTrace | undefined;
  newer: PendingTrace | undefined;
  /**
   * Span ids seen: true when the span arrived, false when spans reference it as their parent
   * but it has not arrived. One Map instead of two Sets, because it measured several times faster.
   */
  private readonly spanArrived = new Map<string, boolean>();
  private missingParents = 0;
  private hasRoot = false;
  /**
   * Outgoing calls with no child yet. A parent id only points up, so completeness cannot see
   * that a callee's spans are missing. Analyzed without them, a failed call reads as a dead
   * callee, and a healthy one leaves the callee's traffic uncounted.
   */
  private readonly callsAwaitingCallee = new Set<string>();

  constructor(traceId: string, nowMs: number) {
    this.traceId = traceId;
    this.firstSpanAtMs = nowMs;
    this.lastSpanAtMs = nowMs;
  }

  /** Adds a span; returns false, keeping nothing, when a span with the same id arrived before. */
  add(span: SpanRecord): boolean {
    const arrived = this.spanArrived.get(span.spanId);
    if (arrived === true) return false;

    if (arrived === false) this.missingParents -= 1;
    this.spanArrived.set(span.spanId, true);
    if (arrived === undefined && expectsCalleeSpan(span)) this.callsAwaitingCallee.add(span.spanId);
    this.callsAwaitingCallee.delete(span.parentSpanId);
    if (span.parentSpanId === '') {
      this.hasRoot = true;
    } else if (!this.spanArrived.has(span.parentSpanId)) {
      this.spanArrived.set(span.parentSpanId, false);
      this.missingParents += 1;
    }
    this.spans.push(span);
    return true;
  }

  hasSpan(spanId: string): boolean {
    return this.spanArrived.get(spanId) === true;
  }

  /**
   * True when the root span and every parent span referenced so far have arrived, and every
   * outgoing call that expects a callee span has a child. A trace that is not complete waits
   * for `wait_duration` of quiet.
   */
  isComplete(): boolean {
    return this.hasRoot && this.missingParents === 0 && this.callsAwaitingCallee.size === 0;
  }

  /** Prepares a released trace to take late spans, leaving the released span array untouched. */
  reopen(nowMs: number): void {
    this.spans = this.spans.slice();
    this.revision += 1;
    this.lastSpanAtMs = nowMs;
  }
}

/**
 * Tells whether a span's callee should report a child span: every failed client or producer
 * span, and a healthy client span unless it calls a database or a message broker, which send
 * no spans of their own. A healthy producer's consumer usually starts a trace of its own.
 */
function expectsCalleeSpan(span: SpanRecord): boolean {
  if (span.kind !== 'client' && span.kind !== 'producer') return false;
  if (hasErrorSignal(span.signals)) return true;
  return span.kind === 'client' && span.peer.dbSystem === '' && span.peer.messagingSystem === '';
}
