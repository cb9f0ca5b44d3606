import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { RecoveryResult } from '../recovery/recovery-engine.js';
import { ApiError } from './api-error.js';
import { encodeCursor, INCIDENT_LIST_PARAMETERS, readIncidentListQuery } from './incident-query.js';
import { toIncidentView } from './incident-view.js';
import { readJsonObject } from './json-io.js';
import type { Route, RouteContext, RouteReply } from './router.js';
import { neighbourhoodOf } from './service-graph-neighbourhood.js';
import type { StatusSource } from './status-source.js';

const INCIDENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_ACKNOWLEDGER_LENGTH = 200;

/** The reason a recovery did not start, as the 409 message words it. */
const NOT_STARTED_REASONS: Record<string, string> = {
  no_policy: 'no recovery policy matches the incident',
  skipped_error_kind: 'the incident error kind is listed in never_act_on',
  incident_not_found: 'the incident is not known',
  incident_resolved: 'the incident is resolved',
  engine_stopped: 'the recovery engine is shutting down',
};

interface IncidentRouteOptions {
  source: StatusSource;
  logger: Logger;
  /** With auth, the acknowledger is the token's subject; without it, the body's `by`. */
  authEnabled: boolean;
}

/** Builds the incident routes: list, detail, and the operator actions recover, resolve and acknowledge. */
export function incidentRoutes(options: IncidentRouteOptions): Route[] {
  const { source, logger } = options;
  const json = (statusCode: number, body: unknown): RouteReply => ({ kind: 'json', statusCode, body });

  return [
    {
      method: 'GET',
      pattern: '/api/v1/incidents',
      access: 'viewer',
      query: INCIDENT_LIST_PARAMETERS,
      handle: ({ url }) => {
        const query = readIncidentListQuery(url);
        const page = source.incidentPage(query.filter, query.limit, query.after);
        const incidents = page.incidents.map((incident) => toIncidentView(incident, source));
        return json(200, { incidents, nextCursor: page.next === undefined ? null : encodeCursor(page.next) });
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/incidents/{id}',
      access: 'viewer',
      handle: ({ params }) => {
        const incident = source.incident(incidentIdOf(params));
        if (incident === undefined) throw notFound(incidentIdOf(params));
        return json(200, {
          incident: toIncidentView(incident, source),
          rootCauseCandidates: source.rootCauseCandidates(incident.id),
          serviceGraph: neighbourhoodOf(source.serviceGraph(), incident.rootCause),
          recoveryHistory: source.recoveryHistory(incident.id),
        });
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/incidents/{id}/recover',
      access: 'operator',
      handle: (context) => recover(context, source, logger),
    },
    {
      method: 'POST',
      pattern: '/api/v1/incidents/{id}/resolve',
      access: 'operator',
      handle: async ({ request, params, principal }) => {
        await readBody(request, []);
        const incident = source.resolve(incidentIdOf(params));
        logger.info({ incidentId: incident.id, by: principal?.subject }, 'incident resolved through the status API');
        return json(200, { incident: toIncidentView(incident, source) });
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/incidents/{id}/acknowledge',
      access: 'operator',
      handle: async ({ request, params, principal }) => {
        const body = await readBody(request, ['by']);
        const by = options.authEnabled ? (principal?.subject ?? 'unknown') : acknowledgerOf(body);
        const incident = source.acknowledge(incidentIdOf(params), by);
        return json(200, { incident: toIncidentView(incident, source) });
      },
    },
  ];
}

/**
 * Starts recovery and responds without waiting for it to end: 202 with `outcome: "running"`
 * and the current step while it runs, 202 with the result when it ended at once, 409 when it
 * did not start. Progress follows on the event stream.
 */
async function recover({ request, params }: RouteContext, source: StatusSource, logger: Logger): Promise<RouteReply> {
  await readBody(request, []);
  const id = incidentIdOf(params);
  const incident = source.incident(id);
  if (incident === undefined) throw notFound(id);
  if (incident.state === 'resolved') throw new ApiError(409, `incident ${id} is resolved; there is nothing to recover`);

  const running = source.recover(id);
  const settled = await Promise.race([running.then((result): RecoveryResult => result), nextTurn().then(() => undefined)]);
  if (settled === undefined) {
    running.catch((error: unknown) => logger.error({ err: error, incidentId: id }, 'recovery started through the status API failed'));
    const state = source.recoveryState(id);
    return { kind: 'json', statusCode: 202, body: { result: { outcome: 'running', incidentId: id, currentStep: state?.currentStep ?? null } } };
  }
  if (settled.outcome === 'not_started') {
    throw new ApiError(409, `recovery of incident ${id} did not start: ${NOT_STARTED_REASONS[settled.reason] ?? settled.reason}`);
  }
  return { kind: 'json', statusCode: 202, body: { result: settled } };
}

function incidentIdOf(params: Record<string, string>): string {
  const id = params['id'] ?? '';
  if (!INCIDENT_ID.test(id)) throw new ApiError(400, `incident id must be 1 to 128 letters, digits, ".", "_", ":" or "-", got ${JSON.stringify(id)}`);
  return id;
}

function notFound(id: string): ApiError {
  return new ApiError(404, `incident ${id} not found; it never existed or was resolved long enough ago to be dropped`);
}

async function readBody(request: RouteContext['request'], fields: readonly string[]): Promise<Record<string, unknown>> {
  const body = await readJsonObject(request);
  for (const key of Object.keys(body)) {
    if (!fields.includes(key)) {
      throw new ApiError(400, `unknown field ${JSON.stringify(key)} in the request body; ${fields.length === 0 ? 'send no body' : `use ${fields.join(', ')}`}`);
    }
  }
  return body;
}

function acknowledgerOf(body: Record<string, unknown>): string {
  const by = body['by'];
  if (by === undefined) return 'anonymous';
  if (typeof by !== 'string' || by.trim() === '' || by.length > MAX_ACKNOWLEDGER_LENGTH) {
    throw new ApiError(400, `by must be a non-empty string of at most ${MAX_ACKNOWLEDGER_LENGTH} characters, got ${JSON.stringify(by)}`);
  }
  return by.trim();
}
