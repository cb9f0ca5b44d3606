import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchConfigYaml } from './bench-config.js';
import { FLOOR_SPANS_PER_SECOND, printBenchResult, type BenchResult } from './bench-report.js';
import { summarizeCpuProfile } from './cpu-profile-summary.js';
import { measureDecodeThroughput, type DecodeThroughput } from './decode-throughput.js';
import { ExportSink } from './export-sink.js';
import { describeExit, FaultlineProcess, FaultlineProcessError, type FaultlineStatus } from './faultline-process.js';
import { runLoadGenerator } from './load-generator-process.js';
import type { LoadReport } from './load-report.js';
import { buildPayloadPool, DEFAULT_PAYLOAD_OPTIONS } from './payloads.js';
import { ProcessMonitor, type ProcessSample } from './process-sampler.js';

/**
 * `npm run bench`: Faultline end to end under OTLP/gRPC load, compared with decode alone.
 *
 * Starts Faultline as a child process and drives it from a load-generator process while sampling
 * its CPU time and RSS. Then waits for the trace buffer to drain, reads verdicts and verdict
 * latency from the status API, and stops Faultline with SIGTERM. Last, decodes the same payloads
 * in this process. Prints the figures, then one JSON line. Exits non-zero when Faultline crashed or accepted no span.
 *
 * Options (flag, or environment variable):
 *   --duration-ms N   BENCH_DURATION_MS   load duration in ms (default 20000)
 *   --concurrency N   BENCH_CONCURRENCY   Export calls in flight (default 8)
 *   --decode-ms N     BENCH_DECODE_MS     decode-only measurement in ms after 1 s of warm-up (default 5000)
 *   --cpu-prof        BENCH_CPU_PROF=1    run Faultline under `node --cpu-prof` and print its hot spots
 *   --exporter gzip|none  BENCH_EXPORTER  add an OTLP/gRPC exporter with that compression, sending
 *                     to a pass-through sink in this process (default: no exporter)
 */

const SAMPLE_INTERVAL_MS = 200;
const DRAIN_POLL_MS = 100;
const DRAIN_TIMEOUT_MS = 60_000;
const DECODE_WARM_UP_MS = 1000;
const HOT_SPOT_COUNT = 15;
const MIB = 1024 * 1024;

interface BenchOptions {
  durationMs: number;
  concurrency: number;
  decodeMs: number;
  cpuProfile: boolean;
  exporterCompression: 'gzip' | 'none' | undefined;
}

function readOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      'duration-ms': { type: 'string', default: process.env['BENCH_DURATION_MS'] ?? '20000' },
      concurrency: { type: 'string', default: process.env['BENCH_CONCURRENCY'] ?? '8' },
      'decode-ms': { type: 'string', default: process.env['BENCH_DECODE_MS'] ?? '5000' },
      'cpu-prof': { type: 'boolean', default: process.env['BENCH_CPU_PROF'] === '1' },
      exporter: { type: 'string', default: process.env['BENCH_EXPORTER'] ?? '' },
    },
  });
  const exporter = values.exporter;
  if (exporter !== '' && exporter !== 'gzip' && exporter !== 'none') {
    throw new Error(`--exporter must be gzip or none, got ${JSON.stringify(exporter)}`);
  }
  return {
    durationMs: positiveInteger('--duration-ms', values['duration-ms']),
    concurrency: positiveInteger('--concurrency', values.concurrency),
    decodeMs: positiveInteger('--decode-ms', values['decode-ms']),
    cpuProfile: values['cpu-prof'],
    exporterCompression: exporter === '' ? undefined : exporter,
  };
}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

/** The figures of the load phase, before decode-only runs. */
interface EndToEndFigures {
  load: LoadReport;
  cpuStart: ProcessSample;
  cpuEnd: ProcessSample;
  rssPeakBytes: number;
  rssEndBytes: number;
  drainMs: number;
  status: FaultlineStatus;
}

