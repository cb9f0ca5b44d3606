import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { joinHostPort, parseEndpoint } from '../config/endpoint.js';
import type { IncidentState } from '../correlation/incident.js';
import type { StatusApiConfig } from './config.js';
import type { IncidentFilter, StatusSource } from './status-source.js';

const INCIDENT_STATES: readonly IncidentState[] = ['open', 'mitigating', 'escalated', 'resolved'];
const TRACE_ID = /^[0-9a-f]{32}$/;
const TRACE_PATH = /^\/api\/v1\/traces\/([^/]+)$/;

/** A request the API cannot serve; carries the HTTP status and a message for the client. */
class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The read-only status API: JSON over HTTP on the `status_api` endpoint.
 * `GET /api/v1/status`, `GET /api/v1/incidents`, `GET /api/v1/traces/{traceId}`,
 * `GET /api/v1/service-graph`.
 */
export class StatusServer {
  private readonly server: Server;
  private readonly logger: Logger;
  private listening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: StatusApiConfig,
    private readonly source: StatusSource,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: 'status_api' });
    this.server = createServer((request, response) => this.handle(request, response));
  }

  /** Starts listening; resolves once bound. Calling it again returns the same promise. */
  start(): Promise<void> {
    this.listening ??= new Promise((resolve, reject) => {
      const { host, port } = parseEndpoint(this.config.endpoint) ?? { host: '127.0.0.1', port: 4319 };
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.listening;
  }

  /** Returns the bound address as host:port, with the real port when 0 was configured. */
  address(): string {
    const bound = this.server.address() as AddressInfo | null;
    if (bound === null) return this.config.endpoint;
    return joinHostPort(bound.address, bound.port);
  }

  /** Stops accepting connections and closes idle ones. Idempotent. */
  shutdown(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    return this.closing;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    try {
      const body = this.route(request);
      sendJson(response, 200, body);
    } catch (error) {
      if (error instanceof ApiError) {
        sendJson(response, error.statusCode, { error: error.message });
        return;
      }
      this.logger.error({ err: error, url: request.url }, 'status request failed');
      sendJson(response, 500, { error: 'internal error; see the Faultline log' });
    }
  }

  private route(request: IncomingMessage): unknown {
    const url = new URL(request.url ?? '/', 'http://status.invalid');
    if (request.method !== 'GET') {
      throw new ApiError(405, `method ${request.method ?? ''} is not allowed; the status API is read-only and takes GET`);
    }

    if (url.pathname === '/api/v1/status') return this.source.status();
    if (url.pathname === '/api/v1/incidents') return { incidents: this.source.incidents(readIncidentFilter(url)) };
    if (url.pathname === '/api/v1/service-graph') return this.source.serviceGraph();

    const traceMatch = TRACE_PATH.exec(url.pathname);
    if (traceMatch !== null) return this.traceVerdict(traceMatch[1] ?? '');

    throw new ApiError(404, `no route for ${url.pathname}; see /api/v1/status, /api/v1/incidents, /api/v1/traces/{traceId}, /api/v1/service-graph`);
  }

  private traceVerdict(rawTraceId: string): unknown {
    const traceId = decodeURIComponent(rawTraceId).toLowerCase();
    if (!TRACE_ID.test(traceId)) {
      throw new ApiError(400, `trace id must be 32 hex characters, got ${JSON.stringify(rawTraceId)}`);
    }
    const verdict = this.source.verdict(traceId);
    if (verdict === undefined) {
      throw new ApiError(404, `no verdict for trace ${traceId}; it was not seen, is still buffered, or left the verdict cache`);
    }
    return verdict;
  }
}

function readIncidentFilter(url: URL): IncidentFilter {
  const filter: IncidentFilter = {};
  for (const key of url.searchParams.keys()) {
    if (key !== 'state' && key !== 'system' && key !== 'service') {
      throw new ApiError(400, `unknown query parameter ${JSON.stringify(key)}; use state, system or service`);
    }
  }

  const state = url.searchParams.get('state');
  if (state !== null) {
    if (!(INCIDENT_STATES as readonly string[]).includes(state)) {
      throw new ApiError(400, `state must be one of ${INCIDENT_STATES.join(', ')}, got ${JSON.stringify(state)}`);
    }
    filter.state = state as IncidentState;
  }
  const system = url.searchParams.get('system');
  if (system !== null) filter.system = system;
  const service = url.searchParams.get('service');
  if (service !== null) filter.service = service;
  return filter;
}

function sendJson(response: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  response.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}
