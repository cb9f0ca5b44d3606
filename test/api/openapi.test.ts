import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT } from '../../src/api/openapi.js';
import type { MetricsEndpoint } from '../../src/api/status-source.js';
import { StatusServer } from '../../src/api/status-server.js';
import { StubStatusSource } from './stub-status-source.js';

const metrics: MetricsEndpoint = {
  contentType: 'text/plain; version=0.0.4; charset=utf-8',
  render: () => Promise.resolve(''),
  observeRequest: () => undefined,
};

/** Fills an OpenAPI path template with sample values. */
function samplePath(template: string): string {
  return template.replace('{id}', 'inc-1-1').replace('{traceId}', '0af7651916cd43dd8448eb211c80319c').replace('{path}', 'app.js');
}

const documented = Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));

describe('OpenAPI document', () => {
  const server = new StatusServer({ endpoint: '127.0.0.1:0' }, new StubStatusSource(), pino({ level: 'silent' }), { metrics });
  let base = '';

  beforeAll(async () => {
    await server.start();
    base = `http://${server.address()}`;
  });

  afterAll(async () => {
    await server.shutdown();
  });

  it('lists exactly the served routes', () => {
    const served = server.routes().map((route) => `${route.method} ${route.pattern}`);

    expect([...documented].sort()).toEqual([...served].sort());
  });

  it.each(documented)('serves %s', async (operation) => {
    const [method = '', path = ''] = operation.split(' ');
    const controller = new AbortController();

    const response = await fetch(base + samplePath(path), { method, signal: controller.signal });
    const text = response.headers.get('content-type')?.startsWith('application/json') === true ? await response.text() : '';
    controller.abort();

    expect(response.status).not.toBe(405);
    expect(text).not.toMatch(/no route for/);
  });

  it('is served as JSON', async () => {
    const response = await fetch(`${base}/api/v1/openapi.json`);
    const body = (await response.json()) as { openapi: string; paths: Record<string, unknown> };

    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(Object.keys(OPENAPI_DOCUMENT.paths));
  });
});
