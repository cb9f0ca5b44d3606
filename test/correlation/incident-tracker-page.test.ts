import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { IncidentTracker } from '../../src/correlation/incident-tracker.js';
import type { Verdict } from '../../src/correlation/verdict.js';

function failedVerdict(index: number, service: string): Verdict {
  const candidate = { service, system: 'sys', operation: 'op', spanId: 'a'.repeat(16), errorKind: 'internal', fingerprint: `f-${service}`, confidence: 0.9, reason: 'deepest_error' as const, startedAtMs: 0 };
  return {
    traceId: index.toString(16).padStart(32, '0'),
    outcome: 'failed',
    rootCauses: [candidate, { ...candidate, service: 'caller', confidence: 0.1 }],
    propagationPath: [{ service, system: 'sys' }],
    failedSpans: [],
    services: [{ service, system: 'sys', failed: true }],
    edges: [],
    linkedTraceIds: [],
    spanCount: 1,
    missingRoot: false,
    analyzedAtMs: 0,
    revision: 0,
  };
}

function trackerWith(serviceCount: number, maxResolved: number): IncidentTracker {
  const tracker = new IncidentTracker({
    settings: { window: 60_000, min_traces: 1, min_error_ratio: 0, resolve_after: 600_000, max_resolved: maxResolved },
    listeners: [],
    logger: pino({ level: 'silent' }),
  });
  for (let index = 0; index < serviceCount; index += 1) tracker.record(failedVerdict(index, `svc-${index}`));
  return tracker;
}

describe('IncidentTracker page', () => {
  it('leaves out resolved incidents past max_resolved', () => {
    const tracker = trackerWith(6, 2);
    for (let index = 0; index < 6; index += 1) tracker.resolve(tracker.list({ service: `svc-${index}` })[0]?.id ?? '', 'manual');

    const page = tracker.page({}, 10);

    expect(page.incidents.map((incident) => incident.rootCause.service)).toEqual(['svc-5', 'svc-4']);
    expect(new Set(page.incidents.map((incident) => incident.id))).toEqual(new Set(tracker.list().map((incident) => incident.id)));
  });

  it('returns the next position only when more match', () => {
    const tracker = trackerWith(4, 10);

    const first = tracker.page({}, 2);
    const second = tracker.page({}, 2, first.next);

    expect(first.next).toEqual({ openedAtMs: first.incidents[1]?.openedAtMs, id: first.incidents[1]?.id });
    expect(second.incidents.map((incident) => incident.rootCause.service)).toEqual(['svc-1', 'svc-0']);
    expect(second.next).toBeUndefined();
  });

  it('keeps the latest candidates after resolving', () => {
    const tracker = trackerWith(1, 10);
    const id = tracker.list()[0]?.id ?? '';

    tracker.resolve(id, 'manual');

    expect(tracker.rootCauseCandidates(id).map((candidate) => candidate.service)).toEqual(['svc-0', 'caller']);
  });

  it('counts incidents without copying them', () => {
    const tracker = trackerWith(3, 10);
    tracker.resolve(tracker.list()[0]?.id ?? '', 'manual');

    expect(tracker.countIncidents()).toEqual({ byState: { open: 2, mitigating: 0, escalated: 0, resolved: 1 }, activeBySystem: { sys: 2 } });
  });

  it('records one acknowledgement and sends it', () => {
    const changes: string[] = [];
    const tracker = new IncidentTracker({
      settings: { window: 60_000, min_traces: 1, min_error_ratio: 0, resolve_after: 600_000, max_resolved: 10 },
      listeners: [{ incidentChanged: (change) => changes.push(`${change.type}:${change.incident.acknowledged?.by ?? '-'}`) }],
      logger: pino({ level: 'silent' }),
    });
    tracker.record(failedVerdict(1, 'svc'));
    const id = tracker.list()[0]?.id ?? '';

    tracker.acknowledge(id, 'alice');
    tracker.acknowledge(id, 'bob');

    expect(tracker.get(id)?.acknowledged?.by).toBe('alice');
    expect(changes).toEqual(['opened:-', 'acknowledged:alice']);
  });
});
