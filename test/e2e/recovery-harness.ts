/**
 * Runs Faultline with the recovery extension as a real process, sends it traces through the
 * OpenTelemetry SDK and reads its SQLite audit database, for the end-to-end recovery tests.
 *
 * Call chain of every trace: router (RelayCore) --gRPC--> model (NeuroWeaver). Each side has
 * its own tracer provider and resource, and the model's server span is a child of the
 * router's client span, as context propagation would make it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Database from 'better-sqlite3';
import type { Incident, IncidentState } from '../../src/correlation/incident.js';
import type { RecoverySnapshot } from '../../src/recovery/recovery-counters.js';
import type { AuditEvent } from '../../src/store/audit-store.js';

/** The name of the one policy in the config that writeRecoveryConfig writes. */
export const POLICY_NAME = 'neuroweaver_model';

/** The policy's steps, in order. */
export const STEP_ACTIONS = ['switch_model', 'restart_model'] as const;

/** How long each step is verified; the tests wait a few of these at most. */
export const VERIFY_WINDOW_MS = 2_000;

const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const POLL_INTERVAL_MS = 50;
const DIAGNOSTIC_TAIL_LINES = 40;

/** Children still running; killed when the test process exits, so an aborted run leaves no Faultline behind. */
const runningChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of runningChildren) child.kill('SIGKILL');
});

/** The `addresses` field of the `faultline listening` log line, as host:port. */
export interface FaultlineAddresses {
  grpc: string;
  status_api: string;
}

/** The paths of one test's Faultline config and of the SQLite file it keeps its audit log in. */
export interface RecoveryConfigFiles {
  configPath: string;
  auditPath: string;
}

/**
 * Writes a config with the recovery extension into `directory`: one target at
 * `controlAddress` and one policy for NeuroWeaver with the steps in STEP_ACTIONS. Cooldown is
 * 0 because both steps act on the same target. The target deadline is long so that a hanging
 * control call stays open until the test ends the process.
 */
export function writeRecoveryConfig(directory: string, controlAddress: string): RecoveryConfigFiles {
  const configPath = join(directory, 'otel-config.yaml');
  const auditPath = join(directory, 'audit.db');
  const config = `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:0 }
processors:
  errorcorrelation:
    wait_duration: 200ms
    error_kinds:
      - { kind: model_failure, system: NeuroWeaver, error_type: ModelLoadError }
    incidents: { window: 30s, min_traces: 3, min_error_ratio: 0.1, resolve_after: 30s }
extensions:
  status_api: { endpoint: 127.0.0.1:0 }
  recovery:
    targets:
      neuroweaver:
        endpoints: [${JSON.stringify(controlAddress)}]
        tls: { insecure: true }
        timeout: 20s
    policies:
      - name: ${POLICY_NAME}
        match: { system: NeuroWeaver }
        steps:
${STEP_ACTIONS.map((action) => `          - { action: ${action}, target: neuroweaver, component: model }`).join('\n')}
        retry: { max_attempts: 2, initial_backoff: 50ms, max_backoff: 100ms }
        verify: { window: ${VERIFY_WINDOW_MS}ms }
        cooldown: 0s
    max_actions_per_minute: 30
    dry_run: false
    audit: { path: ${JSON.stringify(auditPath)} }
service:
  extensions: [status_api, recovery]
  pipelines:
    traces: { receivers: [otlp], processors: [errorcorrelation] }
`;
  writeFileSync(configPath, config);
  return { configPath, auditPath };
}

/** How a Faultline process ended: its exit code, or the signal that ended it. */
export interface FaultlineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `node bin/faultline.js --config PATH` as a child process whose pino JSON lines are kept. */
export class FaultlineProcess {
  readonly logLines: Record<string, unknown>[] = [];
  private readonly otherLines: string[] = [];
  private readonly exited: Promise<FaultlineExit>;
  private exit: FaultlineExit | undefined;
  private listeningAddresses: FaultlineAddresses | undefined;

