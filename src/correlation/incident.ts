import type { PathHop } from './verdict.js';

/**
 * The life of an incident:
 * - `open`: failing traces with one root cause crossed the thresholds;
 * - `mitigating`: a recovery is running for it;
 * - `escalated`: recovery gave up and a human must act; it still resolves when failures stop;
 * - `resolved`: no new failing trace for `resolve_after`, or resolved by recovery or by hand.
 */
export type IncidentState = 'open' | 'mitigating' | 'escalated' | 'resolved';

export interface IncidentRootCause {
  service: string;
  system: string;
  errorKind: string;
  /** The operations seen failing at the root cause, most frequent first. */
  operations: string[];
}

export interface Incident {
  /** Unique per process run and stable for the incident's life, for example `inc-1733337600000-1`. */
  id: string;
  /** The grouping key: root-cause system, service and error kind. */
  key: string;
  state: IncidentState;
  rootCause: IncidentRootCause;
  /** Distinct fingerprints seen, most frequent first. */
  fingerprints: string[];
  /** The most frequent propagation path, entry service first. */
  propagationPath: PathHop[];
  openedAtMs: number;
  /** When the last failing trace of this incident was analyzed. */
  lastSeenAtMs: number;
  /**
   * The latest start of a root-cause span among the incident's failing traces, in Unix
   * milliseconds by the reporting service's clock. Recovery verification compares it with the
   * time a step was applied. Absent in incidents saved before it existed.
   */
  lastFailureStartedAtMs?: number;
  resolvedAtMs: number | undefined;
  /** Failing traces counted since the incident opened, including those that opened it. */
  failingTraces: number;
  /** The root-cause service's failing traces over all its traces, in the current window. */
  errorRatio: number;
  /** Up to a few recent failing trace ids, newest last. */
  sampleTraceIds: string[];
  /** The acknowledgement (who and when); absent until someone acknowledges the incident. */
  acknowledged?: IncidentAcknowledgement;
}

/** An operator's acknowledgement: `by` is the user (a token's subject), `atMs` Unix milliseconds. */
export interface IncidentAcknowledgement {
  by: string;
  atMs: number;
}

/**
 * Why an incident resolved:
 * - `quiet`: no new failing trace for `resolve_after`;
 * - `recovered`: a recovery step was applied and verified;
 * - `manual`: an operator resolved it;
 * - `withdrawn`: late spans revised every verdict that counted for it to another root cause.
 */
export type ResolveReason = 'quiet' | 'recovered' | 'manual' | 'withdrawn';

/** A change to an incident. Listeners receive a copy of the incident after the change. */
export type IncidentChange =
  | { type: 'opened'; incident: Incident }
  | { type: 'updated'; incident: Incident }
  | { type: 'state_changed'; incident: Incident; from: IncidentState }
  | { type: 'resolved'; incident: Incident; reason: ResolveReason }
  | { type: 'acknowledged'; incident: Incident };

/** Receives incident changes, in the order they happen. */
export interface IncidentListener {
  incidentChanged(change: IncidentChange): void;
}
