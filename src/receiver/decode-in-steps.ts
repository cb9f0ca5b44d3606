import type { SliceScheduler } from '../common/slice-scheduler.js';
import type { DecodedRequest } from './decoded-request.js';
import { ProtobufRequestDecoding } from './otlp-protobuf-decoder.js';

/**
 * Decodes an OTLP/protobuf request in steps of the shared scheduler, so a request of thousands
 * of spans does not hold the event loop for its whole decode. A request of at most
 * `SPANS_PER_STEP` spans is decoded at once.
 */

/** Spans read per step. A span of the benchmark's payloads takes about 10 µs to read, so a step takes about 0.16 ms. */
export const SPANS_PER_STEP = 16;

/** Resolves with the decoded request, or rejects with MalformedRequestError. */
export async function decodeInSteps(scheduler: SliceScheduler, bytes: Uint8Array): Promise<DecodedRequest> {
  const decoding = new ProtobufRequestDecoding(bytes);
  if (decoding.spanCount <= SPANS_PER_STEP) {
    decoding.readSpans(SPANS_PER_STEP);
    return decoding.result();
  }

  return new Promise((resolve, reject) => {
    scheduler.schedule({
      runStep: () => {
        decoding.readSpans(SPANS_PER_STEP);
        if (!decoding.done) return false;
        resolve(decoding.result());
        return true;
      },
      fail: reject,
    });
  });
}