  private constructor(private readonly child: ChildProcess) {
    runningChildren.add(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        runningChildren.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    if (child.stdout !== null) createInterface({ input: child.stdout }).on('line', (line) => this.keepLine(line));
    if (child.stderr !== null) createInterface({ input: child.stderr }).on('line', (line) => this.otherLines.push(`stderr: ${line}`));
  }

  /** Starts Faultline and waits for its `faultline listening` line. */
  static async start(configPath: string): Promise<FaultlineProcess> {
    const child = spawn(process.execPath, ['bin/faultline.js', '--config', configPath], { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const faultline = new FaultlineProcess(child);
    try {
      const listening = await faultline.waitForLog('faultline listening', () => true, START_TIMEOUT_MS);
      faultline.listeningAddresses = readAddresses(listening);
    } catch (error) {
      await faultline.stop();
      throw error;
    }
    return faultline;
  }

  /** The receiver and status API addresses from the `faultline listening` line. */
  get addresses(): FaultlineAddresses {
    if (this.listeningAddresses === undefined) throw new Error('faultline has not logged "faultline listening" yet');
    return this.listeningAddresses;
  }

  /** Log lines whose `msg` equals `message` and that `accept` returns true for. */
  logs(message: string, accept: (line: Record<string, unknown>) => boolean = () => true): Record<string, unknown>[] {
    return this.logLines.filter((line) => line.msg === message && accept(line));
  }

  /** Waits for the first log line matching `message` and `accept`; fails once the process exits or time runs out. */
  async waitForLog(message: string, accept: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [found] = this.logs(message, accept);
      if (found !== undefined) return found;
      if (this.exit !== undefined) throw new Error(`faultline exited (${JSON.stringify(this.exit)}) before logging "${message}":\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`faultline did not log "${message}" within ${timeoutMs} ms; last output:\n${this.tail()}`);
      await delayMs(POLL_INTERVAL_MS);
    }
  }

  /** Sends SIGKILL, as a crash would end the process, and waits for the exit. */
  async kill(): Promise<FaultlineExit> {
    if (this.exit !== undefined) return this.exit;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Sends SIGTERM so Faultline drains and exits, then SIGKILL when it still runs after a grace period. */
  async stop(): Promise<FaultlineExit> {
    if (this.exit !== undefined) return this.exit;

    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** Returns the last output lines, for assertion messages. */
  tail(): string {
    const json = this.logLines.slice(-DIAGNOSTIC_TAIL_LINES).map((line) => JSON.stringify(line));
    return [...json, ...this.otherLines.slice(-DIAGNOSTIC_TAIL_LINES)].join('\n');
  }

  private keepLine(text: string): void {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        this.logLines.push(value as Record<string, unknown>);
        return;
      }
    } catch {
      // Lines that are not JSON, such as a stack trace, are kept for diagnostics below.
    }
    this.otherLines.push(text);
  }
}

function readAddresses(line: Record<string, unknown>): FaultlineAddresses {
  const addresses = line.addresses as Partial<FaultlineAddresses> | undefined;
  const { grpc, status_api: statusApi } = addresses ?? {};
  if (typeof grpc !== 'string' || typeof statusApi !== 'string') {
    throw new Error(`"faultline listening" has no grpc and status_api addresses: ${JSON.stringify(line)}`);
  }
  return { grpc, status_api: statusApi };
}

/**
 * The kind of trace to send:
 * - `healthy`: every span ends OK;
 * - `model_failure`: the model's server span fails with gRPC INTERNAL and a ModelLoadError
 *   exception, and the router's client and server spans fail with it;
 * - `invalid_argument`: the model rejects the request with gRPC INVALID_ARGUMENT, a client bug.
 */
export type TraceOutcome = 'healthy' | 'model_failure' | 'invalid_argument';

const GRPC_INTERNAL = 13;
const FLUSH_ONLY_DELAY_MS = 60_000;
const GRPC_INVALID_ARGUMENT = 3;

/** Sends router → model traces to Faultline's OTLP/gRPC receiver with the OpenTelemetry SDK. */
export class TraceSender {
  private readonly router: BasicTracerProvider;
  private readonly model: BasicTracerProvider;

  constructor(otlpGrpcAddress: string) {
    this.router = createProvider(otlpGrpcAddress, 'router', 'RelayCore');
    this.model = createProvider(otlpGrpcAddress, 'model', 'NeuroWeaver');
  }

  /** Sends one trace and waits until the exporters delivered its spans; returns the trace id. */
  async send(outcome: TraceOutcome): Promise<string> {
    const routerTracer = this.router.getTracer('recovery-e2e');
    const modelTracer = this.model.getTracer('recovery-e2e');

    const entry = routerTracer.startSpan('POST /v1/route', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': '/v1/route' } }, ROOT_CONTEXT);
    const client = routerTracer.startSpan(
      'neuroweaver.Inference/Infer',
      { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc', 'rpc.service': 'neuroweaver.Inference', 'rpc.method': 'Infer', 'server.address': '127.0.0.1', 'server.port': 50051 } },
      trace.setSpan(ROOT_CONTEXT, entry),
    );
    const server = modelTracer.startSpan(
      'neuroweaver.Inference/Infer',
      { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': 'neuroweaver.Inference', 'rpc.method': 'Infer' } },
      trace.setSpan(ROOT_CONTEXT, client),
    );

    // The callee's span is delivered first, as it ends first. The router's two spans then go
    // in one request, so Faultline has the whole trace once the root span arrives.
    endModelSpan(server, outcome);
    await this.model.forceFlush();
    endCallerSpans(entry, client, outcome);
    await this.router.forceFlush();
    return entry.spanContext().traceId;
  }

  /** Flushes and closes both providers and their exporters. */
  async shutdown(): Promise<void> {
    await Promise.all([this.router.shutdown(), this.model.shutdown()]);
  }
}

function createProvider(otlpGrpcAddress: string, service: string, system: string): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': system, 'service.instance.id': `${service}-1` }),
    // Only forceFlush exports, so the spans of one trace and one service go in one request.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://${otlpGrpcAddress}` }), { scheduledDelayMillis: FLUSH_ONLY_DELAY_MS })],
  });
}

