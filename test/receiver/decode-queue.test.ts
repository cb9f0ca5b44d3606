import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SliceScheduler } from '../../src/common/slice-scheduler.js';
import { BYTES_PER_STEP, DecodeQueue, SPANS_PER_STEP } from '../../src/receiver/decode-queue.js';
import { decodeProtobufRequest } from '../../src/receiver/otlp-protobuf-decoder.js';
import { MalformedRequestError, RequestCancelledError } from '../../src/receiver/receiver-errors.js';
import { encodeProtobufRequest } from '../support/otlp-test-requests.js';

/** Padding that makes each span about 400 bytes, so requests of 48 spans or more are over `BYTES_PER_STEP`. */
const SPAN_PADDING = 'p'.repeat(350);

/** Encodes a request with `count` spans of one trace, named `${prefix}-0`, `${prefix}-1`, and so on. */
function requestWithSpans(count: number, prefix = 'op', service = 'checkout', padding = SPAN_PADDING): Buffer {
  const traceId = Buffer.alloc(16, 7);
  const spans = Array.from({ length: count }, (_, index) => {
    const spanId = Buffer.alloc(8);
    spanId.writeUInt32BE(index + 1, 4);
    const attributes = [{ key: 'step', value: { intValue: index } }, { key: 'padding', value: { stringValue: padding } }];
    return { traceId, spanId, name: `${prefix}-${index}`, attributes };
  });
  return encodeProtobufRequest({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }],
  });
}

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>): { settled: () => boolean; value: Promise<T> } {
  let settled = false;
  const value = promise.finally(() => {
    settled = true;
  });
  // The test awaits `value` later. This handler keeps a rejection from being reported as unhandled meanwhile.
  value.catch(() => undefined);
  return { settled: () => settled, value };
}

/** Runs one turn and lets the promise callbacks it queued run. */
async function runTurn(): Promise<void> {
  vi.advanceTimersToNextTimer();
  for (let index = 0; index < 5; index += 1) await Promise.resolve();
}

/** Creates a queue whose scheduler runs one step per turn. */
function oneStepPerTurn(): DecodeQueue {
  return new DecodeQueue(new SliceScheduler({ turnBudgetMs: 0 }));
}

describe('DecodeQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('decodes a small request at once', async () => {
    const queue = oneStepPerTurn();
    const bytes = requestWithSpans(3);

    const decoded = await queue.decode(bytes);

    expect(decoded).toEqual(decodeProtobufRequest(bytes));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('decodes a large request over turns', async () => {
    const queue = oneStepPerTurn();
    const bytes = requestWithSpans(5 * SPANS_PER_STEP);

    expect(bytes.length).toBeGreaterThan(BYTES_PER_STEP);
    const decoding = track(queue.decode(bytes));
    const settledAfterTurn: boolean[] = [];
    for (let turn = 0; turn < 6; turn += 1) {
      await runTurn();
      settledAfterTurn.push(decoding.settled());
    }

    // Five steps of 16 spans, then one that leaves the scope and resource and ends the request.
    expect(settledAfterTurn).toEqual([false, false, false, false, false, true]);
    expect(await decoding.value).toEqual(decodeProtobufRequest(bytes));
    expect(queue.length).toBe(0);
  });

  it('ends a step early on large spans', async () => {
    const queue = oneStepPerTurn();
    const bytes = requestWithSpans(4, 'large', 'checkout', 'x'.repeat(BYTES_PER_STEP));

    const decoding = track(queue.decode(bytes));
    await runTurn();
    await runTurn();
    await runTurn();

    expect(decoding.settled()).toBe(false);
    await vi.runAllTimersAsync();
    expect((await decoding.value).spans).toHaveLength(4);
  });

  it('answers requests in arrival order', async () => {
    const queue = oneStepPerTurn();
    const first = requestWithSpans(3 * SPANS_PER_STEP, 'first', 'alpha');
    const second = requestWithSpans(3 * SPANS_PER_STEP, 'second', 'beta');

    const firstDecode = track(queue.decode(first));
    const secondDecode = track(queue.decode(second));
    for (let turn = 0; turn < 4; turn += 1) await runTurn();

    expect(firstDecode.settled()).toBe(true);
    expect(secondDecode.settled()).toBe(false);
    await vi.runAllTimersAsync();
    expect(await firstDecode.value).toEqual(decodeProtobufRequest(first));
    expect(await secondDecode.value).toEqual(decodeProtobufRequest(second));
  });

  it('rejects bytes that are not a request', async () => {
    const queue = oneStepPerTurn();

    await expect(queue.decode(Buffer.from([0x0a, 0xff]))).rejects.toThrow(MalformedRequestError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a span that fails after earlier steps', async () => {
    const queue = oneStepPerTurn();
    const bytes = requestWithSpans(3 * SPANS_PER_STEP);
    // Turn the last span's first field (its trace id, wire type 2) into wire type 7, which does not exist.
    const lastSpanTraceId = bytes.lastIndexOf(Buffer.from([0x0a, 0x10, 7, 7]));
    bytes[lastSpanTraceId] = 0x0f;
    const next = requestWithSpans(2 * SPANS_PER_STEP, 'next');

    const failing = track(queue.decode(bytes));
    const following = track(queue.decode(next));
    await vi.runAllTimersAsync();

    await expect(failing.value).rejects.toThrow(/invalid protobuf request/);
    await expect(failing.value).rejects.toBeInstanceOf(MalformedRequestError);
    expect(await following.value).toEqual(decodeProtobufRequest(next));
  });

  describe('cancellation', () => {
    it('rejects a request cancelled before it arrived', async () => {
      const queue = oneStepPerTurn();

      await expect(queue.decode(requestWithSpans(3), AbortSignal.abort())).rejects.toBeInstanceOf(RequestCancelledError);
      expect(queue.length).toBe(0);
    });

    it('drops a waiting request when cancelled', async () => {
      const queue = oneStepPerTurn();
      const client = new AbortController();
      const first = track(queue.decode(requestWithSpans(3 * SPANS_PER_STEP, 'first')));
      const cancelled = track(queue.decode(requestWithSpans(3 * SPANS_PER_STEP, 'cancelled'), client.signal));

      client.abort();
      await vi.runAllTimersAsync();

      expect((await first.value).spans).toHaveLength(3 * SPANS_PER_STEP);
      await expect(cancelled.value).rejects.toBeInstanceOf(RequestCancelledError);
      expect(queue.length).toBe(0);
    });

    it('stops decoding a request cancelled midway', async () => {
      const queue = oneStepPerTurn();
      const client = new AbortController();
      const cancelled = track(queue.decode(requestWithSpans(4 * SPANS_PER_STEP), client.signal));
      const next = requestWithSpans(2 * SPANS_PER_STEP, 'next');
      const following = track(queue.decode(next));

      await runTurn();
      client.abort();
      await runTurn();

      expect(cancelled.settled()).toBe(true);
      await expect(cancelled.value).rejects.toBeInstanceOf(RequestCancelledError);
      expect(following.settled()).toBe(false);
      await vi.runAllTimersAsync();
      expect(await following.value).toEqual(decodeProtobufRequest(next));
    });
  });
});
