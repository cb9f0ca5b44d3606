import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { encodeProtobufRequest } from '../support/otlp-test-requests.js';
import { FaultlineProcess } from './faultline-process.js';
import { buildPayloadPool, stampTraceIds } from './payloads.js';
import { sampleProcess } from './process-sampler.js';

/**
 * Latency of the status API under load. Faultline runs as a child process. This process
 * first opens INCIDENT_COUNT incidents, one failing trace for each pair of SEED_SERVICES
 * services and SEED_ERROR_KINDS error kinds with `min_traces: 1`. Then it resolves all but
 * OPEN_INCIDENTS of them through the API. A
 * worker thread then sends LOAD_SPANS_PER_SECOND spans per second to the OTLP/gRPC receiver,
 * while the main thread times sequential GET requests over one keep-alive HTTP connection.
 *
 * Usage: node --single-threaded-gc --import tsx test/bench/api-latency.ts [--faultline-flag FLAG ...]
 * (`npm run bench:api`). `--single-threaded-gc` keeps this process's garbage collector off the
 * CPU that Faultline runs on; `--faultline-flag` passes a Node flag to Faultline, once per flag.
 * It prints one JSON line with p50/p99/max per route and fails (exit code 1) when a p99 is
 * at or above P99_BUDGET_MS.
 */

const INCIDENT_COUNT = 10_000;
/** Incidents are spread over this many services, each failing with INCIDENT_COUNT / SEED_SERVICES error kinds. */
const SEED_SERVICES = 1_000;
const SEED_ERROR_KINDS = INCIDENT_COUNT / SEED_SERVICES;
const OPEN_INCIDENTS = 1_000;
const LOAD_SPANS_PER_SECOND = 10_000;
const WARMUP_REQUESTS = 200;
const TIMED_REQUESTS = 2_000;
const P99_BUDGET_MS = 5;
const SEED_TRACES_PER_REQUEST = 500;
const EXPORT_METHOD_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const MAX_IN_FLIGHT = 8;
/** The status route, the first incident page, a filter that matches 100 open incidents, and one that matches 10 of 10,000. */
const MEASURED_PATHS = ['/api/v1/status', '/api/v1/incidents', '/api/v1/incidents?state=open&system=BenchSystem3', '/api/v1/incidents?service=bench-service-5'];

const passThrough = (bytes: Buffer): Buffer => bytes;

interface LoadMessage {
  sentSpans: number;
  failedCalls: number;
  /** Export call latencies in ms, sorted; they show how long Faultline's event loop is busy with one request. */
  exportLatenciesMs: number[];
}

function configYaml(): string {
  return `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:0 }
processors:
  errorcorrelation:
    wait_duration: 2s
    error_kinds:
${Array.from({ length: SEED_ERROR_KINDS }, (_, kind) => `      - { kind: bench_kind_${kind}, error_type: BenchKind${kind} }`).join('\n')}
    incidents: { window: 1m, min_traces: 1, min_error_ratio: 0, resolve_after: 30m, max_resolved: 20000 }
extensions:
  status_api: { endpoint: 127.0.0.1:0 }
service:
  extensions: [status_api]
  pipelines:
    traces: { receivers: [otlp], processors: [errorcorrelation] }
  telemetry:
    logs: { level: info }
`;
}

function exportCall(client: Client, bytes: Buffer): Promise<Error | null> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(EXPORT_METHOD_PATH, passThrough, passThrough, bytes, new Metadata(), { deadline: Date.now() + 10_000 }, (error) => resolve(error));
  });
}

