import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IncidentsConfig } from '../../src/correlation/config.js';
import type { IncidentChange, IncidentListener } from '../../src/correlation/incident.js';
import {
  IncidentNotFoundError,
  IncidentResolvedError,
  IncidentTracker,
  SWEEP_INTERVAL_MS,
} from '../../src/correlation/incident-tracker.js';
import type { EdgeTraffic, PathHop, Verdict } from '../../src/correlation/verdict.js';

const START_MS = 1_733_337_600_000;

const SETTINGS: IncidentsConfig = {
  window: 60_000,
  min_traces: 5,
  min_error_ratio: 0.05,
  resolve_after: 120_000,
  max_resolved: 2,
};

interface Cause {
  service: string;
  system: string;
  errorKind: string;
  fingerprint?: string;
  operation?: string;
  /** When the root-cause span started; now by default. */
  startedAtMs?: number;
}

const PROVIDER_DOWN: Cause = { service: 'router', system: 'RelayCore', errorKind: 'unavailable' };
const MODEL_FAILURE: Cause = { service: 'inference', system: 'NeuroWeaver', errorKind: 'model_failure' };

const ENTRY: PathHop = { service: 'scheduler', system: 'AutoMatrix' };

function healthyVerdict(traceId: string, hops: PathHop[], revision = 0): Verdict {
  return {
    traceId,
    outcome: 'healthy',
    rootCauses: [],
    propagationPath: [],
    failedSpans: [],
    services: hops.map((hop) => ({ ...hop, failed: false })),
    edges: [],
    linkedTraceIds: [],
    spanCount: hops.length,
    missingRoot: false,
    analyzedAtMs: Date.now(),
    revision,
  };
}

function failedVerdict(traceId: string, cause: Cause, options: { revision?: number; edges?: EdgeTraffic[] } = {}): Verdict {
  const hop = { service: cause.service, system: cause.system };
  return {
    ...healthyVerdict(traceId, [], options.revision),
    outcome: 'failed',
    rootCauses: [
      {
        ...hop,
        operation: cause.operation ?? 'POST /route',
        spanId: '00000000000000aa',
        errorKind: cause.errorKind,
        fingerprint: cause.fingerprint ?? `fp-${cause.service}`,
        confidence: 0.9,
        reason: 'deepest_error',
        startedAtMs: cause.startedAtMs ?? Date.now(),
      },
    ],
    propagationPath: [ENTRY, hop],
    services: [
      { ...ENTRY, failed: true },
      { ...hop, failed: true },
    ],
    edges: options.edges ?? [],
  };
}

class RecordingListener implements IncidentListener {
  readonly changes: IncidentChange[] = [];

  incidentChanged(change: IncidentChange): void {
    this.changes.push(change);
  }

  types(): string[] {
    return this.changes.map((change) => change.type);
  }
}

function createTracker(
  settings: Partial<IncidentsConfig> = {},
  listeners: IncidentListener[] = [],
): { tracker: IncidentTracker; listener: RecordingListener } {
  const listener = new RecordingListener();
  const tracker = new IncidentTracker({
    settings: { ...SETTINGS, ...settings },
    listeners: [...listeners, listener],
    logger: pino({ level: 'silent' }),
  });
  return { tracker, listener };
}

function recordFailures(tracker: IncidentTracker, cause: Cause, count: number, prefix = cause.service): void {
  for (let index = 0; index < count; index += 1) tracker.record(failedVerdict(`${prefix}-${index}`, cause));
}

