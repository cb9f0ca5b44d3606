import type { VerdictOutcome } from '../correlation/verdict.js';

/** The figures of the `errorcorrelation` stage that the metrics export. */
export interface CorrelationFigures {
  /** First verdicts since start, by outcome; each one also adds one verdict latency sample. */
  verdicts: Record<VerdictOutcome, number>;
  /** Verdicts made again because late spans joined an analyzed trace. */
  revisedVerdicts: number;
  /** Traces whose analysis threw. */
  analysisErrors: number;
  /** From a trace's last span to its first verdict, over the latest samples; undefined when none. */
  verdictLatency: { p50Ms: number | undefined; p99Ms: number | undefined };
  /** Service addresses learned from spans, used to name callees that reported nothing. */
  knownServiceAddresses: number;
}

function recordAt(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function countAt(record: Record<string, unknown>, key: string): number {
  const value = record[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function optionalNumberAt(record: Record<string, unknown>, key: string): number | undefined {
  const value = record[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Reads the figures out of `CorrelationStage.snapshot()`. A missing or non-numeric field reads
 * as 0 (or undefined for a percentile), so a renamed field shows up as a flat series, not a
 * failed scrape.
 */
// NOTE: the stage's snapshot is typed Record<string, unknown>; a typed snapshot would make this reader unnecessary.
export function readCorrelationFigures(snapshot: Record<string, unknown>): CorrelationFigures {
  const verdicts = recordAt(snapshot['verdicts']);
  const latency = recordAt(snapshot['verdictLatency']);
  return {
    verdicts: { healthy: countAt(verdicts, 'healthy'), handled: countAt(verdicts, 'handled'), failed: countAt(verdicts, 'failed') },
    revisedVerdicts: countAt(snapshot, 'revisedVerdicts'),
    analysisErrors: countAt(snapshot, 'analysisErrors'),
    verdictLatency: { p50Ms: optionalNumberAt(latency, 'p50Ms'), p99Ms: optionalNumberAt(latency, 'p99Ms') },
    knownServiceAddresses: countAt(snapshot, 'knownServiceAddresses'),
  };
}
