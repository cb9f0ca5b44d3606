import type { Incident, IncidentState } from '../../src/correlation/incident.js';
import type { IncidentControl } from '../../src/recovery/incident-control.js';

/** Builds an open incident; `overrides` replace fields, `rootCause` fields merge. */
export function makeIncident(id: string, overrides: Partial<Omit<Incident, 'rootCause'>> & { rootCause?: Partial<Incident['rootCause']> } = {}): Incident {
  const nowMs = Date.now();
  const { rootCause, ...rest } = overrides;
  return {
    id,
    key: `automatrix/worker/unavailable`,
    state: 'open',
    rootCause: { service: 'worker', system: 'automatrix', errorKind: 'unavailable', operations: ['run step'], ...rootCause },
    fingerprints: ['fp-1'],
    propagationPath: [{ service: 'worker', system: 'automatrix' }],
    openedAtMs: nowMs,
    lastSeenAtMs: nowMs,
    resolvedAtMs: undefined,
    failingTraces: 10,
    errorRatio: 0.5,
    sampleTraceIds: ['0af7651916cd43dd8448eb211c80319c'],
    ...rest,
  };
}

/**
 * An incident tracker reduced to a map, recording every state change the engine requests.
 * Like the real tracker, it throws when asked to change a resolved or unknown incident.
 */
export class FakeIncidentControl implements IncidentControl {
  readonly incidents = new Map<string, Incident>();
  readonly stateChanges: { id: string; state: IncidentState; reason?: string }[] = [];

  add(incident: Incident): Incident {
    this.incidents.set(incident.id, { ...incident });
    return incident;
  }

  get(id: string): Incident | undefined {
    const incident = this.incidents.get(id);
    return incident === undefined ? undefined : { ...incident };
  }

  setState(id: string, state: 'mitigating' | 'escalated' | 'open'): void {
    if (this.incidents.get(id)?.state === 'resolved') throw new Error(`incident ${id} is resolved; its state can no longer change`);
    this.update(id, { state });
    this.stateChanges.push({ id, state });
  }

  resolve(id: string, reason: 'recovered' | 'manual'): void {
    this.update(id, { state: 'resolved', resolvedAtMs: Date.now() });
    this.stateChanges.push({ id, state: 'resolved', reason });
  }

  /**
   * Records a new failing trace of the incident, analyzed at `atMs`, as the tracker does. Its
   * root-cause span started at `startedAtMs`, which defaults to `atMs`.
   */
  fail(id: string, atMs = Date.now(), startedAtMs = atMs): void {
    const incident = this.incidents.get(id);
    if (incident === undefined) return;
    const lastFailureStartedAtMs = Math.max(incident.lastFailureStartedAtMs ?? 0, startedAtMs);
    this.update(id, { lastSeenAtMs: atMs, lastFailureStartedAtMs, failingTraces: incident.failingTraces + 1 });
  }

  statesOf(id: string): IncidentState[] {
    return this.stateChanges.filter((change) => change.id === id).map((change) => change.state);
  }

  private update(id: string, fields: Partial<Incident>): void {
    const incident = this.incidents.get(id);
    if (incident === undefined) throw new Error(`unknown incident ${id}`);
    this.incidents.set(id, { ...incident, ...fields });
  }
}
