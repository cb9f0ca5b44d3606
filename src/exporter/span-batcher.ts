import type { Logger } from 'pino';
import type { Attributes, SpanRecord } from '../model/span.js';
import { encodeExportRequest } from './otlp-span-encoder.js';
import type { ExportBatch } from './otlp-exporter.js';

/** Maximum spans per export request. A batch is sent as soon as it contains this many. */
export const MAX_BATCH_SPANS = 512;

/** Maximum time a span waits for its batch to fill before the batch is sent anyway. */
export const BATCH_TIMEOUT_MS = 200;

/** A destination of encoded batches: each configured exporter is one. */
export interface BatchReceiver {
  enqueue(batch: ExportBatch): void;
}

export interface SpanBatcherOptions {
  receivers: readonly BatchReceiver[];
  logger: Logger;
  maxBatchSpans?: number;
  batchTimeoutMs?: number;
}

/**
 * Collects forwarded spans into batches of up to `MAX_BATCH_SPANS`, or what arrived within
 * `BATCH_TIMEOUT_MS`, and encodes each batch once for all exporters.
 */
export class SpanBatcher {
  readonly #receivers: readonly BatchReceiver[];
  readonly #logger: Logger;
  readonly #maxBatchSpans: number;
  readonly #batchTimeoutMs: number;
  #spans: SpanRecord[] = [];
  #addedAttributes: (Attributes | undefined)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #encodeFailures = 0;

  constructor(options: SpanBatcherOptions) {
    this.#receivers = options.receivers;
    this.#logger = options.logger;
    this.#maxBatchSpans = options.maxBatchSpans ?? MAX_BATCH_SPANS;
    this.#batchTimeoutMs = options.batchTimeoutMs ?? BATCH_TIMEOUT_MS;
  }

  /** Batches that could not be encoded; their spans reached no exporter. */
  get encodeFailures(): number {
    return this.#encodeFailures;
  }

  /** Adds a span with the attributes to add to it; sends the batch when it is full. */
  add(span: SpanRecord, addedAttributes: Attributes | undefined): void {
    this.#spans.push(span);
    this.#addedAttributes.push(addedAttributes);
    if (this.#spans.length >= this.#maxBatchSpans) {
      this.flush();
      return;
    }
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.#batchTimeoutMs);
      this.#timer.unref();
    }
  }

  /** Encodes the spans collected so far and hands the request to every exporter. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#spans.length === 0) return;

    const spans = this.#spans;
    const addedAttributes = this.#addedAttributes;
    this.#spans = [];
    this.#addedAttributes = [];
    let body: Uint8Array;
    try {
      body = encodeExportRequest({ spans, addedAttributes });
    } catch (error) {
      this.#encodeFailures += 1;
      this.#logger.error({ err: error, spans: spans.length, failures: this.#encodeFailures }, 'encoding an export request failed');
      return;
    }
    for (const receiver of this.#receivers) receiver.enqueue({ body, spanCount: spans.length });
  }
}
