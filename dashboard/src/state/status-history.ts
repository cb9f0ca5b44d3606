import type { StatusResponse } from '../api/wire-types.js';

const DROPPED_REQUEST_REASONS = ['malformed', 'too_large', 'unsupported_media_type'] as const;

/** Readings kept for the charts: at the 2-second poll, 30 minutes. */
export const MAX_STATUS_SAMPLES = 900;

/** The growing counters of one `/api/v1/status` reading. */
export interface StatusSample {
  atMs: number;
  acceptedSpans: number;
  verdicts: number;
  failedVerdicts: number;
  /**
   * Spans rejected one by one plus requests rejected whole as bad data (malformed, too large,
   * unsupported). Back-pressure rejections are left out, because the sender retries them.
   */
  drops: number;
}

/** Rates between two readings, per second. */
export interface PipelineRates {
  spansPerSecond: number;
  verdictsPerSecond: number;
  failedTracesPerMinute: number;
  dropsPerSecond: number;
}

/** Successive status readings, so the overview can show rates and a failing-traces chart. */
export class StatusHistory {
  readonly samples: StatusSample[] = [];
  latest: StatusResponse | undefined;

  add(status: StatusResponse, atMs: number): void {
    const previous = this.samples.at(-1);
    const sample = readSample(status, atMs);
    // A restarted server starts its counters again from zero; the old readings no longer compare.
    if (previous !== undefined && sample.acceptedSpans < previous.acceptedSpans) this.samples.length = 0;
    this.samples.push(sample);
    if (this.samples.length > MAX_STATUS_SAMPLES) this.samples.shift();
    this.latest = status;
  }

  /** Rates between the last two readings, or undefined before the second one. */
  rates(): PipelineRates | undefined {
    const last = this.samples.at(-1);
    const previous = this.samples.at(-2);
    if (last === undefined || previous === undefined) return undefined;
    return ratesBetween(previous, last);
  }

  /** Failing traces per minute at each reading after the first, as chart columns [seconds, values]. */
  failingTracesSeries(): [number[], number[]] {
    const times: number[] = [];
    const values: number[] = [];
    for (let index = 1; index < this.samples.length; index += 1) {
      const previous = this.samples[index - 1];
      const current = this.samples[index];
      if (previous === undefined || current === undefined) continue;
      times.push(current.atMs / 1_000);
      values.push(ratesBetween(previous, current).failedTracesPerMinute);
    }
    return [times, values];
  }
}

function ratesBetween(previous: StatusSample, current: StatusSample): PipelineRates {
  const seconds = Math.max(0.001, (current.atMs - previous.atMs) / 1_000);
  return {
    spansPerSecond: (current.acceptedSpans - previous.acceptedSpans) / seconds,
    verdictsPerSecond: (current.verdicts - previous.verdicts) / seconds,
    failedTracesPerMinute: ((current.failedVerdicts - previous.failedVerdicts) / seconds) * 60,
    dropsPerSecond: (current.drops - previous.drops) / seconds,
  };
}

export function readSample(status: StatusResponse, atMs: number): StatusSample {
  const transports = [status.receiver?.grpc, status.receiver?.http];
  let acceptedSpans = 0;
  let drops = 0;
  for (const counts of transports) {
    if (counts === undefined) continue;
    acceptedSpans += counts.acceptedSpans;
    drops += sum(counts.rejectedSpans);
    for (const reason of DROPPED_REQUEST_REASONS) drops += counts.rejectedRequests[reason] ?? 0;
  }

  const verdicts = status.correlation?.verdicts ?? {};
  return {
    atMs,
    acceptedSpans,
    verdicts: (verdicts.healthy ?? 0) + (verdicts.handled ?? 0) + (verdicts.failed ?? 0),
    failedVerdicts: verdicts.failed ?? 0,
    drops,
  };
}

function sum(counts: Record<string, number> | undefined): number {
  if (counts === undefined) return 0;
  return Object.values(counts).reduce((total, count) => total + count, 0);
}
