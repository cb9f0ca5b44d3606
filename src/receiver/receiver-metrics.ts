/** The OTLP transport a request came in on. */
export type Transport = 'grpc' | 'http';

/**
 * Reason spans of an otherwise accepted request were dropped.
 * - `invalid_id`: trace, span, parent or link id of the wrong length, all zero, or not hex.
 * - `sink_rejected`: the next stage did not take them (for example over the per-trace limit).
 */
export type SpanRejectReason = 'invalid_id' | 'sink_rejected';

/**
 * Reason a whole request was rejected.
 * - `malformed`: not a decodable OTLP request (gRPC INVALID_ARGUMENT, HTTP 400).
 * - `too_large`: over the size or decompressed-size limit (RESOURCE_EXHAUSTED, 413).
 * - `unsupported_media_type`: content type or content encoding the receiver does not read (415).
 * - `back_pressure`: the sink was full (UNAVAILABLE, 503); the sender retries later.
 * - `not_found`: an HTTP path other than `/v1/traces` or a method other than POST (404, 405).
 * - `cancelled`: the client cancelled the call or closed the connection before the request was
 *   decoded. Nothing was kept and no response was sent, and the sender retries.
 */
export type RequestRejectReason = 'malformed' | 'too_large' | 'unsupported_media_type' | 'back_pressure' | 'not_found' | 'cancelled';

export interface TransportCounts {
  /** Spans handed to the sink and taken by it. */
  acceptedSpans: number;
  /** Spans dropped from accepted requests, by reason. */
  rejectedSpans: Record<SpanRejectReason, number>;
  /** Requests rejected whole, by reason. */
  rejectedRequests: Record<RequestRejectReason, number>;
}

export type ReceiverMetricsSnapshot = Record<Transport, TransportCounts>;

function emptyCounts(): TransportCounts {
  return {
    acceptedSpans: 0,
    rejectedSpans: { invalid_id: 0, sink_rejected: 0 },
    rejectedRequests: { malformed: 0, too_large: 0, unsupported_media_type: 0, back_pressure: 0, not_found: 0, cancelled: 0 },
  };
}

/** Plain counters of the OTLP receiver, per transport. Counts only grow. */
export class ReceiverMetrics {
  readonly #counts: ReceiverMetricsSnapshot = { grpc: emptyCounts(), http: emptyCounts() };

  addAcceptedSpans(transport: Transport, count: number): void {
    this.#counts[transport].acceptedSpans += count;
  }

  addRejectedSpans(transport: Transport, reason: SpanRejectReason, count: number): void {
    this.#counts[transport].rejectedSpans[reason] += count;
  }

  addRejectedRequest(transport: Transport, reason: RequestRejectReason): void {
    this.#counts[transport].rejectedRequests[reason] += 1;
  }

  /** Returns a copy of the counters that later requests do not change. */
  snapshot(): ReceiverMetricsSnapshot {
    const copy = (counts: TransportCounts): TransportCounts => ({
      acceptedSpans: counts.acceptedSpans,
      rejectedSpans: { ...counts.rejectedSpans },
      rejectedRequests: { ...counts.rejectedRequests },
    });
    return { grpc: copy(this.#counts.grpc), http: copy(this.#counts.http) };
  }
}
