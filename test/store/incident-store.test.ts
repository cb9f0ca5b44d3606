import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/correlation/incident.js';
import { IncidentStore } from '../../src/store/incident-store.js';

function incident(id: string, state: Incident['state']): Incident {
  return {
    id,
    key: 'NeuroWeaver/model/model_failure',
    state,
    rootCause: { service: 'model', system: 'NeuroWeaver', errorKind: 'model_failure', operations: ['Predict'] },
    fingerprints: ['0123456789abcdef'],
    propagationPath: [{ service: 'router', system: 'RelayCore' }, { service: 'model', system: 'NeuroWeaver' }],
    openedAtMs: 1000,
    lastSeenAtMs: 2000,
    resolvedAtMs: state === 'resolved' ? 3000 : undefined,
    failingTraces: 7,
    errorRatio: 0.4,
    sampleTraceIds: ['5b8efff798038103d269b633813fc60c'],
  };
}

describe('IncidentStore', () => {
  const stores: IncidentStore[] = [];
  const open = (path: string): IncidentStore => {
    const store = new IncidentStore(path, pino({ level: 'silent' }));
    stores.push(store);
    return store;
  };

  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
  });

  it('returns unresolved incidents after a reopen', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'faultline-incidents-')), 'state.db');
    const first = open(path);
    first.incidentChanged({ type: 'opened', incident: incident('inc-1', 'open') });
    first.incidentChanged({ type: 'opened', incident: incident('inc-2', 'open') });
    first.incidentChanged({ type: 'state_changed', incident: incident('inc-1', 'mitigating'), from: 'open' });
    first.incidentChanged({ type: 'resolved', incident: incident('inc-2', 'resolved'), reason: 'quiet' });
    first.close();

    const restored = open(path).unresolved();

    // JSON drops the undefined `resolvedAtMs`, which toEqual treats as equal.
    expect(restored).toEqual([incident('inc-1', 'mitigating')]);
  });

  it('skips a row that is not valid JSON', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'faultline-incidents-')), 'state.db');
    const store = open(path);
    store.save(incident('inc-1', 'open'));
    const raw = new Database(path);
    raw.prepare(`INSERT INTO incidents (id, state, incident_json, updated_at_ms) VALUES ('inc-bad', 'open', '{', 0)`).run();
    raw.close();

    expect(store.unresolved().map((item) => item.id)).toEqual(['inc-1']);
  });

  it('ignores changes after close', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'faultline-incidents-')), 'state.db');
    const store = open(path);
    store.close();

    expect(() => store.incidentChanged({ type: 'opened', incident: incident('inc-1', 'open') })).not.toThrow();
    expect(open(path).unresolved()).toEqual([]);
  });
});
