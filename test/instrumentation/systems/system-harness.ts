import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadModelService, type ModelServiceClient, type PredictResponse } from '../../../instrumentation/systems/neuroweaver/model-service-proto.js';

/**
 * Starts a reference system as a real process, the way the demo does
 * (`node --import tsx --import ./instrumentation/node/register.ts .../main.ts`), and talks to
 * its API, admin and control ports.
 */

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * How long a system may take to print its ready line. Loading tsx and the SDK took 3 to 15
 * seconds per process on a loaded test machine.
 */
const READY_TIMEOUT_MS = 45_000;

/** A `beforeAll` timeout for hooks that start systems, longer than vitest's default of 30 s. */
export const STARTUP_TIMEOUT_MS = 120_000;

export type SystemName = 'automatrix' | 'relaycore' | 'neuroweaver';

export interface ReadyLine {
  msg: 'ready';
  system: string;
  service: string;
  api: string;
  control: string;
  admin: string | null;
}

export interface SystemProcess {
  ready: ReadyLine;
  child: ChildProcess;
  /** Everything the process wrote to stdout, line by line. */
  stdoutLines: string[];
  /** Sends SIGTERM and resolves with the exit code once the process exited. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  faultInjection?: boolean;
  /** Added to the environment; `PORT`, `CONTROL_PORT` and `ADMIN_PORT` default to 0, and traces are off unless an endpoint is given. */
  env?: Record<string, string>;
}

/** Starts a system and resolves once it printed its ready line. */
export async function startSystem(name: SystemName, options: StartOptions = {}): Promise<SystemProcess> {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['FAULT_INJECTION', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_EXPORTER_OTLP_ENDPOINT']) delete inherited[name];
  const tracesOff = options.env?.OTEL_EXPORTER_OTLP_ENDPOINT === undefined ? { OTEL_TRACES_EXPORTER: 'none' } : {};
  const env: NodeJS.ProcessEnv = { ...inherited, PORT: '0', CONTROL_PORT: '0', ADMIN_PORT: '0', LOG_LEVEL: 'warn', ...tracesOff, ...options.env };

  const args = ['--import', 'tsx', '--import', './instrumentation/node/register.ts', `instrumentation/systems/${name}/main.ts`];
  if (options.faultInjection === true) args.push('--enable-fault-injection');
  const child = spawn(process.execPath, args, { cwd: REPOSITORY_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });

  const stdoutLines: string[] = [];
  const stderrChunks: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderrChunks.push(chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} printed no ready line within ${READY_TIMEOUT_MS} ms: ${stderrChunks.join('')}`)), READY_TIMEOUT_MS);
    createInterface({ input: child.stdout ?? process.stdin }).on('line', (line) => {
      stdoutLines.push(line);
      const parsed = parseReadyLine(line);
      if (parsed === undefined) return;
      clearTimeout(timer);
      resolve(parsed);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready: ${stderrChunks.join('')}`));
    });
  });

  return {
    ready,
    child,
    stdoutLines,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

function parseReadyLine(line: string): ReadyLine | undefined {
  try {
    const parsed = JSON.parse(line) as Partial<ReadyLine>;
    return parsed.msg === 'ready' ? (parsed as ReadyLine) : undefined;
  } catch {
    return undefined;
  }
}

export interface JsonResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Sends an HTTP request with an optional JSON body and parses the JSON response. */
export async function requestJson(url: string, method: string, body?: unknown): Promise<JsonResponse> {
  const init: RequestInit = body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Switches a fault on through the admin port. */
export function injectFault(admin: string | null, fault: string, target?: string): Promise<JsonResponse> {
  return requestJson(`http://${requireAddress(admin)}/faults`, 'POST', target === undefined ? { fault } : { fault, target });
}

/** Switches every fault off through the admin port. */
export function clearFaults(admin: string | null): Promise<JsonResponse> {
  return requestJson(`http://${requireAddress(admin)}/faults`, 'DELETE');
}

/** Lists the faults that are on. */
export async function listFaults(admin: string | null): Promise<{ fault: string; target: string }[]> {
  const response = await requestJson(`http://${requireAddress(admin)}/faults`, 'GET');
  return response.body.faults as { fault: string; target: string }[];
}

function requireAddress(address: string | null): string {
  if (address === null) throw new Error('the system was started without fault injection');
  return address;
}

/** The result of a Predict call: the response, or the gRPC status of the error. */
export type PredictResult = { ok: true; response: PredictResponse } | { ok: false; code: grpc.status; details: string };

/** A NeuroWeaver client that resolves every call with its result instead of rejecting. */
export class PredictClient {
  readonly #client: ModelServiceClient;

  constructor(address: string) {
    const { Client } = loadModelService();
    this.#client = new Client(address, grpc.credentials.createInsecure());
  }

  predict(model: string, deadlineMs = 5_000): Promise<PredictResult> {
    return new Promise((resolve) => {
      this.#client.predict({ model, prompt: 'hello' }, { deadline: new Date(Date.now() + deadlineMs) }, (error, response) => {
        if (error !== null) resolve({ ok: false, code: error.code, details: error.details });
        else if (response === undefined) resolve({ ok: false, code: grpc.status.UNKNOWN, details: 'no response' });
        else resolve({ ok: true, response });
      });
    });
  }

  close(): void {
    this.#client.close();
  }
}

/** Returns a port that was free a moment ago, for a test that checks nothing listens on it. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
