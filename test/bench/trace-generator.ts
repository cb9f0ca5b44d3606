import type { SeededRandom } from './seeded-random.js';

/**
 * Generates synthetic traces of the reference deployment (AutoMatrix → RelayCore → NeuroWeaver)
 * in protobufjs object form, ready for `ExportTraceServiceRequest.fromObject`. A trace has 5 to
 * 10 spans across 3 or 4 services: a server span per service, a client span for each call
 * between services, and internal or database spans under the server spans. A failing trace
 * carries an ERROR status and an `exception` event on its deepest span, and ERROR on every
 * ancestor up to the root.
 */

/** OTLP `Span.SpanKind` values. */
const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
/** OTLP `Status.StatusCode.STATUS_CODE_ERROR`. */
const STATUS_CODE_ERROR = 2;

const NANOS_PER_MS = 1_000_000n;
const MIN_SPANS = 5;
const MAX_SPANS = 10;

/** A service of the reference deployment and how it is called. */
export interface BenchService {
  name: string;
  system: string;
  protocol: 'http' | 'grpc';
  host: string;
  port: number;
  /** Operation its server spans serve: an HTTP route or a gRPC `service/method`. */
  operation: string;
  /** Exception its failing spans raise when the trace fails there. */
  failure: { type: string; message: string; grpcStatus: number; httpStatus: number };
}

const WORKFLOW_API: BenchService = {
  name: 'workflow-api',
  system: 'AutoMatrix',
  protocol: 'http',
  host: 'workflow-api.automatrix.svc.cluster.local',
  port: 8080,
  operation: '/v1/workflows/{workflowId}/runs',
  failure: { type: 'StepTimeoutError', message: 'step 3 timed out after 30000 ms', grpcStatus: 4, httpStatus: 504 },
};
const STEP_RUNNER: BenchService = {
  name: 'step-runner',
  system: 'AutoMatrix',
  protocol: 'http',
  host: 'step-runner.automatrix.svc.cluster.local',
  port: 8080,
  operation: '/v1/steps/{stepId}/execute',
  failure: { type: 'WorkerCrashedError', message: 'worker 12 exited with code 137', grpcStatus: 13, httpStatus: 500 },
};
const RELAY_ROUTER: BenchService = {
  name: 'relay-router',
  system: 'RelayCore',
  protocol: 'http',
  host: 'relay-router.relaycore.svc.cluster.local',
  port: 8443,
  operation: '/v1/completions',
  failure: { type: 'RoutingError', message: 'no route for model "gpt-large" in region eu-west-1', grpcStatus: 13, httpStatus: 500 },
};
const PROVIDER_GATEWAY: BenchService = {
  name: 'provider-gateway',
  system: 'RelayCore',
  protocol: 'grpc',
  host: 'provider-gateway.relaycore.svc.cluster.local',
  port: 50051,
  operation: 'relaycore.ProviderGateway/Complete',
  failure: { type: 'ProviderUnavailableError', message: 'provider openai returned 503 Service Unavailable', grpcStatus: 14, httpStatus: 503 },
};
const MODEL_SERVER: BenchService = {
  name: 'model-server',
  system: 'NeuroWeaver',
  protocol: 'grpc',
  host: 'model-server.neuroweaver.svc.cluster.local',
  port: 50051,
  operation: 'neuroweaver.Inference/Predict',
  failure: { type: 'ModelInferenceError', message: 'model llama-7b failed: CUDA out of memory', grpcStatus: 8, httpStatus: 500 },
};
const EMBEDDING_SERVER: BenchService = {
  name: 'embedding-server',
  system: 'NeuroWeaver',
  protocol: 'grpc',
  host: 'embedding-server.neuroweaver.svc.cluster.local',
  port: 50051,
  operation: 'neuroweaver.Embeddings/Embed',
  failure: { type: 'ModelLoadError', message: 'model e5-large could not be loaded from /models/e5-large', grpcStatus: 13, httpStatus: 500 },
};

/** Every service a generated trace may visit. */
export const BENCH_SERVICES: readonly BenchService[] = [WORKFLOW_API, STEP_RUNNER, RELAY_ROUTER, PROVIDER_GATEWAY, MODEL_SERVER, EMBEDDING_SERVER];

