import type { SliceScheduler, SlicedTask } from '../common/slice-scheduler.js';
import type { DecodedRequest } from './decoded-request.js';
import { ProtobufRequestDecoding, decodeProtobufRequest } from './otlp-protobuf-decoder.js';
import { RequestCancelledError } from './receiver-errors.js';

/**
 * OTLP/protobuf requests waiting to be decoded, in arrival order. The queue decodes the oldest
 * request in steps of the shared scheduler, so a request of thousands of spans does not hold
 * the event loop for its whole decode. Only one request is decoded at a time. The others keep
 * just their bytes, and each gets its response as soon as its own decode ends. A request of at most
 * `BYTES_PER_STEP` bytes that arrives while the queue is empty is decoded at once.
 */

/** Spans read per step at most. A span of the benchmark's payloads takes about 10 µs to read. */
export const SPANS_PER_STEP = 16;
/** Span bytes read per step at most, so a step of large spans stays short. A step ends after the span that crosses it. */
export const BYTES_PER_STEP = 16 * 1024;

interface QueuedRequest {
  bytes: Uint8Array;
  signal: AbortSignal | undefined;
  resolve: (decoded: DecodedRequest) => void;
  reject: (error: unknown) => void;
  /** Set once the request reaches the front of the queue. */
  decoding?: ProtobufRequestDecoding;
}

export class DecodeQueue {
  private readonly scheduler: SliceScheduler;
  private requests: QueuedRequest[] = [];
  /** Whether the decode task is queued on the scheduler. */
  private scheduled = false;
  private readonly task: SlicedTask = {
    runStep: () => {
      this.step();
      this.scheduled = this.requests.length > 0;
      return !this.scheduled;
    },
    fail: (error) => {
      // step() settles a request's own errors, so an error here is a defect. It fails the request at the front.
      this.requests.shift()?.reject(error);
      this.scheduled = false;
      if (this.requests.length > 0) this.schedule();
    },
  };

  constructor(scheduler: SliceScheduler) {
    this.scheduler = scheduler;
  }

  /** Requests waiting or being decoded. */
  get length(): number {
    return this.requests.length;
  }

  /**
   * Resolves with the decoded request, or rejects with MalformedRequestError. When `signal`
   * aborts first (the client went away), the request is dropped and the promise rejects with
   * RequestCancelledError.
   */
  decode(bytes: Uint8Array, signal?: AbortSignal): Promise<DecodedRequest> {
    if (signal?.aborted === true) return Promise.reject(new RequestCancelledError());
    if (this.requests.length === 0 && bytes.byteLength <= BYTES_PER_STEP) {
      // The executor runs at once, and an error it throws rejects the promise.
      return new Promise((resolve) => resolve(decodeProtobufRequest(bytes)));
    }

    return new Promise((resolve, reject) => {
      this.requests.push({ bytes, signal, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.scheduler.schedule(this.task);
  }

  /** Reads one step of the request at the front, and settles it when it ends, fails or was cancelled. */
  private step(): void {
    const request = this.requests[0];
    if (request === undefined) return;
    if (request.signal?.aborted === true) {
      this.requests.shift();
      request.reject(new RequestCancelledError());
      return;
    }

    try {
      request.decoding ??= new ProtobufRequestDecoding(request.bytes);
      request.decoding.readSpans(SPANS_PER_STEP, BYTES_PER_STEP);
      if (!request.decoding.done) return;
      this.requests.shift();
      request.resolve(request.decoding.result());
    } catch (error) {
      this.requests.shift();
      request.reject(error);
    }
  }
}
