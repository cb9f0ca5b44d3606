/**
 * Starts Faultline and the three instrumented fixture services as real processes, sends them
 * traffic and reads Faultline's status API.
 *
 * Call chain: frontend (AutoMatrix) --HTTP--> router (RelayCore) --gRPC--> model (NeuroWeaver).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Incident } from '../../src/correlation/incident.js';
import type { Verdict } from '../../src/correlation/verdict.js';
import { delay, ManagedProcess } from './managed-process.js';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const FAULTLINE_START_TIMEOUT_MS = 20_000;
/** For all three services together; they start in parallel, but slowly on a loaded machine. */
const SERVICE_START_TIMEOUT_MS = 45_000;
const STOP_GRACE_MS = 5_000;
const POLL_INTERVAL_MS = 100;

const FAULTLINE_CONFIG = `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:0 }
      http: { endpoint: 127.0.0.1:0 }
processors:
  errorcorrelation:
    wait_duration: 1s
    incidents: { window: 30s, min_traces: 3, min_error_ratio: 0.2, resolve_after: 1m }
extensions:
  status_api: { endpoint: 127.0.0.1:0 }
service:
  extensions: [status_api]
  pipelines:
    traces: { receivers: [otlp], processors: [errorcorrelation] }
`;

export class ConditionTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, lastValue: unknown) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(lastValue)}`);
    this.name = 'ConditionTimeoutError';
  }
}

/** The `addresses` field of Faultline's `faultline listening` log line. */
export interface FaultlineAddresses {
  grpc: string;
  http: string;
  status_api: string;
}

export interface RunningFaultline {
  process: ManagedProcess;
  addresses: FaultlineAddresses;
  configDirectory: string;
}

export interface RunningServices {
  frontend: ManagedProcess;
  router: ManagedProcess;
  model: ManagedProcess;
  frontendUrl: string;
  modelAdminUrl: string;
}

/** The frontend's response to one `GET /run`. */
export interface RunResult {
  statusCode: number;
  traceId: string;
}

/** The model service's fault switch; see test/e2e/fixtures/model-service.ts. */
export type ModelFault = 'none' | 'model_crash';

/** Writes the config to a temp dir, starts `node bin/faultline.js` and waits until it listens. */
export async function startFaultline(): Promise<RunningFaultline> {
  const configDirectory = mkdtempSync(join(tmpdir(), 'faultline-e2e-'));
  const configPath = join(configDirectory, 'otel-config.yaml');
  writeFileSync(configPath, FAULTLINE_CONFIG);

  const faultline = new ManagedProcess({
    name: 'faultline',
    command: process.execPath,
    args: ['bin/faultline.js', '--config', configPath],
    cwd: REPOSITORY_ROOT,
    env: process.env,
  });
  const listening = await faultline.waitForMessage('faultline listening', FAULTLINE_START_TIMEOUT_MS);
  return { process: faultline, addresses: readAddresses(listening), configDirectory };
}

function readAddresses(line: Record<string, unknown>): FaultlineAddresses {
  const addresses = line.addresses as Partial<FaultlineAddresses> | undefined;
  const { grpc, http, status_api: statusApi } = addresses ?? {};
  if (typeof grpc !== 'string' || typeof http !== 'string' || typeof statusApi !== 'string') {
    throw new Error(`"faultline listening" has no grpc, http and status_api addresses: ${JSON.stringify(line)}`);
  }
  return { grpc, http, status_api: statusApi };
}

/**
 * Starts the three services at once, each exporting spans to `otlpGrpcAddress`, and passes
 * each caller its callee's address as soon as the callee listens.
 */
export async function startServices(otlpGrpcAddress: string): Promise<RunningServices> {
  const model = startService('model', 'NeuroWeaver', otlpGrpcAddress);
  const router = startService('router', 'RelayCore', otlpGrpcAddress);
  const frontend = startService('frontend', 'AutoMatrix', otlpGrpcAddress);

  const deadline = Date.now() + SERVICE_START_TIMEOUT_MS;
  const remainingMs = (): number => Math.max(0, deadline - Date.now());
  try {
    const modelLine = await model.waitForMessage('listening', remainingMs());
    router.writeLine(`127.0.0.1:${readPort(modelLine, 'port')}`);
    const routerLine = await router.waitForMessage('listening', remainingMs());
    frontend.writeLine(`http://127.0.0.1:${readPort(routerLine, 'port')}`);
    const frontendLine = await frontend.waitForMessage('listening', remainingMs());

    return {
      frontend,
      router,
      model,
      frontendUrl: `http://127.0.0.1:${readPort(frontendLine, 'port')}`,
      modelAdminUrl: `http://127.0.0.1:${readPort(modelLine, 'adminPort')}`,
    };
  } catch (error) {
    await stopProcesses([frontend, router, model]);
    throw error;
  }
}