/** The fourth service a trace may call, and which of the first three calls it. */
const OPTIONAL_CALLS: readonly (readonly [BenchService, BenchService])[] = [
  [WORKFLOW_API, STEP_RUNNER],
  [RELAY_ROUTER, PROVIDER_GATEWAY],
  [RELAY_ROUTER, EMBEDDING_SERVER],
  [MODEL_SERVER, EMBEDDING_SERVER],
];

/** An OTLP `KeyValue` in protobufjs object form. */
export interface KeyValueObject {
  key: string;
  value: { stringValue: string } | { intValue: number } | { boolValue: boolean };
}

/** An OTLP `Span` in protobufjs object form; times are decimal nanoseconds. */
export interface SpanObject {
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId?: Buffer;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValueObject[];
  events: { timeUnixNano: string; name: string; attributes: KeyValueObject[] }[];
  status?: { code: number; message: string };
}

/** One span and the service that reported it. */
export interface GeneratedSpan {
  service: BenchService;
  span: SpanObject;
}

export interface GeneratedTrace {
  spans: GeneratedSpan[];
  failing: boolean;
}

type NodeRole = 'server' | 'client' | 'internal' | 'database';

/** A span of the trace tree before its attributes are written. */
interface TraceNode {
  role: NodeRole;
  service: BenchService;
  /** The service a client span calls; the span's own service otherwise. */
  callee: BenchService;
  parent: TraceNode | undefined;
  depth: number;
  spanId: Buffer;
  startNs: bigint;
  endNs: bigint;
  failed: boolean;
  /** True for the span where the failure starts. */
  origin: boolean;
}

export interface TraceOptions {
  traceId: Buffer;
  /** Start of the root span, in nanoseconds since the Unix epoch. */
  startNs: bigint;
  failing: boolean;
}

/** Generates one trace with the given id; the random source decides its shape. */
export function generateTrace(random: SeededRandom, options: TraceOptions): GeneratedTrace {
  const nodes = buildTree(random, options.startNs);
  if (options.failing) markFailure(nodes);
  const tenantId = `tenant-${random.integer(1, 40)}`;
  const requestId = random.bytes(8).toString('hex');
  const spans = nodes.map((node) => ({
    service: node.service,
    span: toSpanObject(node, options.traceId, { tenantId, requestId, random }),
  }));
  return { spans, failing: options.failing };
}

function buildTree(random: SeededRandom, startNs: bigint): TraceNode[] {
  const rootDurationMs = random.integer(40, 400);
  const root = newNode(random, { role: 'server', service: WORKFLOW_API, callee: WORKFLOW_API, parent: undefined, startNs, durationMs: rootDurationMs });
  const nodes = [root];
  const calls: (readonly [BenchService, BenchService])[] = [
    [WORKFLOW_API, RELAY_ROUTER],
    [RELAY_ROUTER, MODEL_SERVER],
  ];
  if (random.chance(0.5)) calls.push(random.pick(OPTIONAL_CALLS));

  for (const [caller, callee] of calls) {
    const callerServer = nodes.find((node) => node.role === 'server' && node.service === caller) ?? root;
    const client = addChild(random, nodes, callerServer, 'client', callee);
    addChild(random, nodes, client, 'server', callee);
  }

  const spanCount = random.integer(Math.max(MIN_SPANS, nodes.length), MAX_SPANS);
  while (nodes.length < spanCount) {
    const parent = random.pick(nodes.filter((node) => node.role === 'server'));
    addChild(random, nodes, parent, random.chance(0.5) ? 'internal' : 'database', parent.service);
  }
  return nodes;
}

function addChild(random: SeededRandom, nodes: TraceNode[], parent: TraceNode, role: NodeRole, callee: BenchService): TraceNode {
  const parentDurationNs = parent.endNs - parent.startNs;
  const offsetNs = (parentDurationNs * BigInt(random.integer(2, 20))) / 100n;
  const durationMs = Number(((parentDurationNs - offsetNs) * BigInt(random.integer(50, 90))) / 100n / NANOS_PER_MS);
  // A server span is the callee's side of its parent client span, so it sits inside it.
  const service = role === 'server' ? callee : parent.service;
  const node = newNode(random, { role, service, callee, parent, startNs: parent.startNs + offsetNs, durationMs: Math.max(1, durationMs) });
  nodes.push(node);
  return node;
}

