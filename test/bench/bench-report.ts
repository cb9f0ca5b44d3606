import type { ProfileSummary } from './cpu-profile-summary.js';

/** The figures of one benchmark run, and how they are printed. */

/** The end-to-end floor: accepted spans per second with Faultline on one core. */
export const FLOOR_SPANS_PER_SECOND = 20_000;

export interface BenchResult {
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  load: { durationMs: number; concurrency: number; requestsSent: number; tracesSent: number; failingTracesSent: number; generatorCpuPercent: number };
  /** Spans Faultline accepted per second of load, end to end over gRPC. */
  acceptedSpansPerSecond: number;
  acceptedSpans: number;
  /** Spans the status API counted as accepted; equals `acceptedSpans` unless a response was lost. */
  statusAcceptedSpans: number;
  meetsFloor: boolean;
  /** Faultline's CPU time during the load over wall time, in percent of one core. */
  faultlineCpuPercent: number;
  /** Faultline's CPU time during the load per accepted span, in µs. */
  cpuMicrosecondsPerSpan: number;
  /**
   * Accepted spans per second of Faultline CPU time: an estimate of the end-to-end rate on a
   * whole idle core, for runs where Faultline got less than one core.
   */
  spansPerCpuSecond: number;
  rssPeakMiB: number;
  rssEndMiB: number;
  /** Time from the end of the load until the buffer held no trace, in ms. */
  drainMs: number;
  verdicts: Record<string, number>;
  /** Time from a trace's last span arriving to its verdict, over the status API's latest samples. */
  verdictLatency: { p50Ms: number | null; p99Ms: number | null; samples: number };
  incidentsByState: Record<string, number>;
  tracesEvicted: number;
  backPressureRetries: number;
  backPressureWaitMs: number;
  errorsByCode: Record<string, number>;
  /** `decodeProtobufRequest` alone over the same payloads, in the bench process. */
  decodeOnlySpansPerSecond: number;
  /** The same per second of the bench process's CPU time. */
  decodeOnlySpansPerCpuSecond: number;
  /** End-to-end spans/s over decode-only spans/s, both from this run. */
  endToEndOverDecodeOnly: number;
  /**
   * Decode-only CPU µs per span over Faultline's CPU µs per span: the share of Faultline's CPU
   * that decoding explains. Both are CPU times, so it stays steadier than the spans/s ratio
   * when the machine is busy.
   */
  decodeShareOfCpu: number;
  /** Faultline's hottest functions and files, when the run was profiled. */
  profile?: ProfileSummary;
}

const integer = (value: number): string => Math.round(value).toLocaleString('en-US');
const fixed = (value: number | null, digits: number): string => (value === null ? 'n/a' : value.toFixed(digits));

/** Prints the figures for people, then the same figures as one JSON line. */
export function printBenchResult(result: BenchResult): void {
  const lines = [
    `machine                 ${result.machine.cpus} × ${result.machine.cpuModel}, ${fixed(result.machine.memoryGiB, 1)} GiB, Node ${result.machine.node}`,
    `load                    ${fixed(result.load.durationMs / 1000, 1)} s, ${result.load.concurrency} calls in flight, ${integer(result.load.requestsSent)} requests, ${integer(result.load.tracesSent)} traces (${integer(result.load.failingTracesSent)} failing), generator CPU ${fixed(result.load.generatorCpuPercent, 1)} %`,
    `accepted spans/s        ${integer(result.acceptedSpansPerSecond)} (${integer(result.acceptedSpans)} spans; status API counted ${integer(result.statusAcceptedSpans)})`,
    `floor ${integer(FLOOR_SPANS_PER_SECOND)} spans/s    ${result.meetsFloor ? 'met' : 'NOT met'}`,
    `faultline CPU           ${fixed(result.faultlineCpuPercent, 1)} % of one core, ${fixed(result.cpuMicrosecondsPerSpan, 2)} µs per span (${integer(result.spansPerCpuSecond)} spans per CPU-second)`,
    `faultline RSS           peak ${fixed(result.rssPeakMiB, 1)} MiB, end ${fixed(result.rssEndMiB, 1)} MiB`,
    `verdict latency         p50 ${fixed(result.verdictLatency.p50Ms, 1)} ms, p99 ${fixed(result.verdictLatency.p99Ms, 1)} ms (${integer(result.verdictLatency.samples)} samples)`,
    `verdicts                ${formatCounts(result.verdicts)}`,
    `incidents               ${formatCounts(result.incidentsByState)}`,
    `buffer                  drained ${integer(result.drainMs)} ms after the load, ${integer(result.tracesEvicted)} traces evicted`,
    `back-pressure           ${integer(result.backPressureRetries)} retries, ${integer(result.backPressureWaitMs)} ms waited`,
    `errors                  ${formatCounts(result.errorsByCode)}`,
    `decode-only spans/s     ${integer(result.decodeOnlySpansPerSecond)} (${integer(result.decodeOnlySpansPerCpuSecond)} spans per CPU-second)`,
    `end-to-end/decode-only  ${fixed(result.endToEndOverDecodeOnly, 3)} (spans/s ratio); decode is ${fixed(result.decodeShareOfCpu * 100, 1)} % of Faultline's CPU per span`,
  ];
  if (result.profile !== undefined) lines.push(...formatProfile(result.profile));
  console.log(lines.join('\n'));
  console.log(JSON.stringify(result));
}

function formatProfile(profile: ProfileSummary): string[] {
  return [
    `profile                 ${profile.profilePath}`,
    'self time by function:',
    ...profile.topFunctions.map((spot) => `  ${fixed(spot.selfPercent, 1).padStart(5)} %  ${spot.name}`),
    'self time by file:',
    ...profile.topFiles.map((spot) => `  ${fixed(spot.selfPercent, 1).padStart(5)} %  ${spot.name}`),
  ];
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  if (entries.length === 0) return 'none';
  return entries.map(([name, count]) => `${name} ${integer(count)}`).join(', ');
}
