import type { SpanRecord } from '../model/span.js';

/**
 * The spans of one trace while the buffer holds it, with what completeness needs: whether the
 * root span arrived and how many referenced parent spans are still missing. Both update as
 * each span arrives, so checking completeness never rescans the spans.
 */
export class PendingTrace {
  readonly traceId: string;
  /** Spans in arrival order. Replaced by a copy when the trace reopens, never changed after release. */
  spans: SpanRecord[] = [];
  firstSpanAtMs: number;
  lastSpanAtMs: number;
  revision = 0;
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

  /** True when the root span and every parent span referenced so far have arrived. */
  isComplete(): boolean {
    return this.hasRoot && this.missingParents === 0;
  }

  /** Prepares a released trace to take late spans, leaving the released span array untouched. */
  reopen(nowMs: number): void {
    this.spans = this.spans.slice();
    this.revision += 1;
    this.lastSpanAtMs = nowMs;
  }
}
