import type { Incident } from '../correlation/incident.js';

/**
 * The part of the incident tracker that the recovery engine may change. The engine reads
 * incidents and moves their state; it never creates or deletes them.
 */
export interface IncidentControl {
  /** Returns a copy of the incident, or undefined when the tracker does not hold it. */
  get(id: string): Incident | undefined;
  /** Moves the incident to `mitigating` (a step was applied), `escalated` (steps ran out) or back to `open`. */
  setState(id: string, state: 'mitigating' | 'escalated' | 'open'): void;
  /** Resolves the incident. */
  resolve(id: string, reason: 'recovered' | 'manual'): void;
}