function newNode(
  random: SeededRandom,
  fields: { role: NodeRole; service: BenchService; callee: BenchService; parent: TraceNode | undefined; startNs: bigint; durationMs: number },
): TraceNode {
  const durationNs = BigInt(fields.durationMs) * NANOS_PER_MS + BigInt(random.integer(0, 999_999));
  return {
    role: fields.role,
    service: fields.service,
    callee: fields.callee,
    parent: fields.parent,
    depth: fields.parent === undefined ? 0 : fields.parent.depth + 1,
    spanId: random.bytes(8),
    startNs: fields.startNs,
    endNs: fields.startNs + durationNs,
    failed: false,
    origin: false,
  };
}

/** Marks the deepest span (the last one at that depth) as the origin and every ancestor as failed. */
function markFailure(nodes: TraceNode[]): void {
  let deepest = nodes[0];
  for (const node of nodes) {
    if (deepest === undefined || node.depth >= deepest.depth) deepest = node;
  }
  if (deepest === undefined) return;
  deepest.origin = true;
  for (let node: TraceNode | undefined = deepest; node !== undefined; node = node.parent) node.failed = true;
}

interface TraceContext {
  tenantId: string;
  requestId: string;
  random: SeededRandom;
}

function toSpanObject(node: TraceNode, traceId: Buffer, context: TraceContext): SpanObject {
  const span: SpanObject = {
    traceId,
    spanId: node.spanId,
    name: spanName(node),
    kind: spanKind(node.role),
    startTimeUnixNano: node.startNs.toString(),
    endTimeUnixNano: node.endNs.toString(),
    attributes: toKeyValues(spanAttributes(node, context)),
    events: [],
  };
  if (node.parent !== undefined) span.parentSpanId = node.parent.spanId;
  if (!node.failed) return span;

  const origin = originFailure(node);
  span.status = { code: STATUS_CODE_ERROR, message: origin.message };
  if (node.origin) {
    span.attributes.push({ key: 'error.type', value: { stringValue: origin.type } });
    span.events.push({
      timeUnixNano: node.endNs.toString(),
      name: 'exception',
      attributes: toKeyValues([
        ['exception.type', origin.type],
        ['exception.message', origin.message],
        ['exception.stacktrace', `${origin.type}: ${origin.message}\n    at handle (/app/src/${node.service.name}/handler.js:118:13)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`],
      ]),
    });
  }
  return span;
}

/** Returns the failure the trace started with: the origin span's service failure, or a database timeout. */
function originFailure(node: TraceNode): { type: string; message: string } {
  let origin: TraceNode | undefined = node;
  while (origin !== undefined && !origin.origin) origin = origin.parent;
  const failingNode = origin ?? node;
  if (failingNode.role === 'database') return { type: 'QueryTimeoutError', message: 'query on table runs timed out after 5000 ms' };
  return failingNode.service.failure;
}

function spanKind(role: NodeRole): number {
  if (role === 'server') return SPAN_KIND_SERVER;
  if (role === 'internal') return SPAN_KIND_INTERNAL;
  return SPAN_KIND_CLIENT;
}

function spanName(node: TraceNode): string {
  switch (node.role) {
    case 'server':
      return node.service.protocol === 'http' ? `POST ${node.service.operation}` : node.service.operation;
    case 'client':
      return node.callee.protocol === 'http' ? 'POST' : node.callee.operation;
    case 'internal':
      return `${node.service.name}.process`;
    case 'database':
      return 'SELECT runs';
  }
}

type AttributeEntry = readonly [string, string | number | boolean];

