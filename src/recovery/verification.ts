import type { Incident } from '../correlation/incident.js';
import type { IncidentControl } from './incident-control.js';
import { sleepMs } from '../common/abortable-sleep.js';

/**
 * What watching an incident after an applied step found:
 * - `quiet`: no new failing trace after the step for the whole window, so the step worked;
 * - `failing`: a failing trace was analyzed after the step;
 * - `resolved`: the incident was resolved meanwhile (by quiet, by hand, or by another recovery);
 * - `missing`: the incident is no longer in the incident tracker;
 * - `aborted`: the engine is shutting down.
 */
export type VerificationResult = 'quiet' | 'failing' | 'resolved' | 'missing' | 'aborted';

export interface VerificationRequest {
  control: IncidentControl;
  incidentId: string;
  /** When the step was applied, in Unix milliseconds; a failing trace analyzed later means it did not work. */
  appliedAtMs: number;
  windowMs: number;
  /** Aborted when the incident resolves meanwhile or the engine shuts down. */
  signal: AbortSignal;
}

/**
 * Waits `windowMs`, then checks whether a failure started after the step. A failing trace whose
 * root-cause span started before the step (a request already waiting on a slow model, say) does
 * not count against it, even when it is analyzed later. An incident without span start times,
 * restored from an older store, falls back to when its last failing trace was analyzed.
 * NOTE: span start times come from the services' clocks, so a service whose clock runs behind
 * Faultline's by more than the time a request takes can hide a failure from verification.
 */
export async function verifyStep(request: VerificationRequest): Promise<VerificationResult> {
  await sleepMs(request.windowMs, request.signal);
  const incident = request.control.get(request.incidentId);
  if (incident === undefined) return 'missing';
  if (incident.state === 'resolved') return 'resolved';
  if (request.signal.aborted) return 'aborted';
  return failedAfter(incident, request.appliedAtMs) ? 'failing' : 'quiet';
}

function failedAfter(incident: Incident, appliedAtMs: number): boolean {
  if (incident.lastSeenAtMs <= appliedAtMs) return false;
  return incident.lastFailureStartedAtMs === undefined || incident.lastFailureStartedAtMs >= appliedAtMs;
}