describe('IncidentTracker', () => {
  let tracker: IncidentTracker;

  beforeEach(() => {
    vi.useFakeTimers({ now: START_MS });
  });

  afterEach(() => {
    tracker.shutdown();
    vi.useRealTimers();
  });

  describe('opening', () => {
    it('opens nothing for scattered client errors', () => {
      const created = createTracker();
      tracker = created.tracker;

      for (let service = 0; service < 20; service += 1) {
        const cause = { service: `api-${service}`, system: `system-${service % 3}`, errorKind: 'invalid_request' };
        recordFailures(tracker, cause, SETTINGS.min_traces - 1);
      }

      expect(tracker.openIncidents()).toEqual([]);
      expect(created.listener.changes).toEqual([]);
    });

    it('opens one incident for a burst from one root cause', () => {
      const created = createTracker();
      tracker = created.tracker;

      recordFailures(tracker, PROVIDER_DOWN, 12);

      expect(created.listener.types().filter((type) => type === 'opened')).toHaveLength(1);
      const [incident] = tracker.openIncidents();
      expect(incident?.id).toBe(`inc-${START_MS}-1`);
      expect(incident?.key).toBe('RelayCore/router/unavailable');
      expect(incident?.state).toBe('open');
      expect(incident?.failingTraces).toBe(12);
      expect(incident?.errorRatio).toBe(1);
      expect(incident?.fingerprints).toEqual(['fp-router']);
      expect(incident?.rootCause.operations).toEqual(['POST /route']);
      expect(incident?.propagationPath).toEqual([ENTRY, { service: 'router', system: 'RelayCore' }]);
      expect(incident?.sampleTraceIds).toEqual(['router-7', 'router-8', 'router-9', 'router-10', 'router-11']);
    });

    it('keeps the latest root-cause span start, not the latest arrival', () => {
      const created = createTracker();
      tracker = created.tracker;

      recordFailures(tracker, { ...PROVIDER_DOWN, startedAtMs: START_MS - 100 }, SETTINGS.min_traces);
      expect(tracker.openIncidents()[0]?.lastFailureStartedAtMs).toBe(START_MS - 100);
      tracker.record(failedVerdict('late-start', { ...PROVIDER_DOWN, startedAtMs: START_MS + 50 }));
      tracker.record(failedVerdict('early-start', { ...PROVIDER_DOWN, startedAtMs: START_MS - 900 }));

      expect(tracker.openIncidents()[0]?.lastFailureStartedAtMs).toBe(START_MS + 50);
    });

    it('opens when the min_traces-th failing trace arrives', () => {
      const created = createTracker();
      tracker = created.tracker;

      recordFailures(tracker, PROVIDER_DOWN, SETTINGS.min_traces - 1);
      expect(tracker.openIncidents()).toHaveLength(0);

      tracker.record(failedVerdict('last', PROVIDER_DOWN));
      expect(tracker.openIncidents()).toHaveLength(1);
      expect(created.listener.changes[0]?.incident.failingTraces).toBe(SETTINGS.min_traces);
    });

    it('opens two incidents for faults in two systems', () => {
      const created = createTracker();
      tracker = created.tracker;

      for (let index = 0; index < 6; index += 1) {
        tracker.record(failedVerdict(`relay-${index}`, PROVIDER_DOWN));
        tracker.record(failedVerdict(`neuro-${index}`, MODEL_FAILURE));
      }

      const keys = tracker.openIncidents().map((incident) => incident.key);
      expect(keys).toEqual(['RelayCore/router/unavailable', 'NeuroWeaver/inference/model_failure']);
      expect(new Set(tracker.openIncidents().map((incident) => incident.id)).size).toBe(2);
    });

    it('ranks fingerprints by frequency', () => {
      const created = createTracker();
      tracker = created.tracker;

      recordFailures(tracker, { ...PROVIDER_DOWN, fingerprint: 'rare' }, 2, 'rare');
      recordFailures(tracker, { ...PROVIDER_DOWN, fingerprint: 'common' }, 4, 'common');

      expect(tracker.openIncidents()[0]?.fingerprints).toEqual(['common', 'rare']);
    });

    it('opens nothing when failures are spread wider than the window', () => {
      const created = createTracker();
      tracker = created.tracker;

      for (let index = 0; index < 10; index += 1) {
        tracker.record(failedVerdict(`slow-${index}`, PROVIDER_DOWN));
        vi.advanceTimersByTime(SETTINGS.window / 3);
      }

      expect(tracker.openIncidents()).toHaveLength(0);
    });

    it.each([
      { name: 'busy service with few failures', healthyTraces: 1000, opens: false },
      { name: 'quiet service with the same failures', healthyTraces: 20, opens: true },
    ])('checks the error ratio against real traffic ($name)', ({ healthyTraces, opens }) => {
      const created = createTracker();
      tracker = created.tracker;

      for (let index = 0; index < healthyTraces; index += 1) {
        tracker.record(healthyVerdict(`ok-${index}`, [ENTRY, { service: 'router', system: 'RelayCore' }]));
      }
      recordFailures(tracker, PROVIDER_DOWN, 10);

      expect(tracker.openIncidents().length > 0).toBe(opens);
      const [traffic] = tracker.traffic('router', 'RelayCore');
      expect(traffic?.traces).toBe(healthyTraces + 10);
      expect(traffic?.failedTraces).toBe(10);
    });
  });

  describe('revisions', () => {
    it('does not count a revised verdict twice', () => {
      const created = createTracker();
      tracker = created.tracker;
      recordFailures(tracker, PROVIDER_DOWN, SETTINGS.min_traces - 1);

      tracker.record(failedVerdict('router-0', PROVIDER_DOWN, { revision: 1 }));
      tracker.record(failedVerdict('router-1', PROVIDER_DOWN, { revision: 1 }));

      expect(tracker.openIncidents()).toHaveLength(0);
      expect(tracker.traffic('router')[0]?.traces).toBe(SETTINGS.min_traces - 1);
    });

    it('takes back a failure the revision made healthy', () => {
      const created = createTracker();
      tracker = created.tracker;
      recordFailures(tracker, PROVIDER_DOWN, 6);
      const failingBefore = tracker.openIncidents()[0]?.failingTraces;

      tracker.record(healthyVerdict('router-5', [ENTRY, { service: 'router', system: 'RelayCore' }], 1));

      expect(failingBefore).toBe(6);
      expect(tracker.openIncidents()[0]?.failingTraces).toBe(5);
      expect(tracker.openIncidents()[0]?.sampleTraceIds).not.toContain('router-5');
      expect(tracker.traffic('router')[0]?.failedTraces).toBe(5);
    });

    it('keeps the count when a trace counted before opening is revised', () => {
      const created = createTracker();
      tracker = created.tracker;
      recordFailures(tracker, PROVIDER_DOWN, 5);

      tracker.record(failedVerdict('router-0', PROVIDER_DOWN, { revision: 1 }));

      expect(tracker.openIncidents()[0]?.failingTraces).toBe(5);
    });

    it('withdraws an incident whose traces all moved elsewhere', () => {
      const created = createTracker();
      tracker = created.tracker;
      recordFailures(tracker, PROVIDER_DOWN, SETTINGS.min_traces);
      const [opened] = tracker.openIncidents();

      for (let index = 0; index < SETTINGS.min_traces; index += 1) {
        tracker.record(failedVerdict(`router-${index}`, MODEL_FAILURE, { revision: 1 }));
      }

      expect(opened?.rootCause.service).toBe('router');
      expect(tracker.get(opened?.id ?? '')?.state).toBe('resolved');
      const resolved = created.listener.changes.find((change) => change.type === 'resolved');
      expect(resolved).toMatchObject({ type: 'resolved', reason: 'withdrawn' });
      expect(tracker.openIncidents().map((incident) => incident.rootCause.service)).toEqual(['inference']);
    });

    it('keeps an incident whose revised traces keep its root cause', () => {
      const created = createTracker({ min_traces: 1 });
      tracker = created.tracker;
      recordFailures(tracker, PROVIDER_DOWN, 1);

      tracker.record(failedVerdict('router-0', PROVIDER_DOWN, { revision: 1 }));

      expect(tracker.openIncidents()).toHaveLength(1);
      expect(created.listener.types()).toEqual(['opened']);
    });

    it('takes back the edges of the replaced verdict', () => {
      const created = createTracker();
      tracker = created.tracker;
      const edge = { caller: ENTRY, callee: { service: 'router', system: 'RelayCore' }, calls: 2, errors: 1 };

      tracker.record(failedVerdict('t-1', PROVIDER_DOWN, { edges: [edge] }));
      tracker.record(failedVerdict('t-1', PROVIDER_DOWN, { edges: [{ ...edge, calls: 3 }], revision: 1 }));

      expect(tracker.serviceGraph().edges).toMatchObject([{ calls: 3, errors: 1 }]);
      expect(tracker.serviceGraph().nodes.map((node) => node.traces)).toEqual([1, 1]);
    });
  });

  describe('resolution', () => {
    it('resolves an incident after resolve_after without failures', () => {
      const created = createTracker();
      tracker = created.tracker;
      tracker.start();
      recordFailures(tracker, PROVIDER_DOWN, 6);
      const id = tracker.openIncidents()[0]?.id ?? '';

      vi.advanceTimersByTime(SETTINGS.resolve_after - SWEEP_INTERVAL_MS);
      expect(tracker.get(id)?.state).toBe('open');

      vi.advanceTimersByTime(SWEEP_INTERVAL_MS);
      expect(tracker.get(id)?.state).toBe('resolved');
      expect(tracker.get(id)?.resolvedAtMs).toBe(START_MS + SETTINGS.resolve_after);
      expect(created.listener.changes.at(-1)).toMatchObject({ type: 'resolved', reason: 'quiet' });
      expect(tracker.openIncidents()).toEqual([]);
    });

    it('stays open while failures continue', () => {
      const created = createTracker();
      tracker = created.tracker;
      tracker.start();
      recordFailures(tracker, PROVIDER_DOWN, 6);

      for (let minute = 0; minute < 5; minute += 1) {
        vi.advanceTimersByTime(60_000);
        tracker.record(failedVerdict(`later-${minute}`, PROVIDER_DOWN));
      }

      expect(tracker.openIncidents()).toHaveLength(1);
      expect(tracker.openIncidents()[0]?.failingTraces).toBe(11);
    });

    it('keeps at most max_resolved resolved incidents', () => {
      const created = createTracker();
      tracker = created.tracker;
      const ids: string[] = [];
      for (const service of ['a', 'b', 'c']) {
        recordFailures(tracker, { service, system: 'S', errorKind: 'internal' }, 5);
        const id = tracker.openIncidents()[0]?.id ?? '';
        ids.push(id);
        tracker.resolve(id, 'manual');
        vi.advanceTimersByTime(1000);
      }

      expect(tracker.get(ids[0] ?? '')).toBeUndefined();
      expect(tracker.list({ state: 'resolved' }).map((incident) => incident.id)).toEqual([ids[2], ids[1]]);
    });
  });

  describe('control', () => {
    it('emits state_changed on setState', () => {
      const created = createTracker();
      tracker = created.tracker;
      recordFailures(tracker, PROVIDER_DOWN, 5);
      const id = tracker.openIncidents()[0]?.id ?? '';

      tracker.setState(id, 'mitigating');
      tracker.setState(id, 'mitigating');

      expect(created.listener.types()).toEqual(['opened', 'state_changed']);
      expect(created.listener.changes[1]).toMatchObject({ type: 'state_changed', from: 'open', incident: { state: 'mitigating' } });
      expect(tracker.list({ state: 'mitigating' })).toHaveLength(1);
    });

    it('emits resolved on resolve', () => {
      const created = createTracker();
      tracker = created.tracker;
      recordFailures(tracker, PROVIDER_DOWN, 5);
      const id = tracker.openIncidents()[0]?.id ?? '';

      tracker.resolve(id, 'recovered');
      tracker.resolve(id, 'recovered');

      expect(created.listener.types()).toEqual(['opened', 'resolved']);
      expect(created.listener.changes[1]).toMatchObject({ type: 'resolved', reason: 'recovered', incident: { state: 'resolved' } });
    });

    it('opens a new incident when failures return after resolve', () => {
      const created = createTracker();
      tracker = created.tracker;
      recordFailures(tracker, PROVIDER_DOWN, 5);
      const first = tracker.openIncidents()[0]?.id ?? '';
      tracker.resolve(first, 'recovered');

      recordFailures(tracker, PROVIDER_DOWN, 5, 'again');

      expect(tracker.openIncidents()[0]?.id).not.toBe(first);
      expect(tracker.openIncidents()[0]?.failingTraces).toBe(5);
    });

    it.each([
      { name: 'setState unknown', act: (t: IncidentTracker) => t.setState('inc-0-0', 'open'), error: IncidentNotFoundError },
      { name: 'resolve unknown', act: (t: IncidentTracker) => t.resolve('inc-0-0', 'manual'), error: IncidentNotFoundError },
    ])('throws for an unknown id ($name)', ({ act, error }) => {
      tracker = createTracker().tracker;

      expect(() => act(tracker)).toThrow(error);
    });

    it('rejects setState on a resolved incident', () => {
      tracker = createTracker().tracker;
      recordFailures(tracker, PROVIDER_DOWN, 5);
      const id = tracker.openIncidents()[0]?.id ?? '';
      tracker.resolve(id, 'manual');

      expect(() => tracker.setState(id, 'mitigating')).toThrow(IncidentResolvedError);
    });

    it('filters the list by system and service', () => {
      tracker = createTracker().tracker;
      recordFailures(tracker, PROVIDER_DOWN, 5);
      recordFailures(tracker, MODEL_FAILURE, 5);

      expect(tracker.list({ system: 'NeuroWeaver' }).map((incident) => incident.rootCause.service)).toEqual(['inference']);
      expect(tracker.list({ service: 'router' }).map((incident) => incident.rootCause.system)).toEqual(['RelayCore']);
      expect(tracker.list()).toHaveLength(2);
    });
  });

  describe('listeners', () => {
    it('keeps delivering when a listener throws', () => {
      const incidentChanged = vi.fn(() => {
        throw new Error('listener broke');
      });
      const throwing: IncidentListener = { incidentChanged };
      const created = createTracker({}, [throwing]);
      tracker = created.tracker;

      recordFailures(tracker, PROVIDER_DOWN, 5);
      tracker.resolve(tracker.openIncidents()[0]?.id ?? '', 'manual');

      expect(incidentChanged).toHaveBeenCalledTimes(2);
      expect(created.listener.types()).toEqual(['opened', 'resolved']);
    });

    it('sends updates at most once per second', () => {
      const created = createTracker();
      tracker = created.tracker;
      tracker.start();
      recordFailures(tracker, PROVIDER_DOWN, 8);
      expect(created.listener.types()).toEqual(['opened']);

      vi.advanceTimersByTime(SWEEP_INTERVAL_MS);
      expect(created.listener.types()).toEqual(['opened', 'updated']);
      expect(created.listener.changes[1]?.incident.failingTraces).toBe(8);

      tracker.record(failedVerdict('held-back', PROVIDER_DOWN));
      expect(created.listener.types()).toEqual(['opened', 'updated']);

      vi.advanceTimersByTime(SWEEP_INTERVAL_MS);
      expect(created.listener.types()).toEqual(['opened', 'updated', 'updated']);

      vi.advanceTimersByTime(SWEEP_INTERVAL_MS);
      tracker.record(failedVerdict('sent-at-once', PROVIDER_DOWN));
      expect(created.listener.types()).toEqual(['opened', 'updated', 'updated', 'updated']);
    });

    it('delivers changes made by a listener after the current change', () => {
      const seen: string[] = [];
      const mitigator: IncidentListener = {
        incidentChanged: (change) => {
          seen.push(`mitigator:${change.type}`);
          if (change.type === 'opened') tracker.setState(change.incident.id, 'mitigating');
        },
      };
      const observer: IncidentListener = { incidentChanged: (change) => seen.push(`observer:${change.type}`) };
      const created = createTracker({}, [mitigator, observer]);
      tracker = created.tracker;

      recordFailures(tracker, PROVIDER_DOWN, 5);

      expect(seen).toEqual(['mitigator:opened', 'observer:opened', 'mitigator:state_changed', 'observer:state_changed']);
    });

    it('gives each listener its own copy', () => {
      const mutating: IncidentListener = {
        incidentChanged: (change) => {
          change.incident.fingerprints.push('changed');
          change.incident.state = 'resolved';
        },
      };
      const created = createTracker({}, [mutating]);
      tracker = created.tracker;

      recordFailures(tracker, PROVIDER_DOWN, 5);

      expect(created.listener.changes[0]?.incident.fingerprints).toEqual(['fp-router']);
      expect(tracker.openIncidents()[0]?.state).toBe('open');
    });
  });

  describe('restore', () => {
    function openedIncident(): ReturnType<IncidentTracker['openIncidents']>[number] {
      const first = createTracker();
      recordFailures(first.tracker, MODEL_FAILURE, 6);
      first.tracker.setState(first.tracker.openIncidents()[0]?.id ?? '', 'mitigating');
      const [incident] = first.tracker.openIncidents();
      first.tracker.shutdown();
      if (incident === undefined) throw new Error('no incident opened');
      return incident;
    }

    it('takes back a saved incident with its id, state and samples', () => {
      const saved = openedIncident();
      const created = createTracker();
      tracker = created.tracker;

      tracker.restore([saved]);

      expect(tracker.get(saved.id)).toEqual(saved);
      expect(created.listener.changes).toEqual([]);
    });

    it('adds new failures of the same root cause to the restored incident', () => {
      const saved = openedIncident();
      const created = createTracker();
      tracker = created.tracker;
      tracker.restore([saved]);

      recordFailures(tracker, MODEL_FAILURE, 6, 'after-restart');

      expect(tracker.openIncidents().map((incident) => incident.id)).toEqual([saved.id]);
      expect(tracker.get(saved.id)?.failingTraces).toBe(saved.failingTraces + 6);
      expect(created.listener.types()).not.toContain('opened');
    });

    it('counts resolve_after from the restore', () => {
      const saved = { ...openedIncident(), lastSeenAtMs: START_MS - 10 * SETTINGS.resolve_after };
      const created = createTracker();
      tracker = created.tracker;
      tracker.restore([saved]);

      tracker.sweep(Date.now() + SETTINGS.resolve_after - 1);
      expect(tracker.get(saved.id)?.state).toBe('mitigating');

      tracker.sweep(Date.now() + SETTINGS.resolve_after);
      expect(tracker.get(saved.id)?.state).toBe('resolved');
    });

    it('skips resolved incidents and root causes already open', () => {
      const saved = openedIncident();
      const created = createTracker();
      tracker = created.tracker;
      recordFailures(tracker, MODEL_FAILURE, 6, 'live');
      const [live] = tracker.openIncidents();

      tracker.restore([saved, { ...saved, id: 'inc-resolved', state: 'resolved' }]);

      expect(tracker.openIncidents().map((incident) => incident.id)).toEqual([live?.id]);
      expect(tracker.get('inc-resolved')).toBeUndefined();
    });
  });
});