async function runEndToEnd(options: BenchOptions, workDirectory: string, sinkEndpoint: string | undefined): Promise<EndToEndFigures> {
  const configPath = join(workDirectory, 'bench-config.yaml');
  const compression = options.exporterCompression;
  const exporter = sinkEndpoint === undefined || compression === undefined ? undefined : { endpoint: sinkEndpoint, compression };
  writeFileSync(configPath, benchConfigYaml(exporter));
  const nodeFlags = options.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${join(workDirectory, 'profile')}`] : [];
  const { process: faultline, addresses } = await FaultlineProcess.start({ configPath, nodeFlags });
  const monitor = new ProcessMonitor(faultline.pid, SAMPLE_INTERVAL_MS);
  monitor.start();

  try {
    let cpuStart: ProcessSample | undefined;
    const load = await runLoadGenerator({
      target: addresses.grpc,
      durationMs: options.durationMs,
      concurrency: options.concurrency,
      onReady: () => {
        cpuStart = monitor.sample();
      },
    });
    checkRunning(faultline);
    const cpuEnd = monitor.sample();
    if (cpuStart === undefined) throw new Error('the load generator finished without reporting that it started');

    const drainStartedMs = performance.now();
    const status = await waitForDrain(faultline, addresses.status_api);
    const drainMs = performance.now() - drainStartedMs;
    const rssEndBytes = monitor.sample().rssBytes;
    monitor.stop();

    const exit = await faultline.stop();
    if (exit.kind === 'exited' && exit.code !== 0) {
      throw new FaultlineProcessError(`faultline did not stop cleanly (${describeExit(exit)}):\n${faultline.recentOutput()}`);
    }
    return { load, cpuStart, cpuEnd, rssPeakBytes: monitor.peakRss(), rssEndBytes, drainMs, status };
  } finally {
    monitor.stop();
    if (faultline.exitState().kind === 'running') await faultline.stop().catch(() => undefined);
  }
}

/** Polls the status API until the buffer contains no trace, and returns that status. */
async function waitForDrain(faultline: FaultlineProcess, statusAddress: string): Promise<FaultlineStatus> {
  const deadlineMs = performance.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    checkRunning(faultline);
    const status = await faultline.status(statusAddress);
    if (status.buffer.tracesHeld === 0) return status;
    if (performance.now() > deadlineMs) {
      throw new FaultlineProcessError(`the trace buffer still held ${status.buffer.tracesHeld} traces ${DRAIN_TIMEOUT_MS} ms after the load`);
    }
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
}

function checkRunning(faultline: FaultlineProcess): void {
  const exit = faultline.exitState();
  if (exit.kind === 'exited') {
    throw new FaultlineProcessError(`faultline crashed during the benchmark (${describeExit(exit)}):\n${faultline.recentOutput()}`);
  }
}

function describeMachine(): BenchResult['machine'] {
  const cpuInfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuInfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return { cpus: cpus().length, cpuModel, memoryGiB: totalmem() / 1024 ** 3, node: process.versions.node };
}

async function main(): Promise<number> {
  const options = readOptions();
  // Built first, so the payloads decode-only reads exist before any timing starts.
  const pool = buildPayloadPool({ ...DEFAULT_PAYLOAD_OPTIONS, requestCount: Math.max(DEFAULT_PAYLOAD_OPTIONS.requestCount, options.concurrency) });
  const workDirectory = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
  const sink = options.exporterCompression === undefined ? undefined : new ExportSink();

  try {
    const sinkEndpoint = await sink?.start();
    const figures = await runEndToEnd(options, workDirectory, sinkEndpoint);
    if (sink !== undefined) {
      console.log(`exporter (${options.exporterCompression ?? ''}) sent ${sink.requests} requests, ${(sink.bytes / MIB).toFixed(1)} MiB, to the sink`);
    }
    const decodeOnly = measureDecodeThroughput(pool.requests, DECODE_WARM_UP_MS, options.decodeMs);
    const result = buildResult(figures, decodeOnly);
    if (options.cpuProfile) result.profile = summarizeCpuProfile(join(workDirectory, 'profile'), HOT_SPOT_COUNT);
    printBenchResult(result);
    if (result.acceptedSpans === 0) {
      console.error('bench failed: faultline accepted no span');
      return 1;
    }
    return 0;
  } finally {
    await sink?.stop();
    // The profile stays for inspection in DevTools; everything else is removed.
    if (!options.cpuProfile) rmSync(workDirectory, { recursive: true, force: true });
  }
}

function buildResult(figures: EndToEndFigures, decodeOnly: DecodeThroughput): BenchResult {
  const { load, status } = figures;
  const acceptedSpansPerSecond = (load.acceptedSpans * 1000) / load.durationMs;
  const cpuMs = figures.cpuEnd.cpuMs - figures.cpuStart.cpuMs;
  const wallMs = figures.cpuEnd.atMs - figures.cpuStart.atMs;
  const cpuMicrosecondsPerSpan = load.acceptedSpans === 0 ? 0 : (cpuMs * 1000) / load.acceptedSpans;
  const decodeCpuMicrosecondsPerSpan = 1_000_000 / decodeOnly.spansPerCpuSecond;
  return {
    machine: describeMachine(),
    load: {
      durationMs: load.durationMs,
      concurrency: load.concurrency,
      requestsSent: load.requestsSent,
      tracesSent: load.tracesSent,
      failingTracesSent: load.failingTracesSent,
      generatorCpuPercent: load.cpuPercent,
    },
    acceptedSpansPerSecond,
    acceptedSpans: load.acceptedSpans,
    statusAcceptedSpans: status.receiver.grpc.acceptedSpans,
    meetsFloor: acceptedSpansPerSecond >= FLOOR_SPANS_PER_SECOND,
    faultlineCpuPercent: (cpuMs * 100) / wallMs,
    cpuMicrosecondsPerSpan,
    spansPerCpuSecond: cpuMs === 0 ? 0 : (load.acceptedSpans * 1000) / cpuMs,
    rssPeakMiB: figures.rssPeakBytes / MIB,
    rssEndMiB: figures.rssEndBytes / MIB,
    drainMs: figures.drainMs,
    verdicts: status.correlation.verdicts,
    verdictLatency: status.correlation.verdictLatency,
    incidentsByState: status.incidents.byState,
    tracesEvicted: status.buffer.tracesEvicted,
    backPressureRetries: load.backPressureRetries,
    backPressureWaitMs: load.backPressureWaitMs,
    errorsByCode: load.errorsByCode,
    decodeOnlySpansPerSecond: decodeOnly.spansPerSecond,
    decodeOnlySpansPerCpuSecond: decodeOnly.spansPerCpuSecond,
    endToEndOverDecodeOnly: acceptedSpansPerSecond / decodeOnly.spansPerSecond,
    decodeShareOfCpu: cpuMicrosecondsPerSpan === 0 ? 0 : decodeCpuMicrosecondsPerSpan / cpuMicrosecondsPerSpan,
  };
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
