import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { InvalidJsonBodyError, readJsonObject, sendError, sendJson } from '../common/http-json.js';
import { closeHttp, listenHttp } from '../common/listen.js';
import type { ApiServer } from '../common/system-process.js';
import { viewRun } from './run-store.js';
import { UnknownWorkflowError, type RunService } from './run-service.js';

/**
 * AutoMatrix's HTTP API:
 * - `POST /runs` with `{"workflow"}` queues a run and responds 202 `{"runId", "traceId"}`, the
 *   trace of the run's first attempt; 400 for an invalid body or an unknown workflow;
 * - `GET /runs/{id}` responds with the run (status `queued`, `running`, `succeeded` or
 *   `failed`, its steps and error), or 404;
 * - `GET /stats` responds with counts of runs by status, the workers and the paused workflows.
 */

const RUN_PATH = /^\/runs\/([^/]+)$/;

export async function startAutomatrixApi(options: { runs: RunService; host: string; port: number; logger: Logger }): Promise<ApiServer> {
  const logger = options.logger.child({ component: 'api' });
  const server = createServer((request, response) => {
    handleRequest(options.runs, request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed unexpectedly');
      if (!response.headersSent) sendError(response, 500, 'internal error');
    });
  });
  const address = await listenHttp(server, options.host, options.port);
  return { address, close: () => closeHttp(server) };
}

async function handleRequest(runs: RunService, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://automatrix').pathname;
  if (request.method === 'POST' && path === '/runs') {
    await submitRun(runs, request, response);
    return;
  }
  if (request.method === 'GET' && path === '/stats') {
    sendJson(response, 200, runs.stats());
    return;
  }

  const runId = request.method === 'GET' ? RUN_PATH.exec(path)?.[1] : undefined;
  if (runId !== undefined) {
    const run = runs.store.find(decodeURIComponent(runId));
    if (run === undefined) sendError(response, 404, `run ${JSON.stringify(runId)} not found`);
    else sendJson(response, 200, viewRun(run));
    return;
  }
  sendError(response, 404, `no route for ${request.method ?? ''} ${path}`);
}

async function submitRun(runs: RunService, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let body: Record<string, unknown>;
  try {
    body = await readJsonObject(request);
  } catch (error) {
    if (!(error instanceof InvalidJsonBodyError)) throw error;
    sendError(response, error.statusCode, error.message);
    return;
  }

  const { workflow } = body;
  if (typeof workflow !== 'string' || workflow === '') {
    sendError(response, 400, `workflow must be a non-empty string, got ${JSON.stringify(workflow)}`);
    return;
  }

  const requestSpan = trace.getActiveSpan()?.spanContext();
  try {
    const run = runs.submit(workflow, requestSpan === undefined ? [] : [requestSpan]);
    sendJson(response, 202, { runId: run.id, traceId: run.traceId });
  } catch (error) {
    if (!(error instanceof UnknownWorkflowError)) throw error;
    sendError(response, 400, error.message);
  }
}
