import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoSession } from '../../instrumentation/demo/demo-session.js';
import type { FaultName } from '../../instrumentation/demo/fault-catalog.js';
import type { FaultOutcome } from '../../instrumentation/demo/fault-round.js';
import { buildRows, computeRecoveryFigures, formatRecoveryFigures } from '../../instrumentation/demo/summary-table.js';
import { countRuns, type RunRecord } from '../../instrumentation/demo/traffic-generator.js';
import { RECOVERABLE_FAULTS, startTestSession, waitForRunsFinished } from './reference-systems-harness.js';

/**
 * End-to-end tests of Faultline with the three reference systems as real processes:
 * AutoMatrix → RelayCore → NeuroWeaver, real OpenTelemetry instrumentation, real traffic and
 * real fault injection. The processes start once for the whole file; each test injects
 * faults through the demo's orchestration and reads Faultline's status API.
 */

const START_TIMEOUT_MS = 120_000;
/** One fault round, from injection to settled traffic, with room for a slow machine. */
const ROUND_TIMEOUT_MS = 60_000;
/** Recoverable faults the recovery-rate test needs in one deployment, counting earlier tests' rounds. */
const RECOVERABLE_ROUNDS = 20;
const MIN_RECOVERY_RATIO = 0.95;
const CALLER_TO_MODEL_SYSTEMS = ['AutoMatrix', 'RelayCore', 'NeuroWeaver'];

let directory: string;
let session: DemoSession | undefined;
const timelineLines: string[] = [];
const outcomes: FaultOutcome[] = [];

function running(): DemoSession {
  if (session === undefined) throw new Error('the deployment did not start; see beforeAll');
  return session;
}

/** Returns the timeline so far, for assertion messages. */
function timeline(): string {
  return `timeline:\n${timelineLines.join('\n')}`;
}

async function runFault(fault: FaultName): Promise<FaultOutcome> {
  const outcome = await running().runFault(fault);
  outcomes.push(outcome);
  return outcome;
}

/** Runs started while the fault was still injected but after the incident was resolved as recovered. */
async function runsAfterRecovery(outcome: FaultOutcome): Promise<RunRecord[]> {
  expect(outcome.recoveredAtMs, timeline()).toBeDefined();
  const runs = running().runsStartedBetween(outcome.recoveredAtMs ?? outcome.clearedAtMs, outcome.clearedAtMs);
  await waitForRunsFinished(running(), runs);
  return runs;
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'faultline-reference-e2e-'));
  session = await startTestSession(directory, (line) => timelineLines.push(line));
}, START_TIMEOUT_MS);

afterAll(async () => {
  await session?.stop();
  rmSync(directory, { recursive: true, force: true });
}, START_TIMEOUT_MS);

