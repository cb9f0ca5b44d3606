import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentView } from '../../src/api/incident-view.js';
import type { SystemStatus } from '../../src/api/system-health.js';
import { sendFailingTrace, startFaultline, waitFor, type RunningFaultline } from './api-harness.js';

interface IncidentPageBody {
  incidents: IncidentView[];
  nextCursor: string | null;
}

async function getJson<T>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as T };
}

describe('incident routes', () => {
  let faultline: RunningFaultline;
  const traceIds: Record<string, string> = {};

  beforeAll(async () => {
    faultline = await startFaultline();
    for (const service of ['model-a', 'model-b', 'model-c']) {
      traceIds[service] = await sendFailingTrace(faultline.otlpHttpUrl, 'NeuroWeaver', service);
      // Each incident opens in its own millisecond at least, so the order is certain.
      await waitFor(`incident of ${service}`, () => (faultline.service.incidents({ service }).length > 0 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });

  afterAll(async () => {
    await faultline.stop();
  });

  it('lists incidents newest first', async () => {
    const { status, body } = await getJson<IncidentPageBody>(`${faultline.baseUrl}/api/v1/incidents`);

    expect(status).toBe(200);
    expect(body.incidents.map((incident) => incident.rootCause.service)).toEqual(['model-c', 'model-b', 'model-a']);
    expect(body.nextCursor).toBeNull();
    expect(body.incidents[0]?.acknowledged).toBeNull();
    expect(body.incidents[0]?.recovery).toBeNull();
    expect(body.incidents[0]?.resolvedAtMs).toBeNull();
  });

  it('reports per-system health in status', async () => {
    const { status, body } = await getJson<{ systems: SystemStatus[] }>(`${faultline.baseUrl}/api/v1/status`);
    const [neuroWeaver] = body.systems;

    expect(status).toBe(200);
    expect(body.systems.map((system) => system.system)).toEqual(['NeuroWeaver']);
    expect(neuroWeaver?.health).toBe('failing');
    expect(neuroWeaver?.openIncidents).toBeGreaterThanOrEqual(1);
    expect(neuroWeaver?.services).toEqual(expect.arrayContaining([{ service: 'model-a', failed: 1, total: 1 }]));
  });

  it('filters by service and system', async () => {
    const byService = await getJson<IncidentPageBody>(`${faultline.baseUrl}/api/v1/incidents?service=model-b`);
    const bySystem = await getJson<IncidentPageBody>(`${faultline.baseUrl}/api/v1/incidents?system=RelayCore`);

    expect(byService.body.incidents.map((incident) => incident.rootCause.service)).toEqual(['model-b']);
    expect(bySystem.body.incidents).toEqual([]);
  });

  it('returns the detail with candidates and graph', async () => {
    const [first] = faultline.service.incidents({ service: 'model-a' });
    const { status, body } = await getJson<Record<string, unknown>>(`${faultline.baseUrl}/api/v1/incidents/${first?.id ?? ''}`);

    expect(status).toBe(200);
    expect((body['incident'] as IncidentView).sampleTraceIds).toContain(traceIds['model-a']);
    expect(body['rootCauseCandidates']).toEqual([expect.objectContaining({ service: 'model-a', system: 'NeuroWeaver' })]);
    expect(body['serviceGraph']).toEqual({ nodes: [expect.objectContaining({ service: 'model-a' })], edges: [], droppedEntries: 0 });
    expect(body['recoveryHistory']).toEqual([]);
  });

  it('returns the verdict of a trace', async () => {
    const { status, body } = await getJson<Record<string, unknown>>(`${faultline.baseUrl}/api/v1/traces/${traceIds['model-a'] ?? ''}`);

    expect(status).toBe(200);
    expect(body).toEqual(expect.objectContaining({ traceId: traceIds['model-a'], outcome: 'failed' }));
  });

  it('acknowledges with the given name once', async () => {
    const [incident] = faultline.service.incidents({ service: 'model-b' });
    const url = `${faultline.baseUrl}/api/v1/incidents/${incident?.id ?? ''}/acknowledge`;

    const first = await getJson<{ incident: IncidentView }>(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"by":"bob"}' });
    const second = await getJson<{ incident: IncidentView }>(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"by":"carol"}' });

    expect(first.status).toBe(200);
    expect(first.body.incident.acknowledged).toEqual({ by: 'bob', atMs: expect.any(Number) as unknown });
    expect(second.body.incident.acknowledged?.by).toBe('bob');
    expect(faultline.service.incident(incident?.id ?? '')?.acknowledged?.by).toBe('bob');
  });

  it('resolves an incident by hand', async () => {
    const [incident] = faultline.service.incidents({ service: 'model-c' });
    const { status, body } = await getJson<{ incident: IncidentView }>(`${faultline.baseUrl}/api/v1/incidents/${incident?.id ?? ''}/resolve`, { method: 'POST' });
    const resolved = await getJson<IncidentPageBody>(`${faultline.baseUrl}/api/v1/incidents?state=resolved`);

    expect(status).toBe(200);
    expect(body.incident.state).toBe('resolved');
    expect(body.incident.resolvedAtMs).toEqual(expect.any(Number));
    expect(resolved.body.incidents.map((item) => item.id)).toEqual([incident?.id]);
  });

  it.each([
    ['recover without recovery', 'POST', 'model-a', '/recover', undefined, 409, /recovery is not configured/],
    ['unknown incident', 'GET', undefined, '/api/v1/incidents/inc-0-0', undefined, 404, /incident inc-0-0 not found/],
    ['malformed incident id', 'GET', undefined, '/api/v1/incidents/a%20b', undefined, 400, /incident id must be/],
    ['invalid JSON body', 'POST', 'model-a', '/acknowledge', '{"by":', 400, /request body is not valid JSON/],
    ['unknown body field', 'POST', 'model-a', '/acknowledge', '{"who":"x"}', 400, /unknown field "who"/],
    ['empty by', 'POST', 'model-a', '/acknowledge', '{"by":""}', 400, /by must be a non-empty string/],
    ['acknowledge resolved', 'POST', 'model-c', '/acknowledge', undefined, 409, /is resolved/],
  ])('rejects %s', async (_name, method, service, path, body, status, message) => {
    // With a service, `path` is an action on that service's incident; without one, a full path.
    const id = service === undefined ? undefined : faultline.service.incidents({ service })[0]?.id;
    const url = id === undefined ? `${faultline.baseUrl}${path}` : `${faultline.baseUrl}/api/v1/incidents/${id}${path}`;
    const init: RequestInit = body === undefined ? { method } : { method, body, headers: { 'content-type': 'application/json' } };

    const response = await getJson<{ error: string }>(url, init);

    expect(response.status).toBe(status);
    expect(response.body.error).toMatch(message);
  });
});
