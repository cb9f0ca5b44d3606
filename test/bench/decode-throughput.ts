import { decodeProtobufRequest } from '../../src/receiver/otlp-protobuf-decoder.js';
import type { BenchRequest } from './payloads.js';

/** Decode-only throughput: `decodeProtobufRequest` over the payload pool in this process. */

export interface DecodeThroughput {
  /** Decoded spans per second of wall time. */
  spansPerSecond: number;
  /** Decoded spans per second of this process's CPU time, which time spent descheduled does not inflate. */
  spansPerCpuSecond: number;
  decodedSpans: number;
  durationMs: number;
}

/** Decodes the requests round-robin for `warmUpMs`, then measures for `durationMs`. */
export function measureDecodeThroughput(requests: readonly BenchRequest[], warmUpMs: number, durationMs: number): DecodeThroughput {
  decodeFor(requests, warmUpMs);
  const cpuAtStart = process.cpuUsage();
  const { decodedSpans, elapsedMs } = decodeFor(requests, durationMs);
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { spansPerSecond: (decodedSpans * 1000) / elapsedMs, spansPerCpuSecond: (decodedSpans * 1000) / cpuMs, decodedSpans, durationMs: elapsedMs };
}

function decodeFor(requests: readonly BenchRequest[], durationMs: number): { decodedSpans: number; elapsedMs: number } {
  const startedMs = performance.now();
  let decodedSpans = 0;
  let index = 0;
  while (performance.now() - startedMs < durationMs) {
    const request = requests[index % requests.length];
    index += 1;
    if (request === undefined) throw new RangeError('no requests to decode');
    const decoded = decodeProtobufRequest(request.bytes);
    if (decoded.spans.length !== request.spanCount) {
      throw new Error(`decoded ${decoded.spans.length} spans from a request of ${request.spanCount}: ${decoded.firstInvalidReason}`);
    }
    decodedSpans += decoded.spans.length;
  }
  return { decodedSpans, elapsedMs: performance.now() - startedMs };
}
