import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { joinHostPort, parseEndpoint } from '../config/endpoint.js';
import { IncidentNotFoundError, IncidentResolvedError } from '../correlation/incident-tracker.js';
import { ApiError } from './api-error.js';
import { apiRoutes } from './api-routes.js';
import type { StatusApiConfig } from './config.js';
import { EventStreamHub } from './event-stream.js';
import { sendJson } from './json-io.js';
import { JwtAuthenticator, type Principal } from './jwt-authenticator.js';
import { checkQuery, Router, type HttpMethod, type RouteMatch } from './router.js';
import { StaticFiles } from './static-files.js';
import { RecoveryNotConfiguredError, type MetricsEndpoint, type StatusSource } from './status-source.js';

/** The route label of requests that matched no route, for request metrics. */
const UNMATCHED_ROUTE = 'unmatched';
/** How long shutdown waits for open requests before it closes their connections, by default. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface StatusServerOptions {
  /** The Prometheus endpoint served at `/metrics`, which also records every request. Without it there is no `/metrics`. */
  metrics?: MetricsEndpoint;
  /** The dashboard's built files; default `dashboard/dist/` at the repository root. */
  dashboardDirectory?: string;
  /** How long shutdown waits for open requests before it closes their connections; default 5 s. */
  shutdownGraceMs?: number;
}

/**
 * The status API: JSON over HTTP on the `status_api` endpoint, an event stream, `/metrics`
 * and the dashboard's files. Each request is matched to a route, then its bearer token and
 * role are checked (when auth is configured and the route is not open), then its query
 * parameters, then the route's handler runs. The routes are listed in `api-routes.ts`.
 */
export class StatusServer {
  private readonly server: Server;
  private readonly logger: Logger;
  private readonly router: Router;
  private readonly events: EventStreamHub;
  private readonly authenticator: JwtAuthenticator | undefined;
  private readonly metrics: MetricsEndpoint | undefined;
  private readonly shutdownGraceMs: number;
  private listening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: StatusApiConfig,
    source: StatusSource,
    logger: Logger,
    options: StatusServerOptions = {},
  ) {
    this.logger = logger.child({ component: 'status_api' });
    this.metrics = options.metrics;
    this.shutdownGraceMs = options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
    this.events = new EventStreamHub(source, logger);
    this.authenticator = config.auth === undefined ? undefined : new JwtAuthenticator(config.auth.jwt, config.auth.key);
    const staticFiles = new StaticFiles(options.dashboardDirectory);
    this.router = new Router(apiRoutes({ config, source, events: this.events, staticFiles, metrics: options.metrics, logger: this.logger }));
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
  }

  /** Starts listening; resolves once bound. Calling it again returns the same promise. */
  start(): Promise<void> {
    this.listening ??= new Promise((resolve, reject) => {
      const { host, port } = parseEndpoint(this.config.endpoint) ?? { host: '127.0.0.1', port: 4319 };
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        this.events.start();
        this.logger.info({ endpoint: this.address(), auth: this.config.auth === undefined ? 'none' : 'jwt' }, 'status api listening');
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

  /** Returns every route's method and pattern. */
  routes(): { method: HttpMethod; pattern: string }[] {
    return this.router.list();
  }

  /**
   * Ends event streams, stops accepting connections and closes idle ones. Connections still
   * open after the shutdown grace period (a client that never finishes its body) are closed.
   * Idempotent.
   */
  shutdown(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.events.shutdown();
      if (!this.server.listening) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        this.logger.warn({ graceMs: this.shutdownGraceMs }, 'closing status API connections still open after the shutdown grace period');
        this.server.closeAllConnections();
      }, this.shutdownGraceMs);
      timer.unref();
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.server.closeIdleConnections();
    });
    return this.closing;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = process.hrtime.bigint();
    let routeLabel = UNMATCHED_ROUTE;
    response.once('close', () => {
      const durationSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      this.metrics?.observeRequest(routeLabel, request.method ?? '', response.statusCode, durationSeconds);
    });

    try {
      const url = new URL(request.url ?? '/', 'http://status.invalid');
      const match = this.router.match(request.method ?? '', url.pathname);
      routeLabel = match.route.pattern;
      await this.dispatch(match, request, response, url);
    } catch (error) {
      this.sendError(request, response, error);
    }
  }

  private async dispatch(match: RouteMatch, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const { route, params } = match;
    const principal = await this.authenticate(request, route.access);
    checkQuery(route, url);

    const reply = await route.handle({ request, response, url, params, principal });
    if (reply.kind === 'json') sendJson(response, reply.statusCode, reply.body);
  }

  private async authenticate(request: IncomingMessage, access: 'open' | 'viewer' | 'operator'): Promise<Principal | undefined> {
    if (this.authenticator === undefined || access === 'open') return undefined;
    const principal = await this.authenticator.authenticate(request.headers.authorization);
    this.authenticator.authorize(principal, access);
    return principal;
  }

  private sendError(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    if (request.readableAborted) {
      // The client went away before its request was complete; nothing is wrong on this side.
      this.logger.debug({ err: error, url: request.url }, 'status request aborted by the client');
      return;
    }
    if (response.headersSent) {
      this.logger.warn({ err: error, url: request.url }, 'status response failed after its headers were sent');
      response.destroy();
      return;
    }
    if (error instanceof ApiError) {
      sendJson(response, error.statusCode, { error: error.message }, error.headers);
      return;
    }
    if (error instanceof IncidentNotFoundError) {
      sendJson(response, 404, { error: `${error.message}; it never existed or was resolved long enough ago to be dropped` });
      return;
    }
    if (error instanceof IncidentResolvedError || error instanceof RecoveryNotConfiguredError) {
      sendJson(response, 409, { error: error.message });
      return;
    }
    this.logger.error({ err: error, url: request.url }, 'status request failed');
    sendJson(response, 500, { error: 'internal error; see the Faultline log' });
  }
}
