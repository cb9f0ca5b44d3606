import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { FaultRejectedError, type FaultInjector } from './fault-injector.js';
import { InvalidJsonBodyError, readJsonObject, sendError, sendJson } from './http-json.js';
import { listenHttp } from './listen.js';

/**
 * The fault admin HTTP server, opened only with `--enable-fault-injection`:
 * - `POST /faults` with `{"fault": "<name>", "target": "<optional>"}` switches a fault on;
 * - `DELETE /faults` switches every fault off and returns the system to its start state;
 * - `GET /faults` lists the faults that are on.
 * Each responds `{"faults": [{"fault", "target"}]}` with the faults on afterwards; errors are
 * `{"error": "..."}` with 400 (invalid request), 404 (other path) or 405 (other method).
 */

const FAULTS_PATH = '/faults';

export interface FaultAdminServer {
  server: Server;
  /** The bound address as `host:port`. */
  address: string;
}

/** Starts the admin server on `host:port`. */
export async function startFaultAdminServer(options: { injector: FaultInjector; host: string; port: number; logger: Logger }): Promise<FaultAdminServer> {
  const logger = options.logger.child({ component: 'fault-admin' });
  const server = createServer((request, response) => {
    handleAdminRequest(request, response, options.injector, logger).catch((error: unknown) => {
      logger.error({ err: error }, 'admin request failed');
      if (!response.headersSent) sendError(response, 500, 'admin request failed');
    });
  });
  const address = await listenHttp(server, options.host, options.port);
  return { server, address };
}

async function handleAdminRequest(request: IncomingMessage, response: ServerResponse, injector: FaultInjector, logger: Logger): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://admin').pathname;
  if (path !== FAULTS_PATH) {
    sendError(response, 404, `no route for ${path}; use ${FAULTS_PATH}`);
    return;
  }

  switch (request.method) {
    case 'GET':
      sendJson(response, 200, { faults: injector.list() });
      return;
    case 'DELETE':
      injector.clearAll();
      logger.info('faults cleared');
      sendJson(response, 200, { faults: injector.list() });
      return;
    case 'POST':
      await injectFault(request, response, injector, logger);
      return;
    default:
      response.setHeader('allow', 'GET, POST, DELETE');
      sendError(response, 405, `method ${request.method ?? ''} is not allowed on ${FAULTS_PATH}`);
  }
}

async function injectFault(request: IncomingMessage, response: ServerResponse, injector: FaultInjector, logger: Logger): Promise<void> {
  let body: Record<string, unknown>;
  try {
    body = await readJsonObject(request);
  } catch (error) {
    if (!(error instanceof InvalidJsonBodyError)) throw error;
    sendError(response, error.statusCode, error.message);
    return;
  }

  const { fault, target } = body;
  if (typeof fault !== 'string' || !injector.faultNames.includes(fault)) {
    sendError(response, 400, `fault must be one of ${injector.faultNames.join(', ')}, got ${JSON.stringify(fault)}`);
    return;
  }
  if (target !== undefined && target !== null && typeof target !== 'string') {
    sendError(response, 400, `target must be a string when given, got ${JSON.stringify(target)}`);
    return;
  }

  try {
    const active = injector.inject(fault, typeof target === 'string' && target !== '' ? target : undefined);
    logger.info({ fault: active.fault, target: active.target }, 'fault injected');
  } catch (error) {
    if (!(error instanceof FaultRejectedError)) throw error;
    sendError(response, 400, error.message);
    return;
  }
  sendJson(response, 200, { faults: injector.list() });
}
