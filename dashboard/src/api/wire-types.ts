/**
 * The JSON the status API sends, as the dashboard reads it. Types that are plain data on the
 * server are imported from it; the rest mirror the server's shapes.
 */
import type { Incident, IncidentState } from '../../../src/correlation/incident.js';
import type { PathHop, RootCauseCandidate, Verdict } from '../../../src/correlation/verdict.js';
import type { ServiceEdge, ServiceGraphSnapshot, ServiceNode } from '../../../src/correlation/service-graph.js';

export type { Incident, IncidentState, PathHop, RootCauseCandidate, ServiceEdge, ServiceGraphSnapshot, ServiceNode, Verdict };

export const INCIDENT_STATES: readonly IncidentState[] = ['open', 'mitigating', 'escalated', 'resolved'];

/** `GET /api/v1/ui-config`, readable without a token. */
export interface UiConfig {
  authRequired: boolean;
  /** A URL with `{traceId}` in it, or null when traces are shown as plain ids. */
  traceUrlTemplate: string | null;
  /** The JWT claim that lists roles; `roles` when the server sends none. */
  rolesClaim?: string;
}

/** The step a running recovery is at. */
export interface RecoveryStepView {
  policy: string;
  step: number;
  action: string;
  target: string;
}

/** An incident as the API lists it: the tracker's incident plus acknowledgement and recovery progress. */
export interface IncidentView extends Omit<Incident, 'resolvedAtMs' | 'acknowledged'> {
  /** Absent in JSON while the incident is not resolved. */
  resolvedAtMs?: number | null;
  acknowledged: { by: string; atMs: number } | null;
  recovery: { state: 'idle' | 'running' | 'done'; currentStep: RecoveryStepView | null } | null;
}

export interface IncidentPage {
  incidents: IncidentView[];
  nextCursor: string | null;
}

/** One row of the recovery audit log (`AuditRecord` in src/store/audit-store.ts). */
export interface AuditRecord {
  id: number;
  event: 'decision' | 'call_started' | 'call_finished';
  incidentId: string;
  /** For decisions, the decision (`no_policy`, `recovery_started`, ...); for calls, `started` or the call's result. */
  outcome: string;
  policy: string | null;
  stepIndex: number | null;
  target: string | null;
  endpoint: string | null;
  action: string | null;
  parametersJson: string | null;
  idempotencyKey: string | null;
  /** 1 for the first call of a step, counting retries. */
  attempt: number | null;
  grpcCode: number | null;
  latencyMs: number | null;
  message: string | null;
  atMs: number;
}

/** `GET /api/v1/incidents/{id}`. */
export interface IncidentDetail {
  incident: IncidentView;
  rootCauseCandidates: RootCauseCandidate[];
  /** The neighbourhood of the root-cause service. */
  serviceGraph: ServiceGraphSnapshot;
  /** Oldest first; empty when recovery is off. */
  recoveryHistory: AuditRecord[];
}

export type SystemHealth = 'healthy' | 'degraded' | 'failing';

export interface SystemStatus {
  system: string;
  health: SystemHealth;
  services: { service: string; failed: number; total: number }[];
  openIncidents: number;
}

interface TransportCounts {
  acceptedSpans: number;
  rejectedSpans: Record<string, number>;
  rejectedRequests: Record<string, number>;
}

/**
 * `GET /api/v1/status`. Counters only grow; the dashboard turns successive readings into
 * rates. Every part is optional so an older or newer server still renders.
 */
export interface StatusResponse {
  startedAtMs?: number;
  uptimeMs?: number;
  receiver?: { grpc?: TransportCounts; http?: TransportCounts };
  buffer?: {
    tracesHeld?: number;
    spansHeld?: number;
    tracesEvicted?: number;
    spansRejected?: Record<string, number>;
    requestsRejectedFull?: number;
  };
  correlation?: { verdicts?: { healthy?: number; handled?: number; failed?: number } };
  incidents?: {
    byState?: Partial<Record<IncidentState, number>>;
    activeBySystem?: Record<string, number>;
  };
  recovery?: {
    recoveriesStarted?: number;
    recoveriesSucceeded?: number;
    recoveriesEscalated?: number;
    recoveriesRunning?: number;
    timesToRecoverMs?: number[];
  };
  systems?: SystemStatus[];
}

/** The data of an `incident` event on `GET /api/v1/events`. */
export interface IncidentEvent {
  type: 'opened' | 'updated' | 'state_changed' | 'resolved' | 'acknowledged';
  incident: IncidentView;
}