describe('reference systems under faultline', () => {
  it('switches model on NeuroWeaver crash', async () => {
    const neuroweaver = running().deployment.systems.NeuroWeaver.endpoints.service;

    const outcome = await runFault('model_crash');

    expect(outcome.result, timeline()).toBe('recovered');
    expect(outcome.incident?.rootCause).toMatchObject({ system: 'NeuroWeaver', service: neuroweaver });
    expect(outcome.incident?.propagationPath.map((hop) => hop.system)).toEqual(CALLER_TO_MODEL_SYSTEMS);
    expect(outcome.actions[0]).toMatchObject({ action: 'switch_model', outcome: 'applied' });
    const after = countRuns(await runsAfterRecovery(outcome));
    expect(after.started).toBeGreaterThan(0);
    expect(after.failed, timeline()).toBe(0);
  }, ROUND_TIMEOUT_MS);

  it('reroutes and blames RelayCore on corrupted route', async () => {
    const outcome = await runFault('corrupted_route');

    expect(outcome.result, timeline()).toBe('recovered');
    expect(outcome.incident?.rootCause.system).toBe('RelayCore');
    expect(outcome.misattributed.map((incident) => incident.rootCause.system)).not.toContain('AutoMatrix');
    expect(outcome.actions.map((action) => action.action)).toContain('reroute');
    const verdict = await running().status.verdict(outcome.incident?.sampleTraceIds.at(-1) ?? '');
    expect(verdict?.outcome).toBe('failed');
    expect(verdict?.rootCauses[0]?.system).toBe('RelayCore');
    expect(verdict?.propagationPath.map((hop) => hop.system)).toEqual(['AutoMatrix', 'RelayCore']);
    const automatrixRoles = verdict?.failedSpans.filter((span) => span.system === 'AutoMatrix').map((span) => span.role) ?? [];
    expect(automatrixRoles.length).toBeGreaterThan(0);
    expect(automatrixRoles).not.toContain('root_cause');
  }, ROUND_TIMEOUT_MS);

  it('restarts the worker and retries failed runs on worker crash', async () => {
    const outcome = await runFault('worker_crash');

    expect(outcome.result, timeline()).toBe('recovered');
    expect(outcome.incident?.rootCause).toMatchObject({ system: 'AutoMatrix', errorKind: 'worker_crash' });
    const actions = outcome.actions.map((action) => action.action);
    expect(actions[0]).toBe('restart_worker');
    // The policy's second step runs only when failures continued through the first step's
    // verify window, as they do when failing runs were still in flight at the restart.
    const history = running().watcher.get(outcome.incident?.id ?? '')?.history ?? [];
    const restartVerified = history.some((record) => record.event === 'decision' && record.outcome === 'recovered' && record.stepIndex === 0);
    expect(actions).toEqual(restartVerified ? ['restart_worker'] : ['restart_worker', 'retry_failed_runs']);
    if (!restartVerified) {
      const failedRuns = running()
        .runsFinishedBetween(outcome.injectedAtMs, outcome.clearedAtMs)
        .filter((run) => run.failedOnce && run.runId !== '');
      await running().traffic.refresh(failedRuns);
      expect(failedRuns.filter((run) => run.status !== 'failed').length, 'failed runs retried').toBeGreaterThan(0);
    }
    const after = countRuns(await runsAfterRecovery(outcome));
    expect(after.failed, timeline()).toBe(0);
  }, ROUND_TIMEOUT_MS);

  it('opens an incident but takes no action on client bug', async () => {
    const before = await running().status.recoverySnapshot();

    const outcome = await runFault('client_bug');

    expect(outcome.result, timeline()).toBe('no_action');
    expect(outcome.incident?.rootCause).toMatchObject({ system: 'AutoMatrix', errorKind: 'invalid_request' });
    expect(outcome.actions).toEqual([]);
    const history = running().watcher.get(outcome.incident?.id ?? '')?.history ?? [];
    expect(history.map((record) => [record.event, record.outcome])).toEqual([['decision', 'skipped_error_kind']]);
    const after = await running().status.recoverySnapshot();
    expect(after?.attempts).toEqual(before?.attempts);
    expect(after?.recoveriesStarted).toBe(before?.recoveriesStarted);
  }, ROUND_TIMEOUT_MS);

  it('recovers at least 95 % of 20 faults unaided', async () => {
    const recoverableSoFar = (): number => outcomes.filter((outcome) => RECOVERABLE_FAULTS.includes(outcome.fault)).length;
    for (let index = 0; recoverableSoFar() < RECOVERABLE_ROUNDS; index += 1) {
      await runFault(RECOVERABLE_FAULTS[index % RECOVERABLE_FAULTS.length] ?? 'model_crash');
    }

    await running().drainTraffic(5_000);
    const figures = computeRecoveryFigures(buildRows(outcomes, (fromMs, toMs) => running().runsFinishedBetween(fromMs, toMs)));
    console.info(formatRecoveryFigures(figures));
    expect(figures.recoverable).toBeGreaterThanOrEqual(RECOVERABLE_ROUNDS);
    expect(figures.recoveryRatio, timeline()).toBeGreaterThanOrEqual(MIN_RECOVERY_RATIO);
  }, RECOVERABLE_ROUNDS * ROUND_TIMEOUT_MS);
});
