import type { Incident, IncidentState } from '../correlation/incident.js';
import type { IncidentPosition } from '../correlation/incident-order.js';
import type { ServiceGraphSnapshot } from '../correlation/service-graph.js';
import type { RootCauseCandidate, Verdict } from '../correlation/verdict.js';
import type { IncidentRecoveryState, RecoveryResult } from '../recovery/recovery-engine.js';
import type { AuditRecord } from '../store/audit-store.js';
import type { StatusEventListener } from './status-events.js';

/** Filters of `GET /api/v1/incidents`; an absent field matches everything. */
export interface IncidentFilter {
  state?: IncidentState;
  system?: string;
  service?: string;
  /** Only incidents opened at or after this time, in Unix milliseconds. */
  openedSinceMs?: number;
}

/** One page of incidents, newest first; `next` is where the following page starts. */
export interface IncidentPage {
  incidents: Incident[];
  next: IncidentPosition | undefined;
}

/** `POST /api/v1/incidents/{id}/recover` was called while the `recovery` extension is off. */
export class RecoveryNotConfiguredError extends Error {
  override readonly name = 'RecoveryNotConfiguredError';

  constructor() {
    super('recovery is not configured; add the recovery extension to extensions and service.extensions to recover incidents');
  }
}

/** The state the status API reads and the few changes it requests. The API owns none of it. */
export interface StatusSource {
  /** Pipeline counters, buffer figures, incident counts, recovery figures and per-system health, as one JSON-ready object. */
  status(): Record<string, unknown>;
  /** Every matching incident, newest first. */
  incidents(filter: IncidentFilter): Incident[];
  /** Up to `limit` matching incidents after `after`, newest first, copying only those returned. */
  incidentPage(filter: IncidentFilter, limit: number, after?: IncidentPosition): IncidentPage;
  incident(id: string): Incident | undefined;
  /** The ranked root-cause candidates of the incident's latest failing trace; [] when unknown. */
  rootCauseCandidates(id: string): RootCauseCandidate[];
  /** The state of the incident's recovery; null when recovery is not configured. */
  recoveryState(id: string): IncidentRecoveryState | null;
  /** The incident's recovery audit records, oldest first; [] when recovery is not configured. */
  recoveryHistory(id: string): AuditRecord[];
  /** The cached verdict of a recently analyzed trace, if any. */
  verdict(traceId: string): Verdict | undefined;
  /** Every service and dependency seen, with calls and errors per edge. */
  serviceGraph(): ServiceGraphSnapshot;
  /**
   * Starts recovery of an incident, or joins the one running; resolves when it ends. Throws
   * RecoveryNotConfiguredError when recovery is off.
   */
  recover(id: string): Promise<RecoveryResult>;
  /** Resolves an incident by hand. Throws IncidentNotFoundError for an unknown id. */
  resolve(id: string): Incident;
  /** Records an acknowledgement. Throws IncidentNotFoundError or IncidentResolvedError. */
  acknowledge(id: string, by: string): Incident;
  /** Adds a listener for incident changes and recovery audit records; returns a function that removes it. */
  subscribe(listener: StatusEventListener): () => void;
  /** True once every component started, until shutdown begins. */
  isReady(): boolean;
}

/**
 * The source of the status API's `/metrics` route: Prometheus text rendered on demand, and the
 * histogram of the API's own request latency.
 */
export interface MetricsEndpoint {
  /** The Content-Type of the rendered text, for example `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
  render(): Promise<string>;
  /** Records one finished API request; `route` is the route pattern, not the raw path. */
  observeRequest(route: string, method: string, statusCode: number, durationSeconds: number): void;
}
