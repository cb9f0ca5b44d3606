/**
 * `npm run demo`: starts Faultline and the three reference systems, sends steady traffic,
 * injects faults one after another, prints a live timeline of what Faultline did, and ends
 * with a table per fault. Exits 1 when a fault was not detected or not repaired as expected,
 * or when a process died; 2 for invalid options; 130 after Ctrl-C.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_USAGE, DemoUsageError, parseDemoOptions, type DemoOptions } from './demo-options.js';
import { DemoSession } from './demo-session.js';
import { isExpectedResult, sleep, type FaultOutcome } from './fault-round.js';
import { buildRows, computeRecoveryFigures, formatRecoveryFigures, formatSummaryTable } from './summary-table.js';
import { REPOSITORY_ROOT } from './system-process.js';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

const DEMO_CONFIG_PATH = join(REPOSITORY_ROOT, 'instrumentation/demo/otel-config.demo.yaml');
const DASHBOARD_URL = 'http://127.0.0.1:4319/';
const WORKFLOW = 'support-ticket';
/** How long the demo waits for runs still in flight before it prints the table. */
const DRAIN_TIMEOUT_MS = 10_000;
/** The maximum delay of a Node timer (about 24.8 days); `--keep-running` waits this long for Ctrl-C. */
const MAX_TIMER_MS = 2 ** 31 - 1;

async function main(argv: readonly string[]): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoOptions(argv);
  } catch (error) {
    if (!(error instanceof DemoUsageError)) throw error;
    process.stderr.write(`demo: ${error.message}\n\n${DEMO_USAGE}`);
    return EXIT_USAGE;
  }
  if (options.help) {
    process.stdout.write(DEMO_USAGE);
    return 0;
  }

  const directory = mkdtempSync(join(tmpdir(), 'faultline-demo-'));
  try {
    return await runDemo(options, directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function runDemo(options: DemoOptions, directory: string): Promise<number> {
  print(`Faultline demo: ${options.faults.join(', ')}, ${options.rounds} round(s), ${options.runsPerSecond} runs/s`);
  print(`Dashboard: ${DASHBOARD_URL}  (Ctrl-C stops everything)`);
  print('Starting NeuroWeaver, RelayCore, AutoMatrix and Faultline...');

  let session: DemoSession;
  try {
    session = await DemoSession.start({
      deployment: { configPath: DEMO_CONFIG_PATH, auditPath: join(directory, 'audit.db'), portMode: 'default', spanExportDelayMs: 500, systemEnv: {}, startTimeoutMs: 60_000 },
      workflow: WORKFLOW,
      runsPerSecond: options.runsPerSecond,
      pollIntervalMs: 500,
      timing: { detectTimeoutMs: 30_000, repairTimeoutMs: 120_000, decisionTimeoutMs: 15_000, holdAfterRecoveryMs: 5_000, settleMs: 5_000, checkIntervalMs: 250 },
      write: print,
    });
  } catch (error) {
    process.stderr.write(`demo: the deployment did not start: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }

  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(EXIT_INTERRUPTED);
    interrupted = true;
    print('Stopping (Ctrl-C again to kill at once)...');
    session.interrupt();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  try {
    const outcomes = await runRounds(session, options);
    if (options.keepRunning && !session.signal.aborted) {
      print('All faults done; traffic keeps running. Ctrl-C stops everything.');
      await sleep(MAX_TIMER_MS, session.signal);
    }
    await session.drainTraffic(interrupted ? 0 : DRAIN_TIMEOUT_MS);
    printSummary(session, outcomes);
    return exitCode(session, outcomes, interrupted, options);
  } catch (error) {
    process.stderr.write(`demo: stopped because ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  } finally {
    await session.stop();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

async function runRounds(session: DemoSession, options: DemoOptions): Promise<FaultOutcome[]> {
  const outcomes: FaultOutcome[] = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const fault of options.faults) {
      if (session.signal.aborted) return outcomes;
      try {
        outcomes.push(await session.runFault(fault));
      } catch (error) {
        // A round fails when a system's admin or API endpoint stops responding, as when it died.
        if (session.signal.aborted) return outcomes;
        throw error;
      }
    }
  }
  return outcomes;
}

function printSummary(session: DemoSession, outcomes: readonly FaultOutcome[]): void {
  const rows = buildRows(outcomes, (fromMs, toMs) => session.runsFinishedBetween(fromMs, toMs));
  print('');
  print(formatSummaryTable(rows, session.timeline.startedAtMs));
  print('');
  print(formatRecoveryFigures(computeRecoveryFigures(rows)));
  if (session.unexpectedExit !== undefined) print(`\n${session.unexpectedExit.name} exited unexpectedly; see its output above.`);
}

function exitCode(session: DemoSession, outcomes: readonly FaultOutcome[], interrupted: boolean, options: DemoOptions): number {
  if (session.unexpectedExit !== undefined) return EXIT_FAILED;
  if (interrupted) return EXIT_INTERRUPTED;
  const allRan = outcomes.length === options.faults.length * options.rounds;
  return allRan && outcomes.every(isExpectedResult) ? 0 : EXIT_FAILED;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

process.exitCode = await main(process.argv.slice(2));
