import { ApiRequestError, ForbiddenError, UnauthorizedError } from './api-errors.js';
import type { IncidentDetail, IncidentPage, IncidentView, ServiceGraphSnapshot, StatusResponse, UiConfig } from './wire-types.js';

/** Incidents fetched per page; the API's maximum. */
export const INCIDENT_PAGE_LIMIT = 500;

/** Calls the status API of the page's own origin, with the bearer token when there is one. */
export class ApiClient {
  constructor(
    private readonly token: string | undefined,
    private readonly baseUrl = '',
  ) {}

  get authorizationHeader(): Record<string, string> {
    return this.token === undefined ? {} : { authorization: `Bearer ${this.token}` };
  }

  uiConfig(): Promise<UiConfig> {
    return this.request<UiConfig>('GET', '/api/v1/ui-config');
  }

  status(): Promise<StatusResponse> {
    return this.request<StatusResponse>('GET', '/api/v1/status');
  }

  // NOTE: only the newest INCIDENT_PAGE_LIMIT incidents are read; `nextCursor` pages are not followed.
  incidents(): Promise<IncidentPage> {
    return this.request<IncidentPage>('GET', `/api/v1/incidents?limit=${INCIDENT_PAGE_LIMIT}`);
  }

  incident(id: string): Promise<IncidentDetail> {
    return this.request<IncidentDetail>('GET', `/api/v1/incidents/${encodeURIComponent(id)}`);
  }

  serviceGraph(): Promise<ServiceGraphSnapshot> {
    return this.request<ServiceGraphSnapshot>('GET', '/api/v1/service-graph');
  }

  /** Starts a recovery now; the server responds 202 with the recovery's result. */
  recover(id: string): Promise<{ result: Record<string, unknown> }> {
    return this.request('POST', `/api/v1/incidents/${encodeURIComponent(id)}/recover`);
  }

  resolve(id: string): Promise<{ incident: IncidentView }> {
    return this.request('POST', `/api/v1/incidents/${encodeURIComponent(id)}/resolve`);
  }

  acknowledge(id: string): Promise<{ incident: IncidentView }> {
    return this.request('POST', `/api/v1/incidents/${encodeURIComponent(id)}/acknowledge`);
  }

  /** Opens `GET /api/v1/events`; the caller reads the body as a stream. */
  async openEvents(signal: AbortSignal): Promise<Response> {
    const response = await fetch(`${this.baseUrl}/api/v1/events`, {
      headers: { accept: 'text/event-stream', ...this.authorizationHeader },
      signal,
    });
    if (!response.ok) throw await errorFor(response, 'GET /api/v1/events');
    return response;
  }

  private async request<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    const requestLine = `${method} ${path}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers: { accept: 'application/json', ...this.authorizationHeader } });
    } catch (error) {
      throw new ApiRequestError(0, `${requestLine} failed: no response from the Faultline server (${String(error)}); check that it runs and is reachable`);
    }
    if (!response.ok) throw await errorFor(response, requestLine);
    return (await response.json()) as T;
  }
}

async function errorFor(response: Response, requestLine: string): Promise<Error> {
  const detail = await readErrorText(response);
  if (response.status === 401) return new UnauthorizedError(`${requestLine} was rejected: ${detail}`);
  if (response.status === 403) return new ForbiddenError(`${requestLine} was forbidden: ${detail}`);
  return new ApiRequestError(response.status, `${requestLine} failed with HTTP ${response.status}: ${detail}`);
}

async function readErrorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // The body was not JSON; the status text describes it instead.
  }
  return response.statusText === '' ? 'no details' : response.statusText;
}
