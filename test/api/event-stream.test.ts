import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KEEPALIVE_INTERVAL_MS } from '../../src/api/event-stream.js';
import { StatusServer } from '../../src/api/status-server.js';
import type { AuditRecord } from '../../src/store/audit-store.js';
import { StubStatusSource } from './stub-status-source.js';

const RECORD: AuditRecord = {
  id: 7,
  event: 'decision',
  incidentId: 'inc-1-1',
  outcome: 'recovery_started',
  policy: 'p',
  stepIndex: null,
  target: null,
  endpoint: null,
  action: null,
  parametersJson: null,
  idempotencyKey: null,
  attempt: null,
  grpcCode: null,
  latencyMs: null,
  message: 'started',
  atMs: 1,
};

/** Reads the stream until its text contains `expected`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, expected: string): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(expected)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before ${JSON.stringify(expected)}; got ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

describe('EventStreamHub', () => {
  const source = new StubStatusSource();
  let server: StatusServer;
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  const abort = new AbortController();

  beforeAll(async () => {
    // Only the keepalive interval is faked; sockets and their timeouts stay real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    server = new StatusServer({ endpoint: '127.0.0.1:0' }, source, pino({ level: 'silent' }));
    await server.start();
    const response = await fetch(`http://${server.address()}/api/v1/events`, { signal: abort.signal });
    const body = response.body;
    if (body === null) throw new Error('the event stream has no body');
    reader = body.getReader();
    await readUntil(reader, ': connected');
  });

  afterAll(async () => {
    abort.abort();
    await server.shutdown();
    vi.useRealTimers();
  });

  it('sends a recovery event per audit record', async () => {
    for (const listener of source.listeners) listener({ kind: 'recovery', record: RECORD });

    const text = await readUntil(reader, '\n\n');

    expect(text).toBe(`event: recovery\ndata: ${JSON.stringify(RECORD)}\n\n`);
  });

  it('sends a keepalive comment every interval', async () => {
    vi.advanceTimersByTime(KEEPALIVE_INTERVAL_MS);

    expect(await readUntil(reader, '\n\n')).toBe(': keepalive\n\n');
  });
});