function endModelSpan(server: Span, outcome: TraceOutcome): void {
  switch (outcome) {
    case 'healthy':
      server.setAttribute('rpc.grpc.status_code', 0);
      server.setStatus({ code: SpanStatusCode.OK });
      break;
    case 'model_failure': {
      const error = new Error('weights of model nw-large-v3 failed to load from shard 7');
      error.name = 'ModelLoadError';
      failSpan(server, GRPC_INTERNAL, error, { 'error.type': 'ModelLoadError' });
      break;
    }
    case 'invalid_argument': {
      const error = new Error('field prompt must not be empty');
      error.name = 'ValidationError';
      failSpan(server, GRPC_INVALID_ARGUMENT, error, { 'error.type': 'INVALID_ARGUMENT' });
      break;
    }
  }
  server.end();
}

function endCallerSpans(entry: Span, client: Span, outcome: TraceOutcome): void {
  if (outcome === 'healthy') {
    client.setAttribute('rpc.grpc.status_code', 0);
    entry.setAttribute('http.response.status_code', 200);
  } else {
    const code = outcome === 'model_failure' ? GRPC_INTERNAL : GRPC_INVALID_ARGUMENT;
    client.setAttribute('rpc.grpc.status_code', code);
    client.setStatus({ code: SpanStatusCode.ERROR, message: `model call failed with gRPC code ${code}` });
    entry.setAttribute('http.response.status_code', outcome === 'model_failure' ? 502 : 400);
    entry.setStatus({ code: SpanStatusCode.ERROR });
  }
  client.end();
  entry.end();
}

