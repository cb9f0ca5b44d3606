import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { SpanRecord } from '../../../src/model/span.js';
import { startReceiver } from '../../support/otlp-receiver-harness.js';
import type { ReceiverHarness } from '../../support/otlp-receiver-harness.js';

/**
 * The bootstrap in a real child process: `node --import tsx --import register.ts` on a service
 * that calls itself over HTTP and its control server over gRPC, exporting to Faultline's own OTLP
 * receiver on loopback, then stopped with SIGTERM.
 */

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVICE_PATH = fileURLToPath(new URL('./fixtures/self-calling-service.ts', import.meta.url));
const REGISTER_PATH = './instrumentation/node/register.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The spans one run of the service makes: HTTP client, HTTP server, gRPC client, gRPC server, control.execute. */
const SPANS_PER_RUN = 5;

/** A child still running after this long is killed, so a hung bootstrap fails the test instead of stalling it. */
const CHILD_KILL_AFTER_MS = 100_000;

interface ServiceRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdoutLines: string[];
  stderr: string;
  spans: SpanRecord[];
}

/** Runs the service against a fresh receiver, stops it with SIGTERM once it made its call, and collects what it exported. */
async function runService(environment: Record<string, string>): Promise<ServiceRun> {
  const receiver = await startReceiver();
  try {
    return await runAgainst(receiver, environment);
  } finally {
    await receiver.receiver.shutdown();
  }
}

async function runAgainst(receiver: ReceiverHarness, environment: Record<string, string>): Promise<ServiceRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', REGISTER_PATH, SERVICE_PATH], {
    cwd: REPOSITORY_ROOT,
    env: { ...environmentWithoutOtel(), OTEL_EXPORTER_OTLP_ENDPOINT: `http://${receiver.grpcAddress}`, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdoutLines: string[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const killTimer = setTimeout(() => child.kill('SIGKILL'), CHILD_KILL_AFTER_MS);

  for await (const line of createInterface({ input: child.stdout })) {
    stdoutLines.push(line);
    if (line.includes('"called"')) child.kill('SIGTERM');
  }
  const { code, signal } = await exited;
  clearTimeout(killTimer);

  await vi.waitFor(
    () => {
      if (receiver.sink.spans.length < SPANS_PER_RUN) throw new Error(`received ${receiver.sink.spans.length} of ${SPANS_PER_RUN} spans; stderr: ${stderr}`);
    },
    { timeout: 5000, interval: 20 },
  );
  return { exitCode: code, signal, stdoutLines, stderr, spans: [...receiver.sink.spans] };
}

/** Returns the test process's environment without OTEL_* variables, so only each case's settings apply. */
function environmentWithoutOtel(): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && value !== undefined) result[key] = value;
  }
  return result;
}

function spanNamed(run: ServiceRun, name: string, kind: SpanRecord['kind']): SpanRecord {
  const span = run.spans.find((candidate) => candidate.name === name && candidate.kind === kind);
  if (span === undefined) throw new Error(`no ${kind} span named ${name}; got ${run.spans.map((candidate) => `${candidate.kind} ${candidate.name}`).join(', ')}`);
  return span;
}

