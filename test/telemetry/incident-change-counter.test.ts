import { describe, expect, it } from 'vitest';
import type { Incident, IncidentChange } from '../../src/correlation/incident.js';
import { IncidentChangeCounter } from '../../src/telemetry/incident-change-counter.js';

const INCIDENT: Incident = {
  id: 'inc-1',
  key: 'Shop/checkout/unavailable',
  state: 'open',
  rootCause: { service: 'checkout', system: 'Shop', errorKind: 'unavailable', operations: [] },
  fingerprints: [],
  propagationPath: [],
  openedAtMs: 0,
  lastSeenAtMs: 0,
  resolvedAtMs: undefined,
  failingTraces: 3,
  errorRatio: 0.5,
  sampleTraceIds: [],
};

describe('IncidentChangeCounter', () => {
  it('starts at zero', () => {
    expect(new IncidentChangeCounter().totals()).toEqual({ opened: 0, resolved: { quiet: 0, recovered: 0, manual: 0, withdrawn: 0 } });
  });

  it('counts opened and resolved changes by reason', () => {
    const counter = new IncidentChangeCounter();
    const changes: IncidentChange[] = [
      { type: 'opened', incident: INCIDENT },
      { type: 'updated', incident: INCIDENT },
      { type: 'state_changed', incident: { ...INCIDENT, state: 'mitigating' }, from: 'open' },
      { type: 'resolved', incident: { ...INCIDENT, state: 'resolved' }, reason: 'recovered' },
      { type: 'opened', incident: { ...INCIDENT, id: 'inc-2' } },
      { type: 'resolved', incident: { ...INCIDENT, id: 'inc-2', state: 'resolved' }, reason: 'quiet' },
    ];

    for (const change of changes) counter.incidentChanged(change);

    expect(counter.totals()).toEqual({ opened: 2, resolved: { quiet: 1, recovered: 1, manual: 0, withdrawn: 0 } });
  });

  it('returns totals later changes do not alter', () => {
    const counter = new IncidentChangeCounter();
    const totals = counter.totals();

    counter.incidentChanged({ type: 'resolved', incident: INCIDENT, reason: 'manual' });

    expect(totals.resolved.manual).toBe(0);
    expect(counter.totals().resolved.manual).toBe(1);
  });
});
