import type { Incident, IncidentAcknowledgement } from '../correlation/incident.js';
import type { IncidentRecoveryState } from '../recovery/recovery-engine.js';
import type { StatusSource } from './status-source.js';

/**
 * An incident as the API sends it: the tracker's incident, with `resolvedAtMs` null while it
 * is unresolved, the acknowledgement or null, and the state of its recovery (null when
 * recovery is not configured).
 */
export interface IncidentView extends Omit<Incident, 'resolvedAtMs' | 'acknowledged'> {
  resolvedAtMs: number | null;
  acknowledged: IncidentAcknowledgement | null;
  recovery: IncidentRecoveryState | null;
}

/** Builds the view with every field listed, so each view has the same object shape. */
export function toIncidentView(incident: Incident, source: Pick<StatusSource, 'recoveryState'>): IncidentView {
  return {
    id: incident.id,
    key: incident.key,
    state: incident.state,
    rootCause: incident.rootCause,
    fingerprints: incident.fingerprints,
    propagationPath: incident.propagationPath,
    openedAtMs: incident.openedAtMs,
    lastSeenAtMs: incident.lastSeenAtMs,
    resolvedAtMs: incident.resolvedAtMs ?? null,
    failingTraces: incident.failingTraces,
    errorRatio: incident.errorRatio,
    sampleTraceIds: incident.sampleTraceIds,
    acknowledged: incident.acknowledged ?? null,
    recovery: source.recoveryState(incident.id),
  };
}
