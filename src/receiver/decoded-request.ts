import type { SpanRecord } from '../model/span.js';

/** An export request after decoding: the valid spans, and how many were rejected and why. */
export interface DecodedRequest {
  spans: SpanRecord[];
  /** Spans dropped for invalid ids. */
  invalidSpans: number;
  /** Reason the first invalid span was dropped; empty when none was. */
  firstInvalidReason: string;
}

/** Collects the spans of one request while a decoder walks it. */
export class DecodedRequestBuilder {
  readonly spans: SpanRecord[] = [];
  #invalidSpans = 0;
  #firstInvalidReason = '';

  reject(spanName: string, reason: string): void {
    this.#invalidSpans += 1;
    if (this.#firstInvalidReason === '') this.#firstInvalidReason = `span ${JSON.stringify(spanName)}: ${reason}`;
  }

  build(): DecodedRequest {
    return { spans: this.spans, invalidSpans: this.#invalidSpans, firstInvalidReason: this.#firstInvalidReason };
  }
}
