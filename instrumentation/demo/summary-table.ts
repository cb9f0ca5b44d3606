/**
 * The demo's closing summary: one row per fault round, and the recovery figures over all
 * rounds.
 */
import { FAULTS } from './fault-catalog.js';
import { isExpectedResult, type FaultOutcome } from './fault-round.js';
import { formatElapsed } from './timeline.js';
import { countRuns, type RunRecord } from './traffic-generator.js';

/** One summary row's values, before formatting. */
export interface OutcomeRow {
  outcome: FaultOutcome;
  /** Runs seen finishing during the round. */
  runsFinished: number;
  runsFailed: number;
  /** From injection to the incident resolving as recovered. */
  timeToRecoverMs: number | undefined;
}

/** Recovery figures over the rounds of faults that expect recovery. */
export interface RecoveryFigures {
  recoverable: number;
  recovered: number;
  /** recovered / recoverable, from 0 to 1; 1 when no fault expects recovery. */
  recoveryRatio: number;
  /** Times to recover, injection to resolved, of the recovered rounds. */
  timeToRecoverP50Ms: number | undefined;
  timeToRecoverP95Ms: number | undefined;
  timeToRecoverMaxMs: number | undefined;
}

/** Joins each outcome with the runs that finished during its round. */
export function buildRows(outcomes: readonly FaultOutcome[], runsFinishedBetween: (fromMs: number, toMs: number) => RunRecord[]): OutcomeRow[] {
  return outcomes.map((outcome) => {
    const counts = countRuns(runsFinishedBetween(outcome.injectedAtMs, outcome.endedAtMs));
    const timeToRecoverMs = outcome.recoveredAtMs === undefined ? undefined : outcome.recoveredAtMs - outcome.injectedAtMs;
    return { outcome, runsFinished: counts.started, runsFailed: counts.failed, timeToRecoverMs };
  });
}

export function computeRecoveryFigures(rows: readonly OutcomeRow[]): RecoveryFigures {
  const recoverable = rows.filter((row) => FAULTS[row.outcome.fault].expected === 'recover');
  const times = recoverable
    .filter((row) => row.outcome.result === 'recovered')
    .map((row) => row.timeToRecoverMs ?? 0)
    .sort((left, right) => left - right);
  return {
    recoverable: recoverable.length,
    recovered: times.length,
    recoveryRatio: recoverable.length === 0 ? 1 : times.length / recoverable.length,
    timeToRecoverP50Ms: percentile(times, 0.5),
    timeToRecoverP95Ms: percentile(times, 0.95),
    timeToRecoverMaxMs: times.at(-1),
  };
}

/** Returns the nearest-rank percentile of sorted values, or undefined for none. */
export function percentile(sortedValues: readonly number[], fraction: number): number | undefined {
  if (sortedValues.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil(fraction * sortedValues.length));
  return sortedValues[rank - 1];
}

const HEADER = ['fault', 'injected at', 'incident opened', 'root cause named', 'actions taken', 'recovered at', 'time to recover', 'runs failed', 'result'];

/** Formats the rows as a plain-text table; times are seconds since `startedAtMs`. */
export function formatSummaryTable(rows: readonly OutcomeRow[], startedAtMs: number): string {
  const at = (timeMs: number | undefined): string => (timeMs === undefined ? '-' : `+${formatElapsed(timeMs - startedAtMs)}`);
  const cells = rows.map(({ outcome, runsFinished, runsFailed, timeToRecoverMs }) => [
    outcome.round > 1 ? `${outcome.fault} #${outcome.round}` : outcome.fault,
    at(outcome.injectedAtMs),
    at(outcome.incident?.openedAtMs),
    describeRootCause(outcome),
    outcome.actions.length === 0 ? 'none' : outcome.actions.map((action) => `${action.action ?? '?'} (${action.outcome})`).join(', '),
    at(outcome.recoveredAtMs),
    timeToRecoverMs === undefined ? '-' : formatElapsed(timeToRecoverMs),
    `${runsFailed} of ${runsFinished}`,
    isExpectedResult(outcome) || outcome.result === 'aborted' ? outcome.result : `${outcome.result} (FAILED)`,
  ]);
  return formatTable([HEADER, ...cells]);
}

/** Formats the recovery figures as one paragraph. */
export function formatRecoveryFigures(figures: RecoveryFigures): string {
  const time = (valueMs: number | undefined): string => (valueMs === undefined ? '-' : formatElapsed(valueMs));
  return [
    `recovered with no human: ${figures.recovered} of ${figures.recoverable} recoverable faults (${(figures.recoveryRatio * 100).toFixed(1)} %)`,
    `time to recover, injection to resolved: p50 ${time(figures.timeToRecoverP50Ms)}, p95 ${time(figures.timeToRecoverP95Ms)}, max ${time(figures.timeToRecoverMaxMs)}`,
  ].join('\n');
}

function describeRootCause(outcome: FaultOutcome): string {
  const named = outcome.incident === undefined ? 'none' : `${outcome.incident.rootCause.system}/${outcome.incident.rootCause.service} (${outcome.incident.rootCause.errorKind})`;
  if (outcome.misattributed.length === 0) return named;
  const others = outcome.misattributed.map((incident) => `${incident.rootCause.system}/${incident.rootCause.service}`);
  return `${named}; also ${others.join(', ')}`;
}

function formatTable(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_cell, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join(' | ')
      .trimEnd();
  const [header, ...body] = rows;
  if (header === undefined) return '';
  const rule = widths.map((width) => '-'.repeat(width)).join('-|-');
  return [line(header), rule, ...body.map(line)].join('\n');
}