function startService(service: string, system: string, otlpGrpcAddress: string): ManagedProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OTEL_SERVICE_NAME: service,
    OTEL_RESOURCE_ATTRIBUTES: `service.namespace=${system},service.instance.id=${service}-${process.pid}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${otlpGrpcAddress}`,
    // The SDK would otherwise start OTLP/HTTP metric and log exporters aimed at the same port.
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    FIXTURE_EXIT_ON_STDIN_END: '1',
  };
  delete env.MODEL_ADDRESS;
  delete env.ROUTER_URL;
  delete env.FAULT;

  return new ManagedProcess({
    name: service,
    command: process.execPath,
    args: ['--import', 'tsx', '--import', './test/e2e/fixtures/otel-bootstrap.ts', `test/e2e/fixtures/${service}-service.ts`],
    cwd: REPOSITORY_ROOT,
    env,
  });
}

function readPort(line: Record<string, unknown>, field: string): number {
  const port = line[field];
  if (typeof port !== 'number') throw new Error(`listening line has no numeric ${field}: ${JSON.stringify(line)}`);
  return port;
}

/** Stops every process that is still running (SIGTERM, then SIGKILL after a grace period). */
export async function stopProcesses(processes: (ManagedProcess | undefined)[]): Promise<void> {
  const started = processes.filter((child) => child !== undefined);
  await Promise.all(started.map((child) => child.stop(STOP_GRACE_MS)));
}

/** Removes Faultline's temp config directory. */
export function removeConfigDirectory(faultline: RunningFaultline | undefined): void {
  if (faultline !== undefined) rmSync(faultline.configDirectory, { recursive: true, force: true });
}

/** Sends `count` sequential `GET /run` requests to the frontend. */
export async function sendRuns(frontendUrl: string, count: number): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (let index = 0; index < count; index += 1) {
    const response = await fetch(`${frontendUrl}/run`);
    const body = (await response.json()) as { traceId?: unknown };
    if (typeof body.traceId !== 'string') throw new Error(`frontend response has no traceId: ${JSON.stringify(body)}`);
    results.push({ statusCode: response.status, traceId: body.traceId });
  }
  return results;
}

/** Switches the model service's fault through its admin endpoint. */
export async function setModelFault(modelAdminUrl: string, fault: ModelFault): Promise<void> {
  const response = await fetch(`${modelAdminUrl}/admin/fault`, { method: 'POST', body: JSON.stringify({ fault }) });
  if (!response.ok) throw new Error(`setting fault ${fault} failed with HTTP ${response.status}: ${await response.text()}`);
}

/** Reads `GET /api/v1/incidents`. */
export async function fetchIncidents(statusApiAddress: string): Promise<Incident[]> {
  const response = await fetch(`http://${statusApiAddress}/api/v1/incidents`);
  if (!response.ok) throw new Error(`GET /api/v1/incidents failed with HTTP ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { incidents: Incident[] };
  return body.incidents;
}

/** Reads `GET /api/v1/traces/{traceId}`; undefined while Faultline has no verdict for the trace. */
export async function fetchVerdict(statusApiAddress: string, traceId: string): Promise<Verdict | undefined> {
  const response = await fetch(`http://${statusApiAddress}/api/v1/traces/${traceId}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET /api/v1/traces/${traceId} failed with HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as Verdict;
}

/**
 * Polls `probe` until `isDone` accepts its value, and fails with the last value seen once
 * `timeoutMs` has passed.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T>, isDone: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (isDone(value)) return value;
    if (Date.now() > deadline) throw new ConditionTimeoutError(what, timeoutMs, value);
    await delay(POLL_INTERVAL_MS);
  }
}
