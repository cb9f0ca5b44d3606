import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { InvalidJsonBodyError, readJsonObject, sendError, sendJson } from '../common/http-json.js';
import { closeHttp, listenHttp } from '../common/listen.js';
import type { ApiServer } from '../common/system-process.js';
import { RelayError } from './relay-errors.js';
import { routeRequest, type Router } from './route-request.js';

/**
 * RelayCore's HTTP API:
 * - `POST /v1/route` with `{"model", "prompt"}` responds 200 `{"model", "provider", "servedBy",
 *   "output"}`; 400 for an invalid body, 404 for a model without a route, 500 for a broken
 *   route, 502/503/504 when the provider failed, was unavailable or timed out;
 * - `GET /v1/routes` responds `{"routes": {model: provider}, "providers": [{name, state, outage}]}`.
 * Errors are `{"error": "..."}`. An invalid request is the caller's mistake, so no span records it.
 */

export async function startRelayApi(options: { router: Router; host: string; port: number; logger: Logger }): Promise<ApiServer> {
  const logger = options.logger.child({ component: 'api' });
  const server = createServer((request, response) => {
    handleRequest(options.router, request, response, logger).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed unexpectedly');
      if (!response.headersSent) sendError(response, 500, 'internal error');
    });
  });
  const address = await listenHttp(server, options.host, options.port);
  return { address, close: () => closeHttp(server) };
}

async function handleRequest(router: Router, request: IncomingMessage, response: ServerResponse, logger: Logger): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://relaycore').pathname;
  if (request.method === 'POST' && path === '/v1/route') {
    await handleRoute(router, request, response, logger);
    return;
  }
  if (request.method === 'GET' && path === '/v1/routes') {
    sendJson(response, 200, { routes: router.routes.snapshot(), providers: router.providers.view() });
    return;
  }
  sendError(response, 404, `no route for ${request.method ?? ''} ${path}`);
}

async function handleRoute(router: Router, request: IncomingMessage, response: ServerResponse, logger: Logger): Promise<void> {
  let body: Record<string, unknown>;
  try {
    body = await readJsonObject(request);
  } catch (error) {
    if (!(error instanceof InvalidJsonBodyError)) throw error;
    sendError(response, error.statusCode, `invalid request: ${error.message}`);
    return;
  }

  const { model, prompt } = body;
  if (typeof model !== 'string' || model === '') {
    sendError(response, 400, `invalid request: model must be a non-empty string, got ${JSON.stringify(model)}`);
    return;
  }
  if (typeof prompt !== 'string') {
    sendError(response, 400, `invalid request: prompt must be a string, got ${JSON.stringify(prompt)}`);
    return;
  }
  const providerName = router.routes.providerOf(model);
  if (providerName === undefined) {
    sendError(response, 404, `no route for model ${JSON.stringify(model)}; routed models are ${router.routes.models().join(', ')}`);
    return;
  }

  try {
    const completion = await routeRequest(router, { model, prompt }, providerName);
    sendJson(response, 200, { model, provider: completion.provider, servedBy: completion.servedBy, output: completion.output });
  } catch (error) {
    if (!(error instanceof RelayError)) throw error;
    logger.debug({ err: error, model, provider: providerName }, 'route failed');
    sendError(response, error.httpStatus, error.message);
  }
}
