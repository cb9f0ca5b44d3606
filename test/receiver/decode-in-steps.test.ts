import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SliceScheduler } from '../../src/common/slice-scheduler.js';
import { SPANS_PER_STEP, decodeInSteps } from '../../src/receiver/decode-in-steps.js';
import { decodeProtobufRequest } from '../../src/receiver/otlp-protobuf-decoder.js';
import { MalformedRequestError } from '../../src/receiver/receiver-errors.js';
import { encodeProtobufRequest } from '../support/otlp-test-requests.js';

/** Encodes a request with `count` spans of one trace, named `${prefix}-0`, `${prefix}-1`, and so on. */
function requestWithSpans(count: number, prefix = 'op', service = 'checkout'): Buffer {
  const traceId = Buffer.alloc(16, 7);
  const spans = Array.from({ length: count }, (_, index) => {
    const spanId = Buffer.alloc(8);
    spanId.writeUInt32BE(index + 1, 4);
    return { traceId, spanId, name: `${prefix}-${index}`, attributes: [{ key: 'step', value: { intValue: index } }] };
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
  return { settled: () => settled, value };
}

/** Lets the promise callbacks queued by the last turn run. */
async function flushPromises(): Promise<void> {
  for (let index = 0; index < 5; index += 1) await Promise.resolve();
}

describe('decodeInSteps', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('decodes a small request at once, without a turn', async () => {
    const scheduler = new SliceScheduler();
    const bytes = requestWithSpans(SPANS_PER_STEP);

    const decoded = await decodeInSteps(scheduler, bytes);

    expect(decoded).toEqual(decodeProtobufRequest(bytes));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('decodes a large request over turns', async () => {
    // A zero budget runs one step per turn.
    const scheduler = new SliceScheduler({ turnBudgetMs: 0 });
    const bytes = requestWithSpans(5 * SPANS_PER_STEP);

    const decoding = track(decodeInSteps(scheduler, bytes));
    const turns: boolean[] = [];
    for (let turn = 0; turn < 5; turn += 1) {
      vi.advanceTimersToNextTimer();
      await flushPromises();
      turns.push(decoding.settled());
    }

    expect(turns).toEqual([false, false, false, false, true]);
    const decoded = await decoding.value;
    expect(decoded).toEqual(decodeProtobufRequest(bytes));
    expect(decoded.spans.map((span) => span.name).slice(0, 3)).toEqual(['op-0', 'op-1', 'op-2']);
  });

  it('keeps two requests decoded in the same turns apart', async () => {
    const scheduler = new SliceScheduler({ turnBudgetMs: 0 });
    const first = requestWithSpans(3 * SPANS_PER_STEP, 'first', 'alpha');
    const second = requestWithSpans(2 * SPANS_PER_STEP + 1, 'second', 'beta');

    const decodings = Promise.all([decodeInSteps(scheduler, first), decodeInSteps(scheduler, second)]);
    await vi.runAllTimersAsync();
    const [one, two] = await decodings;

    expect(one).toEqual(decodeProtobufRequest(first));
    expect(two).toEqual(decodeProtobufRequest(second));
    expect(new Set(two.spans.map((span) => span.resource.service))).toEqual(new Set(['beta']));
  });

  it('rejects bytes that are not a request at once', async () => {
    const scheduler = new SliceScheduler();

    await expect(decodeInSteps(scheduler, Buffer.from([0x0a, 0xff]))).rejects.toThrow(MalformedRequestError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a request whose span fails to decode after earlier steps', async () => {
    const scheduler = new SliceScheduler({ turnBudgetMs: 0 });
    const bytes = requestWithSpans(3 * SPANS_PER_STEP);
    // Turn the last span's first field (its trace id, wire type 2) into wire type 7, which does not exist.
    const lastSpanTraceId = bytes.lastIndexOf(Buffer.from([0x0a, 0x10, 7, 7]));
    bytes[lastSpanTraceId] = 0x0f;

    const decoding = decodeInSteps(scheduler, bytes);
    const rejected = expect(decoding).rejects.toThrow(/invalid protobuf request/);
    await vi.runAllTimersAsync();

    await rejected;
    await expect(decoding).rejects.toBeInstanceOf(MalformedRequestError);
    expect(scheduler.pendingTasks).toBe(0);
  });
});
