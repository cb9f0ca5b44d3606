import { Histogram, type Registry } from 'prom-client';

/** Bucket bounds of the status API's request duration, in seconds. */
const REQUEST_DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Methods exported as themselves; any other method a client sends is exported as `other`. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Distinct `route` values exported; later new routes are exported as `other`. The status API
 * passes route patterns, so a few dozen are expected; the cap bounds the series if a caller
 * passes raw paths by mistake.
 */
export const MAX_ROUTES = 64;

/** The status API's request duration histogram, with label values kept to a bounded set. */
export class ApiRequestMetrics {
  private readonly histogram: Histogram<'route' | 'method' | 'code'>;
  private readonly routes = new Set<string>();

  constructor(registry: Registry) {
    this.histogram = new Histogram({
      name: 'faultline_api_request_duration_seconds',
      help: 'Duration of status API requests, from arrival to the end of the response. route is the route pattern; code is the HTTP status code.',
      labelNames: ['route', 'method', 'code'],
      buckets: REQUEST_DURATION_BUCKETS_SECONDS,
      registers: [registry],
    });
  }

  observe(route: string, method: string, statusCode: number, durationSeconds: number): void {
    if (!Number.isFinite(durationSeconds) || durationSeconds < 0) return;

    const labels = { route: this.routeLabel(route), method: methodLabel(method), code: String(statusCode) };
    this.histogram.observe(labels, durationSeconds);
  }

  private routeLabel(route: string): string {
    if (this.routes.has(route)) return route;
    if (this.routes.size >= MAX_ROUTES) return 'other';
    this.routes.add(route);
    return route;
  }
}

function methodLabel(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : 'other';
}
