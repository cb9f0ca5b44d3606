/**
 * Recovery-rate benchmark: runs Faultline and the three reference systems with steady traffic,
 * injects recoverable faults one after another (the six of the catalog, in turn), and counts
 * how many Faultline repairs with no human. Prints the timeline, a table per fault, and the
 * figures as one JSON object on the last line. Exits 1 when fewer than 95 % recovered.
 *
 *   node --import tsx test/bench/recovery-rate.ts               # 20 faults
 *   node --import tsx test/bench/recovery-rate.ts --faults 42   # or RECOVERY_RATE_FAULTS=42
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FaultOutcome } from '../../instrumentation/demo/fault-round.js';
import { buildRows, computeRecoveryFigures, formatRecoveryFigures, formatSummaryTable } from '../../instrumentation/demo/summary-table.js';
import { RECOVERABLE_FAULTS, RUNS_PER_SECOND, startTestSession } from '../e2e/reference-systems-harness.js';

const DEFAULT_FAULTS = 20;
const MIN_RECOVERY_RATIO = 0.95;

function readFaultCount(): number {
  const { values } = parseArgs({ options: { faults: { type: 'string' } }, strict: true });
  const text = values.faults ?? process.env.RECOVERY_RATE_FAULTS ?? String(DEFAULT_FAULTS);
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--faults must be a positive integer, got ${JSON.stringify(text)}`);
  return count;
}

async function main(): Promise<number> {
  const faultCount = readFaultCount();
  const directory = mkdtempSync(join(tmpdir(), 'faultline-recovery-rate-'));
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  const session = await startTestSession(directory, print);

  try {
    const outcomes: FaultOutcome[] = [];
    for (let index = 0; index < faultCount && !session.signal.aborted; index += 1) {
      outcomes.push(await session.runFault(RECOVERABLE_FAULTS[index % RECOVERABLE_FAULTS.length] ?? 'model_crash'));
    }
    await session.drainTraffic(10_000);

    const rows = buildRows(outcomes, (fromMs, toMs) => session.runsFinishedBetween(fromMs, toMs));
    const figures = computeRecoveryFigures(rows);
    print('');
    print(formatSummaryTable(rows, session.timeline.startedAtMs));
    print('');
    print(formatRecoveryFigures(figures));
    print(JSON.stringify({ faults: outcomes.length, runsPerSecond: RUNS_PER_SECOND, ...figures }));
    return session.unexpectedExit === undefined && outcomes.length === faultCount && figures.recoveryRatio >= MIN_RECOVERY_RATIO ? 0 : 1;
  } finally {
    await session.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

process.exitCode = await main();
