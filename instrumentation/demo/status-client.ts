/**
 * Client of Faultline's status API, reading the routes the demo follows: the incident list,
 * one incident with its recovery history, trace verdicts, and the recovery figures of the
 * status object.
 */
import type { Incident } from '../../src/correlation/incident.js';
import type { Verdict } from '../../src/correlation/verdict.js';
import type { RecoverySnapshot } from '../../src/recovery/recovery-counters.js';
import type { AuditRecord } from '../../src/store/audit-store.js';

const REQUEST_TIMEOUT_MS = 5_000;
/** The maximum number of incidents one list request returns, the API's maximum `limit`. */
const INCIDENT_PAGE_LIMIT = 500;

/** An incident as the API lists it; `recovery` is absent on a server without recovery state in the list. */
export interface IncidentView extends Incident {
  recovery?: { state: 'idle' | 'running' | 'done'; currentStep: { policy: string; step: number; action: string; target: string } | null } | null;
}

/** `GET /api/v1/incidents/{id}`, the parts the demo reads. */
export interface IncidentDetail {
  incident: IncidentView;
  /** Every decision and control call of the incident's recovery, oldest first. */
  recoveryHistory: AuditRecord[];
}

export class StatusApiError extends Error {
  override readonly name = 'StatusApiError';
}

export class StatusClient {
  /** False once the server rejected `limit`, as a server without pagination does. */
  private pagination = true;

  /** `baseUrl` is the API's root, for example `http://127.0.0.1:4319`. */
  constructor(readonly baseUrl: string) {}

  /** Returns up to INCIDENT_PAGE_LIMIT incidents, newest first. */
  async incidents(): Promise<IncidentView[]> {
    if (this.pagination) {
      const response = await this.get(`/api/v1/incidents?limit=${INCIDENT_PAGE_LIMIT}`);
      if (response.status !== 400) return readIncidents(await this.readJson(response, 'GET /api/v1/incidents'));
      this.pagination = false;
    }
    return readIncidents(await this.readJson(await this.get('/api/v1/incidents'), 'GET /api/v1/incidents'));
  }

  /** Returns one incident with its recovery history, or undefined when the server has no such incident or route. */
  async incidentDetail(incidentId: string): Promise<IncidentDetail | undefined> {
    const response = await this.get(`/api/v1/incidents/${encodeURIComponent(incidentId)}`);
    if (response.status === 404) return undefined;
    const body = (await this.readJson(response, `GET /api/v1/incidents/${incidentId}`)) as Partial<IncidentDetail>;
    if (body.incident === undefined) throw new StatusApiError(`GET /api/v1/incidents/${incidentId} returned no incident: ${JSON.stringify(body)}`);
    return { incident: body.incident, recoveryHistory: body.recoveryHistory ?? [] };
  }

  /** Returns Faultline's verdict on one trace, or undefined while it has none (not analyzed yet, or evicted). */
  async verdict(traceId: string): Promise<Verdict | undefined> {
    const response = await this.get(`/api/v1/traces/${encodeURIComponent(traceId)}`);
    if (response.status === 404) return undefined;
    return (await this.readJson(response, `GET /api/v1/traces/${traceId}`)) as Verdict;
  }

  /** Returns the recovery figures of `GET /api/v1/status`, or undefined when recovery is off. */
  async recoverySnapshot(): Promise<RecoverySnapshot | undefined> {
    const body = (await this.readJson(await this.get('/api/v1/status'), 'GET /api/v1/status')) as { recovery?: RecoverySnapshot };
    return body.recovery;
  }

  private async get(path: string): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw new StatusApiError(`GET ${path} at ${this.baseUrl} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  private async readJson(response: Response, what: string): Promise<unknown> {
    if (!response.ok) throw new StatusApiError(`${what} failed with HTTP ${response.status}: ${await response.text()}`);
    return response.json();
  }
}

function readIncidents(body: unknown): IncidentView[] {
  const incidents = (body as { incidents?: unknown }).incidents;
  if (!Array.isArray(incidents)) throw new StatusApiError(`GET /api/v1/incidents returned no incidents array: ${JSON.stringify(body)}`);
  return incidents as IncidentView[];
}
