import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LoadReport } from './load-report.js';

/** Runs test/bench/load-generator.ts as a child process and collects its report. */

const LOAD_GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));
const READY_LINE = 'load generator ready';

export interface LoadRunOptions {
  target: string;
  durationMs: number;
  concurrency: number;
  /** Called when the generator has built its payloads and starts sending. */
  onReady: () => void;
}

/** The load generator exited without a report. */
export class LoadGeneratorError extends Error {
  override readonly name = 'LoadGeneratorError';
}

/** Spawns the load generator, waits for it to exit, and returns its report. */
export async function runLoadGenerator(options: LoadRunOptions): Promise<LoadReport> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', LOAD_GENERATOR, '--target', options.target, '--duration-ms', String(options.durationMs), '--concurrency', String(options.concurrency)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  if (child.stdout === null || child.stderr === null) throw new LoadGeneratorError('the load generator was spawned without piped output');
  createInterface({ input: child.stdout }).on('line', (line) => stdoutLines.push(line));
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (line === READY_LINE) options.onReady();
    else stderrLines.push(line);
  });

  const [code] = (await once(child, 'close')) as [number | null];
  const reportLine = stdoutLines.at(-1);
  if (code !== 0 || reportLine === undefined) {
    throw new LoadGeneratorError(`the load generator exited with code ${String(code)}:\n${stderrLines.slice(-20).join('\n')}`);
  }
  return JSON.parse(reportLine) as LoadReport;
}
