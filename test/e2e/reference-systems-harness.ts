/**
 * Timing and waits for the end-to-end tests and the recovery-rate benchmark, which run the
 * reference systems through the demo's DemoSession.
 */
import { join } from 'node:path';
import { DemoSession } from '../../instrumentation/demo/demo-session.js';
import { FAULT_NAMES, FAULTS, type FaultName } from '../../instrumentation/demo/fault-catalog.js';
import type { RoundTiming } from '../../instrumentation/demo/fault-round.js';
import { countRuns, type RunRecord } from '../../instrumentation/demo/traffic-generator.js';
import { writeTestConfig } from './reference-systems-config.js';

/** Round timing to go with the short windows of writeTestConfig. */
export const E2E_TIMING: RoundTiming = {
  detectTimeoutMs: 20_000,
  repairTimeoutMs: 30_000,
  decisionTimeoutMs: 10_000,
  holdAfterRecoveryMs: 1_500,
  settleMs: 1_500,
  checkIntervalMs: 100,
};

/**
 * Variables for every system. A slow model responds after 1.5 s instead of 3 s, which is still
 * past RelayCore's 1 s deadline and before AutoMatrix's 2 s step timeout, and shortens the
 * slow_model rounds.
 */
const SYSTEM_ENV = { SLOW_MODEL_DELAY_MS: '1500' };

/** Runs started per second; every run crosses all three systems. */
export const RUNS_PER_SECOND = 20;

/**
 * Starts the reference deployment on free ports with the test config written into
 * `directory`, starts traffic, and waits until runs succeed. `write` receives timeline lines.
 */
export async function startTestSession(directory: string, write: (line: string) => void): Promise<DemoSession> {
  const session = await DemoSession.start({
    deployment: {
      configPath: writeTestConfig(directory),
      auditPath: join(directory, 'audit.db'),
      portMode: 'ephemeral',
      spanExportDelayMs: 200,
      systemEnv: SYSTEM_ENV,
      startTimeoutMs: 60_000,
    },
    workflow: 'support-ticket',
    runsPerSecond: RUNS_PER_SECOND,
    pollIntervalMs: 250,
    timing: E2E_TIMING,
    write,
  });
  try {
    await waitForSteadyTraffic(session);
  } catch (error) {
    await session.stop();
    throw error;
  }
  return session;
}

/** The faults that expect recovery, in catalog order. */
export const RECOVERABLE_FAULTS: readonly FaultName[] = FAULT_NAMES.filter((name) => FAULTS[name].expected === 'recover');

/** Consecutive successful runs that show the deployment works end to end before any fault. */
const STEADY_SUCCEEDED_RUNS = 20;
const STEADY_TIMEOUT_MS = 30_000;
const RUNS_FINISHED_TIMEOUT_MS = 15_000;
const READ_INTERVAL_MS = 250;

export class SteadyTrafficError extends Error {
  override readonly name = 'SteadyTrafficError';
}

/**
 * Waits until the last STEADY_SUCCEEDED_RUNS runs to finish all succeeded. Runs that fail
 * while the processes warm up (first connections, a loaded machine) are tolerated.
 */
export async function waitForSteadyTraffic(session: DemoSession): Promise<void> {
  const deadlineMs = Date.now() + STEADY_TIMEOUT_MS;
  for (;;) {
    const finished = session.traffic
      .allRuns()
      .filter((run) => run.finishedAtMs !== undefined)
      .sort((left, right) => (left.finishedAtMs ?? 0) - (right.finishedAtMs ?? 0));
    const recent = finished.slice(-STEADY_SUCCEEDED_RUNS);
    if (recent.length === STEADY_SUCCEEDED_RUNS && recent.every((run) => !run.failedOnce)) return;

    if (Date.now() > deadlineMs) {
      const counts = countRuns(session.traffic.allRuns());
      const errors = [...new Set(finished.filter((run) => run.failedOnce).map((run) => run.error))].slice(0, 5);
      throw new SteadyTrafficError(
        `no ${STEADY_SUCCEEDED_RUNS} successful runs in a row within ${STEADY_TIMEOUT_MS} ms: ${counts.succeeded} succeeded, ${counts.failed} failed (${errors.join('; ')}) of ${counts.started}\n${tails(session)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, READ_INTERVAL_MS));
  }
}

/** Reads `runs` again until none is queued or running, or RUNS_FINISHED_TIMEOUT_MS passed. */
export async function waitForRunsFinished(session: DemoSession, runs: readonly RunRecord[]): Promise<void> {
  const deadlineMs = Date.now() + RUNS_FINISHED_TIMEOUT_MS;
  for (;;) {
    const unfinished = runs.filter((run) => run.status === 'queued' || run.status === 'running');
    if (unfinished.length === 0 || Date.now() > deadlineMs) return;
    await new Promise((resolve) => setTimeout(resolve, READ_INTERVAL_MS));
    await session.traffic.refresh(unfinished);
  }
}

function tails(session: DemoSession): string {
  return session.deployment
    .children()
    .map((child) => `--- ${child.name}:\n${child.tail()}`)
    .join('\n');
}
