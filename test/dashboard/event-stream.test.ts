import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../dashboard/src/api/api-client.js';
import { EventStream, INITIAL_RECONNECT_DELAY_MS, MAX_RECONNECT_DELAY_MS, type StreamState } from '../../dashboard/src/api/event-stream.js';
import type { ServerSentEvent } from '../../dashboard/src/api/sse-parser.js';

/** One scripted reply to `GET /api/v1/events`. */
type Reply = { kind: 'stream'; text: string } | { kind: 'status'; status: number } | { kind: 'network_error' };

function respond(reply: Reply): Promise<Response> {
  switch (reply.kind) {
    case 'stream':
      return Promise.resolve(new Response(reply.text, { status: 200, headers: { 'content-type': 'text/event-stream' } }));
    case 'status':
      return Promise.resolve(new Response(JSON.stringify({ error: 'scripted' }), { status: reply.status }));
    case 'network_error':
      return Promise.reject(new TypeError('fetch failed'));
  }
}

interface Recorded {
  states: StreamState[];
  events: ServerSentEvent[];
  opens: number;
  requestTimesMs: number[];
  headers: (string | null)[];
}

function startStream(replies: Reply[], token?: string): { stream: EventStream; recorded: Recorded } {
  const recorded: Recorded = { states: [], events: [], opens: 0, requestTimesMs: [], headers: [] };
  vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
    recorded.requestTimesMs.push(Date.now());
    recorded.headers.push(new Headers(init.headers).get('authorization'));
    return respond(replies.shift() ?? { kind: 'network_error' });
  });
  const stream = new EventStream(new ApiClient(token, 'http://faultline.invalid'), {
    onOpen: () => {
      recorded.opens += 1;
    },
    onEvent: (event) => recorded.events.push(event),
    onStateChange: (state) => recorded.states.push(state),
  });
  return { stream, recorded };
}

describe('EventStream', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    // No jitter: each wait is the full backoff delay.
    vi.spyOn(Math, 'random').mockReturnValue(1);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('reconnects after the stream ends', async () => {
    const { stream, recorded } = startStream([
      { kind: 'stream', text: 'event: incident\ndata: {"type":"opened"}\n\n: keepalive\n\n' },
      { kind: 'stream', text: '' },
    ]);

    await vi.advanceTimersByTimeAsync(0);
    expect(recorded.events).toEqual([{ event: 'incident', data: '{"type":"opened"}', id: '' }]);
    expect(recorded.states).toEqual(['connecting', 'live', 'waiting']);

    await vi.advanceTimersByTimeAsync(INITIAL_RECONNECT_DELAY_MS);
    expect(recorded.requestTimesMs).toEqual([0, INITIAL_RECONNECT_DELAY_MS]);
    expect(recorded.opens).toBe(2);
    stream.close();
  });

  it('doubles the delay after each failure up to the maximum', async () => {
    const { stream, recorded } = startStream([]);

    await vi.advanceTimersByTimeAsync(120_000);

    const delays = recorded.requestTimesMs.slice(1).map((atMs, index) => atMs - (recorded.requestTimesMs[index] ?? 0));
    expect(delays.slice(0, 6)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    expect(Math.max(...delays)).toBe(MAX_RECONNECT_DELAY_MS);
    expect(recorded.opens).toBe(0);
    stream.close();
  });

  it('resets the delay once a stream opens', async () => {
    const { stream, recorded } = startStream([{ kind: 'network_error' }, { kind: 'network_error' }, { kind: 'stream', text: '' }]);

    await vi.advanceTimersByTimeAsync(3_000 + INITIAL_RECONNECT_DELAY_MS);

    expect(recorded.requestTimesMs).toEqual([0, 1_000, 3_000, 3_000 + INITIAL_RECONNECT_DELAY_MS]);
    stream.close();
  });

  it('stops reconnecting when the token is rejected', async () => {
    const { stream, recorded } = startStream([{ kind: 'status', status: 401 }]);

    await vi.advanceTimersByTimeAsync(60_000);

    expect(recorded.states).toEqual(['connecting', 'unauthorized']);
    expect(recorded.requestTimesMs).toHaveLength(1);
    stream.close();
  });

  it('sends the bearer token', async () => {
    const { stream, recorded } = startStream([{ kind: 'stream', text: '' }], 'token-1');

    await vi.advanceTimersByTimeAsync(0);

    expect(recorded.headers[0]).toBe('Bearer token-1');
    stream.close();
  });

  it('makes no request after close', async () => {
    const { stream, recorded } = startStream([{ kind: 'network_error' }]);
    await vi.advanceTimersByTimeAsync(0);

    stream.close();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(recorded.requestTimesMs).toEqual([0]);
  });
});