describe('register', () => {
  const runs: Record<'fromEnvironment' | 'fromDefaults' | 'environmentOverDefaults' | 'failingHook', ServiceRun | undefined> = {
    fromEnvironment: undefined,
    fromDefaults: undefined,
    environmentOverDefaults: undefined,
    failingHook: undefined,
  };

  function runOf(name: keyof typeof runs): ServiceRun {
    const run = runs[name];
    if (run === undefined) throw new Error(`run ${name} did not finish`);
    return run;
  }

  beforeAll(async () => {
    const [fromEnvironment, fromDefaults, environmentOverDefaults, failingHook] = await Promise.all([
      runService({ OTEL_SERVICE_NAME: 'self-caller-env', OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=EnvSystem,deployment.environment.name=test' }),
      runService({ SERVICE_DEFAULTS: '1' }),
      runService({ SERVICE_DEFAULTS: '1', OTEL_SERVICE_NAME: 'self-caller-env', OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=instance-7' }),
      runService({ FAIL_SHUTDOWN_HOOK: '1' }),
    ]);
    Object.assign(runs, { fromEnvironment, fromDefaults, environmentOverDefaults, failingHook });
  }, 120_000);

  describe('process', () => {
    it('answers its own HTTP call', () => {
      expect(runOf('fromEnvironment').stdoutLines[0]).toBe(JSON.stringify({ msg: 'called', status: 200, body: 'hello' }));
    });

    it('runs shutdown hooks on SIGTERM, then exits 0', () => {
      const run = runOf('fromEnvironment');

      expect(run.stdoutLines).toContain(JSON.stringify({ msg: 'closed' }));
      expect(run.signal).toBeNull();
      expect(run.exitCode).toBe(0);
    });

    it('prints nothing to stderr', () => {
      expect(runOf('fromEnvironment').stderr).toBe('');
    });

    it('exits 1 after a failing hook, still running later hooks and the flush', () => {
      const run = runOf('failingHook');

      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('shutdown hook failed: Error: hook failed on purpose');
      expect(run.stdoutLines).toContain(JSON.stringify({ msg: 'closed' }));
      expect(run.spans).toHaveLength(SPANS_PER_RUN);
    });
  });

  describe('trace context', () => {
    it('exports every span of the call', () => {
      const names = runOf('fromEnvironment').spans.map((span) => `${span.kind} ${span.name}`);

      expect(names.sort()).toEqual([
        'client GET',
        'client grpc.faultline.control.v1.RecoveryControl/ExecuteAction',
        'internal control.execute restart_worker',
        'server GET',
        'server grpc.faultline.control.v1.RecoveryControl/ExecuteAction',
      ]);
    });

    it('puts client and server spans in one trace', () => {
      const run = runOf('fromEnvironment');

      expect(new Set(run.spans.map((span) => span.traceId)).size).toBe(1);
    });

    it('parents each span on the call that caused it', () => {
      const run = runOf('fromEnvironment');
      const httpClient = spanNamed(run, 'GET', 'client');
      const httpServer = spanNamed(run, 'GET', 'server');
      const grpcClient = spanNamed(run, 'grpc.faultline.control.v1.RecoveryControl/ExecuteAction', 'client');
      const grpcServer = spanNamed(run, 'grpc.faultline.control.v1.RecoveryControl/ExecuteAction', 'server');
      const action = spanNamed(run, 'control.execute restart_worker', 'internal');

      expect(httpClient.parentSpanId).toBe('');
      expect(httpServer.parentSpanId).toBe(httpClient.spanId);
      expect(grpcClient.parentSpanId).toBe(httpServer.spanId);
      expect(grpcServer.parentSpanId).toBe(grpcClient.spanId);
      expect(action.parentSpanId).toBe(grpcServer.spanId);
    });
  });

  describe('resource', () => {
    it('takes service.name and service.namespace from OTEL_* variables', () => {
      const resource = runOf('fromEnvironment').spans[0]?.resource;

      expect(resource?.service).toBe('self-caller-env');
      expect(resource?.system).toBe('EnvSystem');
      expect(resource?.attributes['deployment.environment.name']).toBe('test');
    });

    it('sets service.instance.id to a random UUID', () => {
      const instances = new Set([runOf('fromEnvironment'), runOf('fromDefaults')].flatMap((run) => run.spans.map((span) => span.resource.instance)));

      expect(instances.size).toBe(2);
      for (const instance of instances) expect(instance).toMatch(UUID);
    });

    it('uses setServiceDefaults when no variable is set', () => {
      const resource = runOf('fromDefaults').spans[0]?.resource;

      expect(resource?.service).toBe('self-caller');
      expect(resource?.system).toBe('SelfTest');
    });

    it('lets OTEL_* variables override setServiceDefaults', () => {
      const resource = runOf('environmentOverDefaults').spans[0]?.resource;

      expect(resource?.service).toBe('self-caller-env');
      expect(resource?.system).toBe('SelfTest');
      expect(resource?.instance).toBe('instance-7');
    });

    it('reports the SDK', () => {
      const attributes = runOf('fromDefaults').spans[0]?.resource.attributes;

      expect(attributes?.['telemetry.sdk.language']).toBe('nodejs');
      expect(attributes?.['telemetry.sdk.name']).toBe('opentelemetry');
    });
  });
});
