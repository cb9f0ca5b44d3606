/**
 * A child process of the demo: its stdout read line by line (JSON objects parsed), its
 * stderr kept for diagnostics, stopped with SIGTERM and then SIGKILL. Every child still
 * running when the parent exits is killed, so an aborted run leaves no orphans.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Lines of stdout and stderr kept for error messages. */
const TAIL_LINES = 40;

const runningChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of runningChildren) child.kill('SIGKILL');
});

/** The end of a child: its exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ChildExitedError extends Error {
  override readonly name = 'ChildExitedError';
  constructor(childName: string, exit: ProcessExit, waitingFor: string, tail: string) {
    super(`${childName} exited (${describeExit(exit)}) while waiting for ${waitingFor}; last output:\n${tail}`);
  }
}

export class ChildWaitTimeoutError extends Error {
  override readonly name = 'ChildWaitTimeoutError';
  constructor(childName: string, waitingFor: string, timeoutMs: number, tail: string) {
    super(`${childName} did not print ${waitingFor} within ${timeoutMs} ms; last output:\n${tail}`);
  }
}

export interface ChildOptions {
  /** Shown in messages, for example `faultline` or `neuroweaver`. */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** A pending `waitForJsonLine`. */
interface LineWaiter {
  accept: (line: Record<string, unknown>) => boolean;
  resolve: (line: Record<string, unknown>) => void;
}

export class DemoChild {
  readonly name: string;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private readonly tailLines: string[] = [];
  private readonly waiters = new Set<LineWaiter>();
  private readonly jsonListeners: ((line: Record<string, unknown>) => void)[] = [];
  private exit: ProcessExit | undefined;
  private stopRequested = false;

  constructor(options: ChildOptions) {
    this.name = options.name;
    this.child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    runningChildren.add(this.child);

    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        runningChildren.delete(this.child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    if (this.child.stdout !== null) createInterface({ input: this.child.stdout }).on('line', (line) => this.readLine(line));
    if (this.child.stderr !== null) createInterface({ input: this.child.stderr }).on('line', (line) => this.keepTail(`stderr: ${line}`));
  }

  /** The process id, or undefined when spawning failed. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True once `stop` was called, so an exit after it is expected. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Calls `listener` with every JSON line printed from now on. */
  onJsonLine(listener: (line: Record<string, unknown>) => void): void {
    this.jsonListeners.push(listener);
  }

  /**
   * Waits for the next JSON line that `accept` returns true for. Fails with ChildExitedError
   * when the process exits first, and with ChildWaitTimeoutError after `timeoutMs`.
   */
  waitForJsonLine(what: string, accept: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const waiter: LineWaiter = { accept, resolve: (line) => finish(() => resolve(line)) };
      const timer = setTimeout(() => finish(() => reject(new ChildWaitTimeoutError(this.name, what, timeoutMs, this.tail()))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        settle();
      };
      void this.exited.then((exit) => finish(() => reject(new ChildExitedError(this.name, exit, what, this.tail()))));
      this.waiters.add(waiter);
    });
  }

  /**
   * Marks an exit from now on as expected, without sending a signal. Ctrl-C in a terminal
   * sends SIGINT to the children too, and they stop on it by themselves.
   */
  expectExit(): void {
    this.stopRequested = true;
  }

  /** Sends SIGTERM, then SIGKILL when the process still runs after `graceMs`; resolves with the exit. */
  async stop(graceMs: number): Promise<ProcessExit> {
    this.stopRequested = true;
    if (this.exit !== undefined) return this.exit;

    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** Returns the last lines of stdout and stderr. */
  tail(): string {
    return this.tailLines.join('\n');
  }

  private readLine(text: string): void {
    this.keepTail(text);
    const line = parseJsonObject(text);
    if (line === undefined) return;

    for (const waiter of [...this.waiters]) if (waiter.accept(line)) waiter.resolve(line);
    for (const listener of this.jsonListeners) listener(line);
  }

  private keepTail(text: string): void {
    this.tailLines.push(text);
    if (this.tailLines.length > TAIL_LINES) this.tailLines.shift();
  }
}

/** Describes an exit as `code 1` or `signal SIGKILL`. */
export function describeExit(exit: ProcessExit): string {
  return exit.signal === null ? `code ${String(exit.code)}` : `signal ${exit.signal}`;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // A line that only starts like JSON is kept as text in the tail.
  }
  return undefined;
}