function spanAttributes(node: TraceNode, context: TraceContext): AttributeEntry[] {
  const common: AttributeEntry[] = [
    ['tenant.id', context.tenantId],
    ['request.id', context.requestId],
    ['enduser.id', `user-${context.random.integer(1, 5000)}`],
  ];
  switch (node.role) {
    case 'server':
    case 'client':
      return [...common, ...(node.callee.protocol === 'http' ? httpAttributes(node, context) : rpcAttributes(node, context))];
    case 'internal':
      return [
        ...common,
        ['code.function.name', `${node.service.name}.process`],
        ['code.file.path', `/app/src/${node.service.name}/process.js`],
        ['code.line.number', context.random.integer(10, 900)],
        ['thread.id', context.random.integer(1, 16)],
        ['workflow.id', `wf-${context.random.integer(1, 300)}`],
        ['workflow.step', context.random.integer(1, 8)],
        ['cache.hit', context.random.chance(0.7)],
        ['queue.depth', context.random.integer(0, 50)],
        ['batch.size', context.random.integer(1, 64)],
        ['retry.attempt', 0],
        ['component', 'worker'],
      ];
    case 'database':
      return [
        ...common,
        ['db.system.name', 'postgresql'],
        ['db.namespace', `${node.service.system.toLowerCase()}`],
        ['db.operation.name', 'SELECT'],
        ['db.collection.name', 'runs'],
        ['db.query.text', 'SELECT id, state, updated_at FROM runs WHERE workflow_id = $1 LIMIT 50'],
        ['server.address', `postgres.${node.service.system.toLowerCase()}.svc.cluster.local`],
        ['server.port', 5432],
        ['network.peer.address', `10.4.${context.random.integer(0, 255)}.${context.random.integer(1, 254)}`],
        ['network.peer.port', 5432],
        ['db.response.returned_rows', context.random.integer(0, 50)],
        ['network.transport', 'tcp'],
      ];
  }
}

function httpAttributes(node: TraceNode, context: TraceContext): AttributeEntry[] {
  const callee = node.callee;
  const statusCode = node.failed ? callee.failure.httpStatus : 200;
  const path = callee.operation.replace('{workflowId}', `wf-${context.random.integer(1, 300)}`).replace('{stepId}', `step-${context.random.integer(1, 8)}`);
  const shared: AttributeEntry[] = [
    ['http.request.method', 'POST'],
    ['http.response.status_code', statusCode],
    ['server.address', callee.host],
    ['server.port', callee.port],
    ['network.protocol.version', '1.1'],
    ['user_agent.original', 'node-fetch/3.3.2 (+https://github.com/node-fetch/node-fetch)'],
    ['http.request.body.size', context.random.integer(200, 4000)],
    ['http.response.body.size', context.random.integer(100, 20_000)],
  ];
  if (node.role === 'server') {
    return [...shared, ['http.route', callee.operation], ['url.path', path], ['url.scheme', 'https'], ['client.address', `10.2.${context.random.integer(0, 255)}.${context.random.integer(1, 254)}`]];
  }
  return [
    ...shared,
    ['url.full', `https://${callee.host}:${callee.port}${path}`],
    ['peer.service', callee.name],
    ['network.peer.address', `10.3.${context.random.integer(0, 255)}.${context.random.integer(1, 254)}`],
    ['network.peer.port', callee.port],
  ];
}

function rpcAttributes(node: TraceNode, context: TraceContext): AttributeEntry[] {
  const callee = node.callee;
  const [rpcService = '', rpcMethod = ''] = callee.operation.split('/');
  const shared: AttributeEntry[] = [
    ['rpc.system', 'grpc'],
    ['rpc.service', rpcService],
    ['rpc.method', rpcMethod],
    ['rpc.grpc.status_code', node.failed ? callee.failure.grpcStatus : 0],
    ['server.address', callee.host],
    ['server.port', callee.port],
    ['network.protocol.name', 'http'],
    ['network.protocol.version', '2'],
    ['user_agent.original', 'grpc-node-js/1.14.7'],
  ];
  if (node.role === 'server') {
    return [...shared, ['client.address', `10.2.${context.random.integer(0, 255)}.${context.random.integer(1, 254)}`], ['model.name', 'llama-7b']];
  }
  return [
    ...shared,
    ['peer.service', callee.name],
    ['network.peer.address', `10.3.${context.random.integer(0, 255)}.${context.random.integer(1, 254)}`],
    ['network.peer.port', callee.port],
  ];
}

function toKeyValues(entries: readonly AttributeEntry[]): KeyValueObject[] {
  return entries.map(([key, value]) => {
    if (typeof value === 'string') return { key, value: { stringValue: value } };
    if (typeof value === 'boolean') return { key, value: { boolValue: value } };
    return { key, value: { intValue: value } };
  });
}
