import { parseArgs } from 'node:util';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { otlpProtoTypes } from '../../src/receiver/otlp-proto-types.js';
import type { LoadReport } from './load-report.js';
import { buildPayloadPool, DEFAULT_PAYLOAD_OPTIONS, stampTraceIds, type BenchRequest } from './payloads.js';

/**
 * The benchmark's load generator, run as its own process so it does not share a core with
 * Faultline. It sends the pre-encoded payloads to OTLP/gRPC `Export` with a pass-through
 * serializer, keeps `--concurrency` calls in flight for `--duration-ms`, and on UNAVAILABLE
 * waits the server's `grpc-retry-pushback-ms` and sends the same request again. It prints one
 * JSON `LoadReport` line on stdout.
 *
 * Usage: node --import tsx test/bench/load-generator.ts --target 127.0.0.1:4317
 *   [--duration-ms 20000] [--concurrency 8]
 */

const EXPORT_METHOD_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const RETRY_PUSHBACK_HEADER = 'grpc-retry-pushback-ms';
/** Wait after any other error, so a dead server does not turn the loop into a busy spin. */
const ERROR_PAUSE_MS = 50;
const CALL_DEADLINE_MS = 10_000;

const passThrough = (bytes: Buffer): Buffer => bytes;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface CallResult {
  error: ServiceError | null;
  response: Buffer | undefined;
}

/** Sends requests from a shared pool; each pool entry is used by one call at a time. */
class LoadGenerator {
  private readonly client: Client;
  private readonly idle: BenchRequest[];
  private readonly responseType = otlpProtoTypes().exportResponse;
  private nextStamp = 1n;
  private readonly report: LoadReport;

  constructor(target: string, requests: BenchRequest[], concurrency: number) {
    this.client = new Client(target, credentials.createInsecure(), { 'grpc.enable_retries': 0, 'grpc.max_send_message_length': -1 });
    this.idle = [...requests];
    this.report = {
      durationMs: 0,
      concurrency,
      requestsSent: 0,
      acceptedSpans: 0,
      tracesSent: 0,
      failingTracesSent: 0,
      rejectedSpans: 0,
      backPressureRetries: 0,
      backPressureWaitMs: 0,
      cpuPercent: 0,
      errorsByCode: {},
    };
  }

  async run(durationMs: number): Promise<LoadReport> {
    const startedMs = performance.now();
    const cpuAtStart = process.cpuUsage();
    const deadlineMs = startedMs + durationMs;
    const senders = Array.from({ length: this.report.concurrency }, () => this.sendUntil(deadlineMs));
    await Promise.all(senders);
    this.report.durationMs = performance.now() - startedMs;
    const cpu = process.cpuUsage(cpuAtStart);
    this.report.cpuPercent = (cpu.user + cpu.system) / 10 / this.report.durationMs;
    this.client.close();
    return this.report;
  }

  private async sendUntil(deadlineMs: number): Promise<void> {
    while (performance.now() < deadlineMs) {
      const request = this.idle.pop();
      if (request === undefined) throw new Error('the payload pool has fewer requests than concurrent calls');
      stampTraceIds(request, this.nextStamp);
      this.nextStamp += 1n;
      await this.sendWithRetry(request, deadlineMs);
      this.idle.unshift(request);
    }
  }

  /** Sends one request, retrying after back-pressure until it is taken or the run ends. */
  private async sendWithRetry(request: BenchRequest, deadlineMs: number): Promise<void> {
    for (;;) {
      const { error, response } = await this.call(request.bytes);
      if (error === null) {
        const rejected = this.rejectedSpans(response);
        this.report.requestsSent += 1;
        this.report.acceptedSpans += request.spanCount - rejected;
        this.report.rejectedSpans += rejected;
        this.report.tracesSent += request.traceCount;
        this.report.failingTracesSent += request.failingTraceCount;
        return;
      }
      // Faultline's back-pressure is UNAVAILABLE with a pushback; UNAVAILABLE without one is a lost connection.
      const pushbackMs = error.code === GrpcStatus.UNAVAILABLE ? readPushbackMs(error.metadata) : undefined;
      if (pushbackMs === undefined) {
        const name = GrpcStatus[error.code] ?? String(error.code);
        this.report.errorsByCode[name] = (this.report.errorsByCode[name] ?? 0) + 1;
        await sleep(ERROR_PAUSE_MS);
        return;
      }
      if (performance.now() + pushbackMs >= deadlineMs) return;
      this.report.backPressureRetries += 1;
      this.report.backPressureWaitMs += pushbackMs;
      await sleep(pushbackMs);
    }
  }

  private call(bytes: Buffer): Promise<CallResult> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        EXPORT_METHOD_PATH,
        passThrough,
        passThrough,
        bytes,
        new Metadata(),
        { deadline: Date.now() + CALL_DEADLINE_MS },
        (error, response) => resolve({ error, response }),
      );
    });
  }

  private rejectedSpans(response: Buffer | undefined): number {
    if (response === undefined || response.length === 0) return 0;
    const decoded = this.responseType.toObject(this.responseType.decode(response), { longs: Number }) as {
      partialSuccess?: { rejectedSpans?: number };
    };
    return decoded.partialSuccess?.rejectedSpans ?? 0;
  }
}

/** Returns the pushback trailer in ms, or undefined when the error carries none. */
function readPushbackMs(metadata: Metadata | undefined): number | undefined {
  const value = metadata?.get(RETRY_PUSHBACK_HEADER)[0];
  const pushbackMs = typeof value === 'string' ? Number.parseInt(value, 10) : Number.NaN;
  return Number.isFinite(pushbackMs) && pushbackMs >= 0 ? pushbackMs : undefined;
}

function readOptions(): { target: string; durationMs: number; concurrency: number } {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      'duration-ms': { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '8' },
    },
  });
  if (values.target === undefined) throw new Error('missing --target host:port of the OTLP/gRPC receiver');
  const durationMs = Number(values['duration-ms']);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(durationMs) || durationMs <= 0) throw new Error(`--duration-ms must be a positive integer, got ${values['duration-ms']}`);
  if (!Number.isInteger(concurrency) || concurrency <= 0) throw new Error(`--concurrency must be a positive integer, got ${values.concurrency}`);
  return { target: values.target, durationMs, concurrency };
}

async function main(): Promise<void> {
  const options = readOptions();
  const pool = buildPayloadPool({ ...DEFAULT_PAYLOAD_OPTIONS, requestCount: Math.max(DEFAULT_PAYLOAD_OPTIONS.requestCount, options.concurrency) });
  // The parent starts timing Faultline's CPU when this line arrives, after the payloads are built.
  process.stderr.write('load generator ready\n');
  const report = await new LoadGenerator(options.target, pool.requests, options.concurrency).run(options.durationMs);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
