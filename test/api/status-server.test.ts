import { connect } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsEndpoint } from '../../src/api/status-source.js';
import { StatusServer } from '../../src/api/status-server.js';
import { sendHttp } from '../support/otlp-test-requests.js';
import { KNOWN_TRACE_ID, StubStatusSource } from './stub-status-source.js';

class RecordingMetrics implements MetricsEndpoint {
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  readonly requests: { route: string; method: string; statusCode: number }[] = [];

  render(): Promise<string> {
    return Promise.resolve('faultline_up 1\n');
  }

  observeRequest(route: string, method: string, statusCode: number, durationSeconds: number): void {
    if (durationSeconds >= 0) this.requests.push({ route, method, statusCode });
  }
}

describe('StatusServer', () => {
  const source = new StubStatusSource();
  const metrics = new RecordingMetrics();
  const server = new StatusServer({ endpoint: '127.0.0.1:0' }, source, pino({ level: 'silent' }), { metrics });
  let base = '';

  beforeAll(async () => {
    await server.start();
    base = `http://${server.address()}`;
  });

  afterAll(async () => {
    await server.shutdown();
  });

  it.each([
    ['status with bigint counters', 'GET', '/api/v1/status', 200, { receiver: { acceptedSpans: '10' } }],
    ['trace verdict by upper-case id', 'GET', `/api/v1/traces/${KNOWN_TRACE_ID.toUpperCase()}`, 200, { traceId: KNOWN_TRACE_ID, outcome: 'healthy' }],
    ['empty service graph', 'GET', '/api/v1/service-graph', 200, { nodes: [], edges: [], droppedEntries: 0 }],
    ['ui-config without auth', 'GET', '/api/v1/ui-config', 200, { authRequired: false, traceUrlTemplate: null }],
    ['unknown trace', 'GET', `/api/v1/traces/${'1'.repeat(32)}`, 404, { error: expect.stringMatching(/no verdict for trace/) as unknown }],
    ['malformed trace id', 'GET', '/api/v1/traces/xyz', 400, { error: expect.stringMatching(/32 hex characters, got "xyz"/) as unknown }],
    ['bad state filter', 'GET', '/api/v1/incidents?state=closed', 400, { error: expect.stringMatching(/state must be one of/) as unknown }],
    ['unknown incident filter', 'GET', '/api/v1/incidents?color=red', 400, { error: expect.stringMatching(/unknown query parameter "color"; use state, system/) as unknown }],
    ['repeated query parameter', 'GET', '/api/v1/incidents?limit=1&limit=3', 400, { error: expect.stringMatching(/query parameter "limit" is given more than once/) as unknown }],
    ['query on a route without any', 'GET', '/api/v1/status?verbose=1', 400, { error: expect.stringMatching(/takes no query parameters/) as unknown }],
    ['limit of zero', 'GET', '/api/v1/incidents?limit=0', 400, { error: expect.stringMatching(/limit must be an integer from 1 to 500, got "0"/) as unknown }],
    ['limit above 500', 'GET', '/api/v1/incidents?limit=501', 400, { error: expect.stringMatching(/limit must be/) as unknown }],
    ['since that is not a number', 'GET', '/api/v1/incidents?since=yesterday', 400, { error: expect.stringMatching(/since must be a time in Unix milliseconds/) as unknown }],
    ['forged cursor', 'GET', '/api/v1/incidents?cursor=abc', 400, { error: expect.stringMatching(/cursor "abc" is invalid/) as unknown }],
    ['unknown route', 'GET', '/api/v2/status', 404, { error: expect.stringMatching(/no route for \/api\/v2\/status/) as unknown }],
    ['bad percent-encoding', 'GET', '/api/v1/incidents/%E0%A4%A', 400, { error: expect.stringMatching(/not valid percent-encoding/) as unknown }],
    ['recover of an unknown incident', 'POST', '/api/v1/incidents/inc-1-1/recover', 404, { error: expect.stringMatching(/incident inc-1-1 not found/) as unknown }],
  ])('answers %s', async (_name, method, path, status, body) => {
    const response = await fetch(base + path, { method });

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(body);
  });

  it.each([
    ['POST on a read route', 'POST', '/api/v1/status', 'GET, HEAD'],
    ['DELETE on an incident', 'DELETE', '/api/v1/incidents/inc-1', 'GET, HEAD'],
    ['GET on an action', 'GET', '/api/v1/incidents/inc-1/recover', 'POST'],
  ])('rejects %s with 405 and Allow', async (_name, method, path, allow) => {
    const response = await fetch(base + path, { method });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(((await response.json()) as { error: string }).error).toMatch(new RegExp(`method ${method} is not allowed`));
  });

  it.each([
    ['/healthz', 'application/json; charset=utf-8'],
    ['/api/v1/events', 'text/event-stream; charset=utf-8'],
  ])('answers HEAD on %s without a body', async (path, contentType) => {
    const response = await sendHttp(base + path, { method: 'HEAD' });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(contentType);
    expect(response.body.length).toBe(0);
  });

  it.each([
    ['a body that is too large', { 'content-type': 'application/json' }, `{"by":"${'x'.repeat(20_000)}"}`, 413],
    ['a body that is not JSON', { 'content-type': 'text/plain' }, 'by=alice', 415],
  ])('rejects %s', async (_name, headers, body, status) => {
    const response = await sendHttp(`${base}/api/v1/incidents/inc-1/acknowledge`, { headers, body });

    expect(response.status).toBe(status);
  });

  it('answers 503 on readyz until ready', async () => {
    source.ready = false;
    const starting = await fetch(`${base}/readyz`);
    source.ready = true;
    const ready = await fetch(`${base}/readyz`);

    expect(starting.status).toBe(503);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves metrics and records route patterns', async () => {
    const response = await fetch(`${base}/metrics`);
    await fetch(`${base}/api/v1/incidents/inc-42`);
    await fetch(`${base}/nowhere`);

    expect(response.headers.get('content-type')).toBe(metrics.contentType);
    expect(await response.text()).toBe('faultline_up 1\n');
    expect(metrics.requests).toEqual(
      expect.arrayContaining([
        { route: '/metrics', method: 'GET', statusCode: 200 },
        { route: '/api/v1/incidents/{id}', method: 'GET', statusCode: 404 },
        { route: 'unmatched', method: 'GET', statusCode: 404 },
      ]),
    );
  });

  it('has no metrics route without a metrics endpoint', async () => {
    const other = new StatusServer({ endpoint: '127.0.0.1:0' }, source, pino({ level: 'silent' }));
    await other.start();

    const response = await fetch(`http://${other.address()}/metrics`);
    await other.shutdown();

    expect(response.status).toBe(404);
    expect(other.routes().some((route) => route.pattern === '/metrics')).toBe(false);
  });

  it('ends event streams and shuts down idempotently', async () => {
    const other = new StatusServer({ endpoint: '127.0.0.1:0' }, source, pino({ level: 'silent' }));
    await other.start();
    const address = other.address();
    const stream = await fetch(`http://${address}/api/v1/events`);
    const reader = stream.body?.getReader();

    await Promise.all([other.shutdown(), other.shutdown()]);
    let ended = false;
    while (reader !== undefined && !ended) ended = (await reader.read()).done;

    expect(ended).toBe(true);
    await expect(fetch(`http://${address}/api/v1/status`)).rejects.toThrow();
  });

  it('cuts a half-sent request after the shutdown grace period', async () => {
    const other = new StatusServer({ endpoint: '127.0.0.1:0' }, source, pino({ level: 'silent' }), { shutdownGraceMs: 50 });
    await other.start();
    const [host = '', port = ''] = other.address().split(':');
    const socket = connect(Number(port), host);
    await new Promise((resolve) => socket.once('connect', resolve));
    // Promises a 10,000-byte body and sends one byte of it.
    socket.write('POST /api/v1/incidents/inc-1-1/acknowledge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{');
    const closed = new Promise((resolve) => socket.once('close', resolve));

    await other.shutdown();

    await expect(closed).resolves.toBe(false);
  });
});