function failSpan(span: Span, grpcCode: number, error: Error, attributes: Attributes): void {
  span.recordException(error);
  span.setAttributes({ ...attributes, 'rpc.grpc.status_code': grpcCode });
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** Sends failing traces one after another until stopped, so failures continue through verification. */
export class FailureStream {
  readonly traceIds: string[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly sender: TraceSender,
    private readonly intervalMs: number,
  ) {
    this.loop = this.run();
  }

  /** Stops sending and waits until the trace being sent was delivered. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.traceIds.push(await this.sender.send('model_failure'));
      await delayMs(this.intervalMs);
    }
  }
}

/** One row of `audit_records`, with the column names of the table. */
export interface AuditRow {
  id: number;
  at_ms: number;
  event: AuditEvent;
  incident_id: string;
  outcome: string;
  policy: string | null;
  step_index: number | null;
  target: string | null;
  endpoint: string | null;
  action: string | null;
  parameters_json: string | null;
  idempotency_key: string | null;
  attempt: number | null;
  grpc_code: number | null;
  latency_ms: number | null;
  message: string | null;
}

/** One row of `incidents`, the incident store's table. */
export interface IncidentRow {
  id: string;
  state: IncidentState;
  incident_json: string;
  updated_at_ms: number;
}

/** One row of `recoveries`, the recovery progress the engine resumes from. */
export interface RecoveryRow {
  incident_id: string;
  policy: string;
  run: number;
  status: string;
  step_index: number | null;
}

/** The contents of Faultline's audit database. */
export interface AuditDatabase {
  records: AuditRow[];
  incidents: IncidentRow[];
  recoveries: RecoveryRow[];
}

/** Reads the audit database read-only; call it only after the Faultline process has exited. */
export function readAuditDatabase(path: string): AuditDatabase {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return {
      records: db.prepare<[], AuditRow>('SELECT * FROM audit_records ORDER BY id').all(),
      incidents: db.prepare<[], IncidentRow>('SELECT id, state, incident_json, updated_at_ms FROM incidents ORDER BY updated_at_ms').all(),
      recoveries: db.prepare<[], RecoveryRow>('SELECT incident_id, policy, run, status, step_index FROM recoveries').all(),
    };
  } finally {
    db.close();
  }
}

/** Reads `GET /api/v1/incidents`. */
export async function fetchIncidents(statusApiAddress: string): Promise<Incident[]> {
  const response = await fetch(`http://${statusApiAddress}/api/v1/incidents`);
  if (!response.ok) throw new Error(`GET /api/v1/incidents failed with HTTP ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { incidents: Incident[] };
  return body.incidents;
}

/** Reads the `recovery` figures of `GET /api/v1/status`. */
export async function fetchRecoverySnapshot(statusApiAddress: string): Promise<RecoverySnapshot> {
  const response = await fetch(`http://${statusApiAddress}/api/v1/status`);
  if (!response.ok) throw new Error(`GET /api/v1/status failed with HTTP ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { recovery?: RecoverySnapshot };
  if (body.recovery === undefined) throw new Error('GET /api/v1/status has no recovery figures; is the recovery extension enabled?');
  return body.recovery;
}

/** Polls the status API until the incident has `state`; returns the incident. */
export function waitForIncidentState(statusApiAddress: string, incidentId: string, state: IncidentState, timeoutMs: number): Promise<Incident> {
  return waitUntil(
    `incident ${incidentId} to be ${state}`,
    async () => {
      const incident = (await fetchIncidents(statusApiAddress)).find((candidate) => candidate.id === incidentId);
      return incident?.state === state ? incident : undefined;
    },
    timeoutMs,
  );
}

/** A condition a test waited for did not hold before its deadline. */
export class ConditionTimeoutError extends Error {
  override readonly name = 'ConditionTimeoutError';

  constructor(condition: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${condition}`);
  }
}

/** Polls `probe` until it returns a value other than undefined; throws ConditionTimeoutError after `timeoutMs`. */
export async function waitUntil<T>(condition: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new ConditionTimeoutError(condition, timeoutMs);
    await delayMs(POLL_INTERVAL_MS);
  }
}

/** Resolves after `ms`; used to pace traffic and polling, never to order events. */
export function delayMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
