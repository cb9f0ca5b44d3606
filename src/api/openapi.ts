/**
 * The OpenAPI 3.1 description of the status API, served at `GET /api/v1/openapi.json`.
 * A test checks that every path and method here is served and every served route is here.
 */

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

const jsonContent = (schema: unknown): Record<string, unknown> => ({ 'application/json': { schema } });

const errorResponse = (description: string): Record<string, unknown> => ({ description, content: jsonContent(ref('Error')) });

/** The error responses every protected route can send. */
const AUTH_ERRORS = {
  '401': errorResponse('Missing, malformed, expired or otherwise invalid bearer token; `WWW-Authenticate: Bearer error="invalid_token"` says why'),
  '403': errorResponse('The token lacks the role the route needs'),
};

const OPEN = { security: [] };

const incidentIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } };

const incidentAction = (summary: string, description: string, okStatus: string, okSchema: unknown): Record<string, unknown> => ({
  summary,
  description,
  tags: ['incidents'],
  'x-required-role': 'operator',
  parameters: [incidentIdParameter],
  requestBody: { required: false, content: jsonContent({ type: 'object' }) },
  responses: {
    [okStatus]: { description: summary, content: jsonContent(okSchema) },
    '400': errorResponse('Invalid incident id, invalid JSON body or unknown body field'),
    ...AUTH_ERRORS,
    '404': errorResponse('Unknown incident'),
    '409': errorResponse('The incident is resolved, recovery is not configured, or recovery did not start'),
  },
});

const getOperation = (summary: string, schema: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  summary,
  'x-required-role': 'viewer',
  responses: { '200': { description: summary, content: jsonContent(schema) }, ...AUTH_ERRORS },
  ...extra,
});

