import type { Logger } from 'pino';
import type { DecodedRequest } from './decoded-request.js';
import type { ReceiverMetrics, RequestRejectReason, Transport } from './receiver-metrics.js';
import type { SpanSink } from './span-sink.js';
import { WarningThrottle } from './warning-throttle.js';

/**
 * The outcome of one export request, before a transport encodes it.
 * - `success`: the spans went to the sink; `rejectedSpans` of them were dropped (invalid ids or
 *   rejected by the sink) and `errorMessage` gives how many and why. Both are 0 and empty when
 *   every span was taken.
 * - `back_pressure`: the sink was full and took nothing; the sender should retry later.
 */
export type ExportOutcome =
  | { kind: 'success'; rejectedSpans: number; errorMessage: string }
  | { kind: 'back_pressure'; message: string };

/** Seconds a sender should wait before retrying after back-pressure. */
export const RETRY_AFTER_SECONDS = 1;

const BACK_PRESSURE_MESSAGE = `span buffer is full, retry after ${RETRY_AFTER_SECONDS}s`;

export interface ExportHandlerOptions {
  sink: SpanSink;
  metrics: ReceiverMetrics;
  /** The receiver's logger; warnings about dropped data are rate-limited per kind. */
  logger: Logger;
}

/** Hands decoded requests to the sink and keeps the counters and logs the same for both transports. */
export class ExportHandler {
  readonly #sink: SpanSink;
  readonly #metrics: ReceiverMetrics;
  readonly #logger: Logger;
  readonly #warnings: WarningThrottle;

  constructor(options: ExportHandlerOptions) {
    this.#sink = options.sink;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#warnings = new WarningThrottle(options.logger);
  }

  /**
   * Passes the valid spans of a decoded request to the sink and returns the outcome to send.
   * `requestBytes` is the request's size after decompression.
   */
  export(transport: Transport, request: DecodedRequest, requestBytes: number): ExportOutcome {
    const { spans, invalidSpans, firstInvalidReason } = request;
    const result = spans.length === 0 ? { status: 'accepted' as const, rejectedSpans: 0, rejectReason: '' } : this.#sink.consume(spans, requestBytes);
    if (result.status === 'full') {
      this.reject(transport, 'back_pressure', BACK_PRESSURE_MESSAGE);
      return { kind: 'back_pressure', message: BACK_PRESSURE_MESSAGE };
    }

    const sinkRejected = Math.min(result.rejectedSpans, spans.length);
    this.#metrics.addAcceptedSpans(transport, spans.length - sinkRejected);
    this.#metrics.addRejectedSpans(transport, 'invalid_id', invalidSpans);
    this.#metrics.addRejectedSpans(transport, 'sink_rejected', sinkRejected);
    this.#logger.debug({ transport, spans: spans.length, invalidSpans, sinkRejected }, 'export request received');

    const rejectedSpans = invalidSpans + sinkRejected;
    if (rejectedSpans === 0) return { kind: 'success', rejectedSpans: 0, errorMessage: '' };
    const reason = invalidSpans > 0 ? firstInvalidReason : result.rejectReason;
    const errorMessage = `rejected ${rejectedSpans} of ${spans.length + invalidSpans} spans: ${reason}`;
    this.#warnings.warn('spans_rejected', { transport, invalidSpans, sinkRejected, reason }, 'spans rejected');
    return { kind: 'success', rejectedSpans, errorMessage };
  }

  /** Counts and logs a request rejected whole. */
  reject(transport: Transport, reason: RequestRejectReason, message: string): void {
    this.#metrics.addRejectedRequest(transport, reason);
    this.#warnings.warn(`request_${reason}`, { transport, reason, error: message }, 'export request rejected');
  }
}
