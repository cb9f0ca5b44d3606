import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../dashboard/src/api/api-client.js';
import type { AuditRecord, IncidentView } from '../../dashboard/src/api/wire-types.js';
import { LiveIncidents } from '../../dashboard/src/state/live-incidents.js';

function incident(id: string, fields: Partial<IncidentView> = {}): IncidentView {
  return {
    id,
    key: 'NeuroWeaver|model|internal',
    state: 'open',
    rootCause: { service: 'model', system: 'NeuroWeaver', errorKind: 'internal', operations: [] },
    fingerprints: [],
    propagationPath: [],
    openedAtMs: 1_000,
    lastSeenAtMs: 1_000,
    failingTraces: 3,
    errorRatio: 0.5,
    sampleTraceIds: [],
    acknowledged: null,
    recovery: null,
    ...fields,
  };
}

function incidentEvent(type: string, view: IncidentView): { event: string; data: string; id: string } {
  return { event: 'incident', data: JSON.stringify({ type, incident: view }), id: '' };
}

/** Serves `GET /api/v1/incidents` from `list` and `GET /api/v1/incidents/{id}` from `detail`, each when released. */
class FakeServer {
  list: IncidentView[] = [];
  detail: IncidentView | undefined;
  status = 200;
  readonly paths: string[] = [];
  private readonly waiting: (() => void)[] = [];
  holdResponses = false;

  install(): void {
    vi.stubGlobal('fetch', async (url: string) => {
      this.paths.push(url);
      if (this.holdResponses) await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (this.status !== 200) return new Response('{"error":"bad token"}', { status: this.status });
      const body = url.startsWith('/api/v1/incidents?') ? { incidents: this.list, nextCursor: null } : { incident: this.detail };
      return new Response(JSON.stringify(body), { status: 200 });
    });
  }

  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

function createStore(server: FakeServer): { store: LiveIncidents; announcements: string[]; unauthorized: { count: number } } {
  server.install();
  const announcements: string[] = [];
  const unauthorized = { count: 0 };
  const store = new LiveIncidents(
    new ApiClient(undefined),
    () => {
      unauthorized.count += 1;
    },
    (message) => announcements.push(message),
  );
  return { store, announcements, unauthorized };
}

describe('LiveIncidents', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('lists fetched incidents newest first', async () => {
    const server = new FakeServer();
    server.list = [incident('old', { openedAtMs: 1 }), incident('new', { openedAtMs: 2 })];
    const { store } = createStore(server);

    await store.refresh();

    expect(store.list().map((item) => item.id)).toEqual(['new', 'old']);
    expect(store.loaded).toBe(true);
  });

  it('adds an opened incident and announces it', () => {
    const { store, announcements } = createStore(new FakeServer());
    const listener = vi.fn();
    store.subscribe(listener);

    store.handleEvent(incidentEvent('opened', incident('inc-1')));

    expect(store.get('inc-1')?.state).toBe('open');
    expect(announcements).toEqual(['New incident: internal in model (NeuroWeaver)']);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('replaces an incident on update without announcing', () => {
    const { store, announcements } = createStore(new FakeServer());
    store.handleEvent(incidentEvent('opened', incident('inc-1')));

    store.handleEvent(incidentEvent('state_changed', incident('inc-1', { state: 'mitigating' })));

    expect(store.get('inc-1')?.state).toBe('mitigating');
    expect(announcements).toHaveLength(1);
  });

  it.each([
    ['data that is not JSON', { event: 'incident', data: '{', id: '' }],
    ['an event without an incident', { event: 'incident', data: '{"type":"opened"}', id: '' }],
    ['an unknown event', { event: 'other', data: '{}', id: '' }],
  ])('ignores %s', (_name, event) => {
    const { store } = createStore(new FakeServer());

    store.handleEvent(event);

    expect(store.list()).toEqual([]);
  });

  it('keeps event changes made while a refresh was open', async () => {
    const server = new FakeServer();
    server.list = [incident('inc-1', { state: 'open' })];
    server.holdResponses = true;
    const { store } = createStore(server);

    const refreshing = store.refresh();
    store.handleEvent(incidentEvent('state_changed', incident('inc-1', { state: 'escalated' })));
    server.release();
    await refreshing;

    expect(store.get('inc-1')?.state).toBe('escalated');
  });

  it('calls back on 401', async () => {
    const server = new FakeServer();
    server.status = 401;
    const { store, unauthorized } = createStore(server);

    await store.refresh();

    expect(unauthorized.count).toBe(1);
  });

  it('keeps the error of a failed refresh', async () => {
    const server = new FakeServer();
    server.status = 500;
    const { store } = createStore(server);

    await store.refresh();

    expect(store.loadError).toMatch(/HTTP 500/);
  });

  it('re-reads an incident once per record burst', async () => {
    vi.useFakeTimers();
    const server = new FakeServer();
    server.detail = incident('inc-1', { recovery: { state: 'done', currentStep: null } });
    const { store } = createStore(server);
    const records: AuditRecord[] = [];
    store.subscribeRecords((record) => records.push(record));
    const record = { id: 1, event: 'decision', incidentId: 'inc-1', outcome: 'escalated', atMs: 5 };

    store.handleEvent({ event: 'recovery', data: JSON.stringify(record), id: '' });
    store.handleEvent({ event: 'recovery', data: JSON.stringify({ ...record, id: 2 }), id: '' });
    await vi.advanceTimersByTimeAsync(1_000);

    expect(records.map((received) => received.id)).toEqual([1, 2]);
    expect(server.paths).toEqual(['/api/v1/incidents/inc-1']);
    expect(store.get('inc-1')?.recovery?.state).toBe('done');
    store.close();
  });
});
