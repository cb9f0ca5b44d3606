import type { Logger } from 'pino';
import { ApiError } from './api-error.js';
import type { StatusApiConfig } from './config.js';
import type { EventStreamHub } from './event-stream.js';
import { incidentRoutes } from './incident-routes.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import type { Route, RouteReply } from './router.js';
import type { StaticFiles } from './static-files.js';
import type { MetricsEndpoint, StatusSource } from './status-source.js';

const TRACE_ID = /^[0-9a-f]{32}$/;

export interface ApiRouteOptions {
  config: StatusApiConfig;
  source: StatusSource;
  events: EventStreamHub;
  staticFiles: StaticFiles;
  metrics: MetricsEndpoint | undefined;
  logger: Logger;
}

const json = (statusCode: number, body: unknown): RouteReply => ({ kind: 'json', statusCode, body });

/** Builds every route of the status API; `GET /api/v1/openapi.json` describes the same list. */
export function apiRoutes(options: ApiRouteOptions): Route[] {
  const { config, source, events, staticFiles, metrics } = options;
  const routes: Route[] = [
    { method: 'GET', pattern: '/healthz', access: 'open', handle: () => json(200, { status: 'ok' }) },
    {
      method: 'GET',
      pattern: '/readyz',
      access: 'open',
      handle: () => (source.isReady() ? json(200, { status: 'ready' }) : json(503, { status: 'starting', error: 'Faultline is starting or shutting down' })),
    },
    {
      method: 'GET',
      pattern: '/api/v1/ui-config',
      access: 'open',
      handle: () => {
        const body: Record<string, unknown> = { authRequired: config.auth !== undefined, traceUrlTemplate: config.trace_url_template ?? null };
        if (config.auth !== undefined) body['rolesClaim'] = config.auth.jwt.roles_claim;
        return json(200, body);
      },
    },
    { method: 'GET', pattern: '/api/v1/openapi.json', access: 'viewer', handle: () => json(200, OPENAPI_DOCUMENT) },
    { method: 'GET', pattern: '/api/v1/status', access: 'viewer', handle: () => json(200, source.status()) },
    ...incidentRoutes({ source, logger: options.logger, authEnabled: config.auth !== undefined }),
    { method: 'GET', pattern: '/api/v1/traces/{traceId}', access: 'viewer', handle: ({ params }) => json(200, traceVerdict(source, params['traceId'] ?? '')) },
    { method: 'GET', pattern: '/api/v1/service-graph', access: 'viewer', handle: () => json(200, source.serviceGraph()) },
    {
      method: 'GET',
      pattern: '/api/v1/events',
      access: 'viewer',
      handle: ({ response, principal }) => {
        events.open(response, principal?.expiresAtMs);
        return { kind: 'written' };
      },
    },
    {
      method: 'GET',
      pattern: '/',
      access: 'open',
      handle: async ({ response }) => {
        await staticFiles.serveIndex(response);
        return { kind: 'written' };
      },
    },
    {
      method: 'GET',
      pattern: '/assets/{path}',
      access: 'open',
      restParam: 'path',
      handle: async ({ response, params }) => {
        await staticFiles.serveAsset(response, params['path'] ?? '');
        return { kind: 'written' };
      },
    },
  ];
  if (metrics !== undefined) {
    routes.push({
      method: 'GET',
      pattern: '/metrics',
      access: 'viewer',
      handle: async ({ response }) => {
        const text = await metrics.render();
        response.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
        response.end(text);
        return { kind: 'written' };
      },
    });
  }
  return routes;
}

function traceVerdict(source: StatusSource, rawTraceId: string): unknown {
  const traceId = rawTraceId.toLowerCase();
  if (!TRACE_ID.test(traceId)) {
    throw new ApiError(400, `trace id must be 32 hex characters, got ${JSON.stringify(rawTraceId)}`);
  }
  const verdict = source.verdict(traceId);
  if (verdict === undefined) {
    throw new ApiError(404, `no verdict for trace ${traceId}; it was not seen, is still buffered, or left the verdict cache`);
  }
  return verdict;
}