/** Encodes one request with `count` failing single-span traces, from incident number `first` on. */
function seedRequest(first: number, count: number): Buffer {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const resourceSpans = Array.from({ length: count }, (_, offset) => {
    const index = first + offset;
    const id = Buffer.alloc(16);
    id.writeUInt32BE(index + 1, 12);
    return {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: `bench-service-${index % SEED_SERVICES}` } },
          { key: 'service.namespace', value: { stringValue: `BenchSystem${index % 10}` } },
        ],
      },
      scopeSpans: [
        {
          spans: [
            {
              traceId: id,
              spanId: id.subarray(8),
              name: 'Handle',
              kind: 2,
              startTimeUnixNano: String(nowNs - 1_000_000n),
              endTimeUnixNano: String(nowNs),
              status: { code: 2, message: `bench failure ${index}` },
              attributes: [{ key: 'error.type', value: { stringValue: `BenchKind${Math.floor(index / SEED_SERVICES)}` } }],
            },
          ],
        },
      ],
    };
  });
  return encodeProtobufRequest({ resourceSpans });
}

async function seedIncidents(grpcAddress: string, statusAddress: string): Promise<void> {
  const client = new Client(grpcAddress, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  for (let first = 0; first < INCIDENT_COUNT; first += SEED_TRACES_PER_REQUEST) {
    const error = await exportCall(client, seedRequest(first, Math.min(SEED_TRACES_PER_REQUEST, INCIDENT_COUNT - first)));
    if (error !== null) throw new Error(`seeding failed: ${error.message}`);
  }
  client.close();

  // Traces are analyzed `wait_duration` after their last span at the latest.
  const deadline = Date.now() + 30_000;
  let ids: string[] = [];
  while (ids.length < INCIDENT_COUNT && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    ids = await allIncidentIds(statusAddress);
  }
  if (ids.length < INCIDENT_COUNT) throw new Error(`only ${ids.length} of ${INCIDENT_COUNT} incidents opened`);

  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const toResolve = ids.slice(OPEN_INCIDENTS);
  for (let index = 0; index < toResolve.length; index += 8) {
    await Promise.all(toResolve.slice(index, index + 8).map((id) => get(agent, statusAddress, `/api/v1/incidents/${id}/resolve`, 'POST')));
  }
  agent.destroy();
}

async function allIncidentIds(statusAddress: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const response = await fetch(`http://${statusAddress}/api/v1/incidents?limit=500${query}`);
    const page = (await response.json()) as { incidents: { id: string }[]; nextCursor: string | null };
    ids.push(...page.incidents.map((incident) => incident.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids;
}

function get(agent: Agent, address: string, path: string, method = 'GET'): Promise<number> {
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host, port: Number(port), path, method, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end();
  });
}

interface RouteTiming {
  path: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Faultline's CPU time over the timed requests divided by their count; under load it includes ingest. */
  serverCpuMsPerRequest: number;
}

async function timeRoute(agent: Agent, address: string, path: string, faultlinePid: number): Promise<RouteTiming> {
  for (let index = 0; index < WARMUP_REQUESTS; index += 1) await get(agent, address, path);
  const cpuBefore = sampleProcess(faultlinePid).cpuMs;
  const durationsMs: number[] = [];
  for (let index = 0; index < TIMED_REQUESTS; index += 1) {
    const startedMs = performance.now();
    const status = await get(agent, address, path);
    durationsMs.push(performance.now() - startedMs);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}`);
  }
  const serverCpuMsPerRequest = Number(((sampleProcess(faultlinePid).cpuMs - cpuBefore) / TIMED_REQUESTS).toFixed(3));
  durationsMs.sort((left, right) => left - right);
  return { path, p50Ms: percentile(durationsMs, 0.5), p99Ms: percentile(durationsMs, 0.99), maxMs: percentile(durationsMs, 1), serverCpuMsPerRequest };
}

/** Returns the nearest-rank quantile of sorted values, rounded to microseconds. */
function percentile(sorted: readonly number[], quantile: number): number {
  const value = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))] ?? 0;
  return Number(value.toFixed(3));
}

/** Times each measured route in turn over one keep-alive connection. */
async function timeRoutes(address: string, faultlinePid: number): Promise<RouteTiming[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const routes = [];
  for (const path of MEASURED_PATHS) routes.push(await timeRoute(agent, address, path, faultlinePid));
  agent.destroy();
  return routes;
}

/** Runs in the worker: sends pre-encoded requests at LOAD_SPANS_PER_SECOND until the main thread posts a message. */
async function runLoad(grpcAddress: string): Promise<void> {
  const pool = buildPayloadPool();
  const client = new Client(grpcAddress, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  const spansPerRequest = pool.spanCount / pool.requests.length;
  const intervalMs = (spansPerRequest / LOAD_SPANS_PER_SECOND) * 1000;
  const totals: LoadMessage = { sentSpans: 0, failedCalls: 0, exportLatenciesMs: [] };
  let stopping = false;
  let inFlight = 0;
  let stamp = 1n;
  parentPort?.on('message', () => {
    stopping = true;
  });

  let nextSendMs = performance.now();
  for (let index = 0; !stopping; index += 1) {
    const waitMs = nextSendMs - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    nextSendMs += intervalMs;
    if (inFlight >= MAX_IN_FLIGHT) continue;

    const request = pool.requests[index % pool.requests.length];
    if (request === undefined) continue;
    stampTraceIds(request, stamp);
    stamp += 1n;
    inFlight += 1;
    const startedMs = performance.now();
    void exportCall(client, Buffer.from(request.bytes)).then((error) => {
      inFlight -= 1;
      totals.exportLatenciesMs.push(performance.now() - startedMs);
      if (error === null) totals.sentSpans += request.spanCount;
      else totals.failedCalls += 1;
    });
  }
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  client.close();
  totals.exportLatenciesMs.sort((left, right) => left - right);
  parentPort?.postMessage(totals);
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'faultline-api-bench-'));
  const configPath = join(directory, 'config.yaml');
  writeFileSync(configPath, configYaml());
  const { values } = parseArgs({ options: { 'faultline-flag': { type: 'string', multiple: true, default: [] } }, strict: true });
  const nodeFlags = values['faultline-flag'];
  const { process: faultline, addresses } = await FaultlineProcess.start({ configPath, nodeFlags });
  try {
    await seedIncidents(addresses.grpc, addresses.status_api);
    const idleRoutes = await timeRoutes(addresses.status_api, faultline.pid);

    // A worker does not inherit the tsx loader on Node 20, so it registers tsx before importing this file.
    const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const load = new Worker(bootstrap, { eval: true, workerData: { grpcAddress: addresses.grpc } });
    const loadDone = new Promise<LoadMessage>((resolve, reject) => {
      load.once('message', resolve);
      load.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const startedMs = performance.now();

    const routes = await Promise.race([timeRoutes(addresses.status_api, faultline.pid), loadDone.then(() => Promise.reject(new Error('the load worker stopped early')))]);

    load.postMessage('stop');
    const totals = await loadDone;
    const elapsedSeconds = (performance.now() - startedMs) / 1000;
    await load.terminate();
    const status = await faultline.status(addresses.status_api);

    const report = {
      incidents: (status as { incidents?: unknown }).incidents,
      loadSpansPerSecond: Math.round(totals.sentSpans / elapsedSeconds),
      failedLoadCalls: totals.failedCalls,
      exportLatencyMs: { p50: percentile(totals.exportLatenciesMs, 0.5), p99: percentile(totals.exportLatenciesMs, 0.99) },
      routesWithoutLoad: idleRoutes,
      routes,
      faultlineNodeFlags: nodeFlags,
      cpus: availableParallelism(),
      loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
    };
    console.log(JSON.stringify(report));
    const over = routes.filter((route) => route.p99Ms >= P99_BUDGET_MS);
    if (over.length > 0) {
      console.error(`p99 at or above ${P99_BUDGET_MS} ms: ${over.map((route) => route.path).join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await faultline.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

if (isMainThread) {
  await main();
} else {
  await runLoad((workerData as { grpcAddress: string }).grpcAddress);
}
