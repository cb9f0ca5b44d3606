import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentFilter, StatusSource } from '../../src/api/status-source.js';
import { StatusServer } from '../../src/api/status-server.js';
import type { Incident } from '../../src/correlation/incident.js';
import type { Verdict } from '../../src/correlation/verdict.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

function incident(id: string, service: string): Incident {
  return {
    id,
    key: `sys|${service}|internal`,
    state: 'open',
    rootCause: { service, system: 'sys', errorKind: 'internal', operations: ['op'] },
    fingerprints: ['abc'],
    propagationPath: [{ service, system: 'sys' }],
    openedAtMs: 1,
    lastSeenAtMs: 2,
    resolvedAtMs: undefined,
    failingTraces: 5,
    errorRatio: 0.5,
    sampleTraceIds: [TRACE_ID],
  };
}

class RecordingSource implements StatusSource {
  readonly filters: IncidentFilter[] = [];

  status(): Record<string, unknown> {
    return { receiver: { acceptedSpans: 10n } };
  }

  incidents(filter: IncidentFilter): Incident[] {
    this.filters.push(filter);
    return [incident('inc-1', 'model')];
  }

  serviceGraph(): unknown {
    return { nodes: [{ service: 'model' }], edges: [], droppedEntries: 0 };
  }

  verdict(traceId: string): Verdict | undefined {
    if (traceId !== TRACE_ID) return undefined;
    return { traceId, outcome: 'healthy' } as Verdict;
  }
}

describe('StatusServer', () => {
  const source = new RecordingSource();
  const server = new StatusServer({ endpoint: '127.0.0.1:0' }, source, pino({ level: 'silent' }));
  let base = '';

  beforeAll(async () => {
    await server.start();
    base = `http://${server.address()}`;
  });

  afterAll(async () => {
    await server.shutdown();
  });

  it.each([
    ['status', '/api/v1/status', 200, { receiver: { acceptedSpans: '10' } }],
    ['trace verdict', `/api/v1/traces/${TRACE_ID}`, 200, { traceId: TRACE_ID, outcome: 'healthy' }],
    ['trace verdict by upper-case id', `/api/v1/traces/${TRACE_ID.toUpperCase()}`, 200, { traceId: TRACE_ID, outcome: 'healthy' }],
    ['service graph', '/api/v1/service-graph', 200, { nodes: [{ service: 'model' }], edges: [], droppedEntries: 0 }],
    ['unknown trace', `/api/v1/traces/${'1'.repeat(32)}`, 404, { error: expect.stringMatching(/no verdict for trace/) as unknown }],
    ['malformed trace id', '/api/v1/traces/xyz', 400, { error: expect.stringMatching(/32 hex characters, got "xyz"/) as unknown }],
    ['bad state filter', '/api/v1/incidents?state=closed', 400, { error: expect.stringMatching(/state must be one of/) as unknown }],
    ['unknown filter', '/api/v1/incidents?color=red', 400, { error: expect.stringMatching(/unknown query parameter "color"/) as unknown }],
    ['unknown route', '/api/v2/status', 404, { error: expect.stringMatching(/no route for \/api\/v2\/status/) as unknown }],
  ])('answers %s', async (_name, path, status, body) => {
    const response = await fetch(base + path);

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(body);
  });

  it('passes incident filters to the source', async () => {
    const response = await fetch(`${base}/api/v1/incidents?state=open&system=NeuroWeaver&service=model`);
    const body = (await response.json()) as { incidents: Incident[] };

    expect(response.status).toBe(200);
    expect(body.incidents.map((item) => item.id)).toEqual(['inc-1']);
    expect(source.filters.at(-1)).toEqual({ state: 'open', system: 'NeuroWeaver', service: 'model' });
  });

  it('rejects writes with 405', async () => {
    const response = await fetch(`${base}/api/v1/incidents`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(405);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/read-only/) as unknown });
  });

  it('shuts down idempotently', async () => {
    const other = new StatusServer({ endpoint: '127.0.0.1:0' }, source, pino({ level: 'silent' }));
    await other.start();
    const address = other.address();
    expect((await fetch(`http://${address}/api/v1/status`)).status).toBe(200);

    await Promise.all([other.shutdown(), other.shutdown()]);

    await expect(fetch(`http://${address}/api/v1/status`)).rejects.toThrow();
  });
});
