import type { Incident, IncidentState } from '../correlation/incident.js';
import type { Verdict } from '../correlation/verdict.js';

/** Filters of `GET /api/v1/incidents`; an absent field matches everything. */
export interface IncidentFilter {
  state?: IncidentState;
  system?: string;
  service?: string;
}

/** The state the status API reads. The API owns none of it. */
export interface StatusSource {
  /** Pipeline counters, buffer figures and open incidents, as one JSON-ready object. */
  status(): Record<string, unknown>;
  incidents(filter: IncidentFilter): Incident[];
  /** The cached verdict of a recently analyzed trace, if any. */
  verdict(traceId: string): Verdict | undefined;
  /** Every service and dependency seen, with calls and errors per edge. */
  serviceGraph(): unknown;
}

/**
 * What the status API serves at `/metrics`: Prometheus text rendered on demand, and the
 * histogram of the API's own request latency.
 */
export interface MetricsEndpoint {
  /** The Content-Type of the rendered text, for example `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
  render(): Promise<string>;
  /** Records one finished API request; `route` is the route pattern, not the raw path. */
  observeRequest(route: string, method: string, statusCode: number, durationSeconds: number): void;
}
