import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../src/store/audit-store.js';
import { IncidentWatcher } from '../../../instrumentation/demo/incident-watcher.js';
import { StatusClient, type IncidentView } from '../../../instrumentation/demo/status-client.js';
import { Timeline } from '../../../instrumentation/demo/timeline.js';

const SINCE_MS = 1_000_000;

/** A status API on 127.0.0.1 that serves whatever the test puts in `incidents` and `histories`. */
class FakeStatusApi {
  incidents: IncidentView[] = [];
  histories = new Map<string, AuditRecord[]>();
  private readonly server: Server;

  private constructor() {
    this.server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://status').pathname;
      const detail = /^\/api\/v1\/incidents\/(.+)$/.exec(path);
      let body: unknown = { error: `no route for ${path}` };
      let statusCode = 404;
      if (path === '/api/v1/incidents') [statusCode, body] = [200, { incidents: this.incidents, nextCursor: null }];
      const incident = this.incidents.find((candidate) => candidate.id === detail?.[1]);
      if (incident !== undefined) [statusCode, body] = [200, { incident, recoveryHistory: this.histories.get(incident.id) ?? [] }];
      response.writeHead(statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  }

  static async start(): Promise<FakeStatusApi> {
    const api = new FakeStatusApi();
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function incident(id: string, state: IncidentView['state'], openedAtMs: number, resolvedAtMs?: number): IncidentView {
  return {
    id,
    key: 'NeuroWeaver/neuroweaver/model_failure',
    state,
    rootCause: { service: 'neuroweaver', system: 'NeuroWeaver', errorKind: 'model_failure', operations: ['Predict'] },
    fingerprints: ['f1'],
    propagationPath: [
      { service: 'automatrix', system: 'AutoMatrix' },
      { service: 'neuroweaver', system: 'NeuroWeaver' },
    ],
    openedAtMs,
    lastSeenAtMs: openedAtMs,
    resolvedAtMs,
    failingTraces: 3,
    errorRatio: 0.4,
    sampleTraceIds: [],
  };
}

function audit(id: number, event: AuditRecord['event'], outcome: string, atMs: number, action: string | null = null): AuditRecord {
  return {
    id,
    event,
    incidentId: 'inc-1',
    outcome,
    policy: 'neuroweaver_model',
    stepIndex: event === 'decision' && outcome === 'recovery_started' ? null : 0,
    target: action === null ? null : 'neuroweaver',
    endpoint: null,
    action,
    parametersJson: null,
    idempotencyKey: null,
    attempt: action === null ? null : 1,
    grpcCode: null,
    latencyMs: action === null ? null : 12,
    message: `${outcome} message`,
    atMs,
  };
}

let api: FakeStatusApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function startWatcher(): Promise<{ watcher: IncidentWatcher; timeline: Timeline; lines: string[] }> {
  api = await FakeStatusApi.start();
  const lines: string[] = [];
  const timeline = new Timeline(SINCE_MS, (line) => lines.push(line));
  return { watcher: new IncidentWatcher(new StatusClient(api.url), timeline, { pollIntervalMs: 1_000, sinceMs: SINCE_MS }), timeline, lines };
}

describe('IncidentWatcher', () => {
  it('records an incident and its recovery in time order', async () => {
    const { watcher, timeline } = await startWatcher();
    const fake = api as FakeStatusApi;
    fake.incidents = [incident('inc-1', 'mitigating', SINCE_MS + 1_000)];
    fake.histories.set('inc-1', [audit(2, 'call_finished', 'applied', SINCE_MS + 1_200, 'switch_model'), audit(1, 'decision', 'recovery_started', SINCE_MS + 1_100)]);

    await watcher.poll();

    expect(timeline.entries.map((entry) => entry.event.type)).toEqual(['incident_opened', 'recovery_decision', 'action_taken', 'incident_state_changed']);
    expect(timeline.entries.slice(0, 3).map((entry) => entry.atMs)).toEqual([SINCE_MS + 1_000, SINCE_MS + 1_100, SINCE_MS + 1_200]);
  });

  it('records each audit record once across polls', async () => {
    const { watcher, timeline } = await startWatcher();
    const fake = api as FakeStatusApi;
    fake.incidents = [incident('inc-1', 'open', SINCE_MS + 1_000)];
    fake.histories.set('inc-1', [audit(1, 'decision', 'recovery_started', SINCE_MS + 1_100)]);
    await watcher.poll();

    fake.incidents = [incident('inc-1', 'resolved', SINCE_MS + 1_000, SINCE_MS + 5_000)];
    fake.histories.set('inc-1', [audit(1, 'decision', 'recovery_started', SINCE_MS + 1_100), audit(2, 'decision', 'recovered', SINCE_MS + 5_000)]);
    await watcher.poll();
    await watcher.poll();

    expect(timeline.entries.map((entry) => entry.event.type)).toEqual(['incident_opened', 'recovery_decision', 'incident_resolved', 'recovery_decision']);
    expect(watcher.get('inc-1')?.history.map((record) => record.outcome)).toEqual(['recovery_started', 'recovered']);
  });

  it('applies stream events once', async () => {
    const { watcher, timeline } = await startWatcher();
    const opened = incident('inc-1', 'open', SINCE_MS + 1_000);
    const started = audit(1, 'decision', 'recovery_started', SINCE_MS + 1_100);

    watcher.applyEvent({ event: 'incident', data: JSON.stringify({ type: 'opened', incident: opened }) });
    watcher.applyEvent({ event: 'recovery', data: JSON.stringify(started) });
    (api as FakeStatusApi).incidents = [opened];
    (api as FakeStatusApi).histories.set('inc-1', [started]);
    await watcher.poll();

    expect(timeline.entries.map((entry) => entry.event.type)).toEqual(['incident_opened', 'recovery_decision']);
    expect(watcher.get('inc-1')?.history.map((record) => record.id)).toEqual([1]);
  });

  it('keeps the error of a malformed event', async () => {
    const { watcher, timeline } = await startWatcher();

    watcher.applyEvent({ event: 'incident', data: '{not json' });

    expect(watcher.lastError).toMatch(/^event incident not applied: /);
    expect(timeline.entries).toEqual([]);
  });

  it('ignores incidents resolved before the watch began', async () => {
    const { watcher, timeline } = await startWatcher();
    (api as FakeStatusApi).incidents = [incident('inc-old', 'resolved', SINCE_MS - 60_000, SINCE_MS - 1_000)];

    await watcher.poll();

    expect(watcher.incidents()).toEqual([]);
    expect(timeline.entries).toEqual([]);
  });

  it('keeps the last error when the API is down', async () => {
    const { watcher } = await startWatcher();
    await api?.close();
    api = undefined;

    await watcher.poll();

    expect(watcher.lastError).toMatch(/GET \/api\/v1\/incidents\?limit=500 at http:\/\/127\.0\.0\.1:\d+ failed/);
  });
});
