import { describe, expect, it } from 'vitest';
import type { FaultName } from '../../../instrumentation/demo/fault-catalog.js';
import type { FaultOutcome, RoundResult } from '../../../instrumentation/demo/fault-round.js';
import type { IncidentView } from '../../../instrumentation/demo/status-client.js';
import { buildRows, computeRecoveryFigures, formatSummaryTable, percentile } from '../../../instrumentation/demo/summary-table.js';
import type { RunRecord } from '../../../instrumentation/demo/traffic-generator.js';

const STARTED_AT_MS = 1_000_000;

function incident(system: string, service: string, openedAtMs: number): IncidentView {
  return {
    id: `inc-${openedAtMs}`,
    key: `${system}/${service}/model_failure`,
    state: 'resolved',
    rootCause: { service, system, errorKind: 'model_failure', operations: ['Predict'] },
    fingerprints: [],
    propagationPath: [],
    openedAtMs,
    lastSeenAtMs: openedAtMs,
    resolvedAtMs: undefined,
    failingTraces: 3,
    errorRatio: 0.5,
    sampleTraceIds: [],
  };
}

function outcome(fault: FaultName, result: RoundResult, injectedAtMs: number, recoveredAtMs?: number): FaultOutcome {
  return {
    fault,
    system: 'NeuroWeaver',
    round: 1,
    result,
    injectedAtMs,
    incident: incident('NeuroWeaver', 'neuroweaver', injectedAtMs + 1_000),
    misattributed: [],
    actions: [],
    recoveredAtMs,
    clearedAtMs: injectedAtMs + 8_000,
    endedAtMs: injectedAtMs + 9_000,
  };
}

function run(finishedAtMs: number, failed: boolean): RunRecord {
  return { runId: `run-${finishedAtMs}`, traceId: '', startedAtMs: finishedAtMs - 500, status: failed ? 'failed' : 'succeeded', failedOnce: failed, readAtMs: finishedAtMs, finishedAtMs, error: failed ? 'step answer failed' : '' };
}

describe('percentile', () => {
  it.each([
    { values: [], fraction: 0.5, expected: undefined },
    { values: [7], fraction: 0.95, expected: 7 },
    { values: [1, 2, 3, 4], fraction: 0.5, expected: 2 },
    { values: [1, 2, 3, 4], fraction: 0.95, expected: 4 },
    { values: [1, 2, 3, 4], fraction: 0, expected: 1 },
  ])('returns $expected for $fraction of $values', ({ values, fraction, expected }) => {
    expect(percentile(values, fraction)).toBe(expected);
  });
});

describe('computeRecoveryFigures', () => {
  it('counts recoverable rounds and times to recover', () => {
    const rows = buildRows(
      [
        outcome('model_crash', 'recovered', STARTED_AT_MS, STARTED_AT_MS + 4_000),
        outcome('slow_model', 'escalated', STARTED_AT_MS + 10_000),
        outcome('corrupted_route', 'recovered', STARTED_AT_MS + 20_000, STARTED_AT_MS + 26_000),
        outcome('client_bug', 'no_action', STARTED_AT_MS + 30_000),
      ],
      () => [],
    );

    const figures = computeRecoveryFigures(rows);

    expect(figures).toEqual({
      recoverable: 3,
      recovered: 2,
      recoveryRatio: 2 / 3,
      timeToRecoverP50Ms: 4_000,
      timeToRecoverP95Ms: 6_000,
      timeToRecoverMaxMs: 6_000,
    });
  });
});

describe('buildRows', () => {
  it('counts runs finished during the round', () => {
    const runs = [run(STARTED_AT_MS - 1, true), run(STARTED_AT_MS, true), run(STARTED_AT_MS + 1, false), run(STARTED_AT_MS + 9_000, true)];
    const [row] = buildRows([outcome('model_crash', 'recovered', STARTED_AT_MS, STARTED_AT_MS + 4_000)], (fromMs, toMs) =>
      runs.filter((candidate) => (candidate.finishedAtMs ?? 0) >= fromMs && (candidate.finishedAtMs ?? 0) < toMs),
    );

    expect(row).toMatchObject({ runsFinished: 2, runsFailed: 1, timeToRecoverMs: 4_000 });
  });
});

describe('formatSummaryTable', () => {
  it('marks unexpected results and names the root cause', () => {
    const rows = buildRows([outcome('model_crash', 'recovered', STARTED_AT_MS, STARTED_AT_MS + 4_000), outcome('slow_model', 'escalated', STARTED_AT_MS + 10_000)], () => []);

    const lines = formatSummaryTable(rows, STARTED_AT_MS).split('\n');

    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^fault +\| injected at \| incident opened \| root cause named/);
    expect(lines[2]).toMatch(/^model_crash +\| \+0\.0s +\| \+1\.0s +\| NeuroWeaver\/neuroweaver \(model_failure\) \| none +\| \+4\.0s +\| 4\.0s +\| 0 of 0 +\| recovered$/);
    expect(lines[3]).toContain('escalated (FAILED)');
  });
});