const PATHS = {
  '/healthz': { get: { summary: 'Liveness', ...OPEN, responses: { '200': { description: 'The process serves requests', content: jsonContent({ type: 'object', properties: { status: { const: 'ok' } } }) } } } },
  '/readyz': {
    get: {
      summary: 'Readiness',
      ...OPEN,
      responses: {
        '200': { description: 'Every component started', content: jsonContent({ type: 'object', properties: { status: { const: 'ready' } } }) },
        '503': { description: 'Starting or shutting down', content: jsonContent(ref('Error')) },
      },
    },
  },
  '/api/v1/ui-config': { get: { summary: 'Settings the dashboard needs before it has a token', ...OPEN, responses: { '200': { description: 'UI settings', content: jsonContent(ref('UiConfig')) } } } },
  '/api/v1/openapi.json': { get: getOperation('This document', { type: 'object' }) },
  '/api/v1/status': { get: getOperation('Pipeline counters, incident counts, recovery figures and per-system health', ref('Status')) },
  '/api/v1/incidents': {
    get: getOperation('Incidents, newest first, one page at a time', ref('IncidentPage'), {
      tags: ['incidents'],
      parameters: [
        { name: 'state', in: 'query', schema: { enum: ['open', 'mitigating', 'escalated', 'resolved'] } },
        { name: 'system', in: 'query', description: 'Root-cause system (`service.namespace`)', schema: { type: 'string' } },
        { name: 'service', in: 'query', description: 'Root-cause service', schema: { type: 'string' } },
        { name: 'since', in: 'query', description: 'Only incidents opened at or after this time, Unix milliseconds', schema: { type: 'integer', minimum: 0 } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        { name: 'cursor', in: 'query', description: 'The `nextCursor` of the previous page, unchanged', schema: { type: 'string' } },
      ],
    }),
  },
  '/api/v1/incidents/{id}': {
    get: getOperation('One incident with its root-cause candidates, service-graph neighbourhood and recovery history', ref('IncidentDetail'), {
      tags: ['incidents'],
      parameters: [incidentIdParameter],
    }),
  },
  '/api/v1/incidents/{id}/recover': {
    post: incidentAction(
      'Start recovery now',
      'Answers without waiting for the recovery to end: `result.outcome` is `running` while it runs, or the engine result when it ended at once. Progress follows as `recovery` events.',
      '202',
      ref('RecoverResponse'),
    ),
  },
  '/api/v1/incidents/{id}/resolve': { post: incidentAction('Resolve by hand', 'Resolving a resolved incident returns it unchanged.', '200', ref('IncidentResponse')) },
  '/api/v1/incidents/{id}/acknowledge': {
    post: incidentAction(
      'Acknowledge',
      'Records who acknowledged the incident and when, and sends an `acknowledged` event. With auth, the acknowledger is the token `sub`; without it, the optional body `{"by": "name"}` (default `anonymous`). The first acknowledgement stays.',
      '200',
      ref('IncidentResponse'),
    ),
  },
  '/api/v1/traces/{traceId}': {
    get: getOperation('The verdict of a recently analyzed trace', ref('Verdict'), {
      parameters: [{ name: 'traceId', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' } }],
    }),
  },
  '/api/v1/service-graph': { get: getOperation('Every service and the calls between them', ref('ServiceGraphSnapshot')) },
  '/api/v1/events': {
    get: getOperation('Server-Sent Events: `event: incident` with `{type, incident}`, `event: recovery` with an audit record, `: keepalive` every 15 s', { type: 'string' }, {
      responses: { '200': { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...AUTH_ERRORS, '503': errorResponse('Too many streams open') },
    }),
  },
  '/metrics': {
    get: getOperation('Prometheus metrics (served when metrics are enabled)', { type: 'string' }, {
      responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...AUTH_ERRORS },
    }),
  },
  '/': { get: { summary: 'The dashboard', ...OPEN, responses: { '200': { description: 'index.html', content: { 'text/html': {} } }, '404': errorResponse('The dashboard is not built') } } },
  '/assets/{path}': {
    get: {
      summary: 'Dashboard files; `path` may contain slashes',
      ...OPEN,
      parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': { description: 'The file, with its content type' }, '400': errorResponse('A path with `..` or another invalid part'), '404': errorResponse('No such file, or the dashboard is not built') },
    },
  },
};

const nullable = (schema: Record<string, unknown>): Record<string, unknown> => ({ oneOf: [schema, { type: 'null' }] });
const hop = { type: 'object', required: ['service', 'system'], properties: { service: { type: 'string' }, system: { type: 'string' } } };

const SCHEMAS = {
  Error: { type: 'object', required: ['error'], properties: { error: { type: 'string', description: 'What was wrong' } } },
  UiConfig: {
    type: 'object',
    required: ['authRequired', 'traceUrlTemplate'],
    properties: { authRequired: { type: 'boolean' }, traceUrlTemplate: nullable({ type: 'string' }), rolesClaim: { type: 'string' } },
  },
  PathHop: hop,
  IncidentView: {
    type: 'object',
    required: ['id', 'key', 'state', 'rootCause', 'fingerprints', 'propagationPath', 'openedAtMs', 'lastSeenAtMs', 'resolvedAtMs', 'failingTraces', 'errorRatio', 'sampleTraceIds', 'acknowledged', 'recovery'],
    properties: {
      id: { type: 'string' },
      key: { type: 'string' },
      state: { enum: ['open', 'mitigating', 'escalated', 'resolved'] },
      rootCause: { type: 'object', properties: { service: { type: 'string' }, system: { type: 'string' }, errorKind: { type: 'string' }, operations: { type: 'array', items: { type: 'string' } } } },
      fingerprints: { type: 'array', items: { type: 'string' } },
      propagationPath: { type: 'array', items: ref('PathHop') },
      openedAtMs: { type: 'integer' },
      lastSeenAtMs: { type: 'integer' },
      lastFailureStartedAtMs: { type: 'integer' },
      resolvedAtMs: nullable({ type: 'integer' }),
      failingTraces: { type: 'integer' },
      errorRatio: { type: 'number' },
      sampleTraceIds: { type: 'array', items: { type: 'string' } },
      acknowledged: nullable({ type: 'object', properties: { by: { type: 'string' }, atMs: { type: 'integer' } } }),
      recovery: nullable({
        type: 'object',
        properties: {
          state: { enum: ['idle', 'running', 'done'] },
          currentStep: nullable({ type: 'object', properties: { policy: { type: 'string' }, step: { type: 'integer' }, action: { type: 'string' }, target: { type: 'string' } } }),
        },
      }),
    },
  },
  IncidentPage: { type: 'object', required: ['incidents', 'nextCursor'], properties: { incidents: { type: 'array', items: ref('IncidentView') }, nextCursor: nullable({ type: 'string' }) } },
  IncidentResponse: { type: 'object', required: ['incident'], properties: { incident: ref('IncidentView') } },
  RootCauseCandidate: {
    type: 'object',
    properties: {
      service: { type: 'string' },
      system: { type: 'string' },
      operation: { type: 'string' },
      spanId: { type: 'string' },
      errorKind: { type: 'string' },
      fingerprint: { type: 'string' },
      confidence: { type: 'number' },
      reason: { enum: ['deepest_error', 'dead_callee', 'uninstrumented_dependency', 'slow_callee'] },
      startedAtMs: { type: 'integer' },
    },
  },
  AuditRecord: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      event: { enum: ['decision', 'call_started', 'call_finished'] },
      incidentId: { type: 'string' },
      outcome: { type: 'string' },
      policy: nullable({ type: 'string' }),
      stepIndex: nullable({ type: 'integer' }),
      target: nullable({ type: 'string' }),
      endpoint: nullable({ type: 'string' }),
      action: nullable({ type: 'string' }),
      parametersJson: nullable({ type: 'string' }),
      idempotencyKey: nullable({ type: 'string' }),
      attempt: nullable({ type: 'integer' }),
      grpcCode: nullable({ type: 'integer' }),
      latencyMs: nullable({ type: 'number' }),
      message: nullable({ type: 'string' }),
      atMs: { type: 'integer' },
    },
  },
  ServiceGraphSnapshot: {
    type: 'object',
    properties: {
      nodes: { type: 'array', items: { type: 'object', properties: { service: { type: 'string' }, system: { type: 'string' }, traces: { type: 'integer' }, failedTraces: { type: 'integer' }, lastSeenAtMs: { type: 'integer' } } } },
      edges: { type: 'array', items: { type: 'object', properties: { caller: ref('PathHop'), callee: ref('PathHop'), calls: { type: 'integer' }, errors: { type: 'integer' }, lastSeenAtMs: { type: 'integer' } } } },
      droppedEntries: { type: 'integer' },
    },
  },
  IncidentDetail: {
    type: 'object',
    required: ['incident', 'rootCauseCandidates', 'serviceGraph', 'recoveryHistory'],
    properties: {
      incident: ref('IncidentView'),
      rootCauseCandidates: { type: 'array', items: ref('RootCauseCandidate') },
      serviceGraph: ref('ServiceGraphSnapshot'),
      recoveryHistory: { type: 'array', items: ref('AuditRecord') },
    },
  },
  RecoverResponse: {
    type: 'object',
    required: ['result'],
    properties: { result: { type: 'object', required: ['outcome', 'incidentId'], properties: { outcome: { enum: ['running', 'recovered', 'escalated', 'ended'] }, incidentId: { type: 'string' } } } },
  },
  Verdict: { type: 'object', description: 'The analyzer verdict: outcome, ranked rootCauses, propagationPath, failedSpans, services, edges' },
  Status: {
    type: 'object',
    properties: {
      receiver: { type: 'object' },
      buffer: { type: 'object' },
      correlation: { type: 'object' },
      incidents: { type: 'object' },
      recovery: { type: 'object' },
      systems: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            system: { type: 'string' },
            health: { enum: ['healthy', 'degraded', 'failing'] },
            services: { type: 'array', items: { type: 'object', properties: { service: { type: 'string' }, failed: { type: 'integer' }, total: { type: 'integer' } } } },
            openIncidents: { type: 'integer' },
          },
        },
      },
    },
  },
};

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Faultline status API',
    version: '1',
    description: 'Incidents, root causes, recovery and pipeline status. With auth configured, routes other than health, ui-config and the dashboard need a bearer JWT: the viewer role reads, the operator role also writes.',
  },
  servers: [{ url: 'http://127.0.0.1:4319' }],
  security: [{ bearerAuth: [] }],
  paths: PATHS,
  components: {
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: SCHEMAS,
  },
} as const;
