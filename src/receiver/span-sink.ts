import type { SpanRecord } from '../model/span.js';

/**
 * The outcome of handing spans to the next stage.
 *
 * - `accepted`: the sink took the spans except `rejectedSpans` of them (for example spans over
 *   a per-trace limit), and `rejectReason` gives the reason; the receiver reports them to the sender
 *   as a partial success.
 * - `full`: the sink took none of them because it is out of room; the receiver answers with a
 *   retryable error so the sender backs off and sends the whole request again.
 */
export type ConsumeResult = { status: 'accepted'; rejectedSpans: number; rejectReason: string } | { status: 'full' };

/** The stage after the receiver. `consume` runs synchronously on the request path, once per request. */
export interface SpanSink {
  /** `requestBytes` is the encoded size of the request after decompression, for memory limits. */
  consume(spans: SpanRecord[], requestBytes: number): ConsumeResult;
}
