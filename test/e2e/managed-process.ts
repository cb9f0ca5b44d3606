/**
 * A child process that the end-to-end harness starts, reads JSON lines from and stops. Every
 * started process is also killed when the test process exits, so a failed or aborted run
 * leaves no orphans behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One stdout line, parsed when it is a JSON object. */
export type OutputLine = { type: 'json'; value: Record<string, unknown> } | { type: 'text'; text: string };

const DIAGNOSTIC_TAIL_LINES = 30;
const POLL_INTERVAL_MS = 50;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class ProcessWaitTimeoutError extends Error {
  constructor(name: string, what: string, timeoutMs: number, tail: string) {
    super(`${name} did not ${what} within ${timeoutMs} ms; last output:\n${tail}`);
    this.name = 'ProcessWaitTimeoutError';
  }
}

export interface ManagedProcessOptions {
  /** Shown in errors, for example `faultline` or `router`. */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** The outcome of a process that ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly name: string;
  readonly lines: OutputLine[] = [];
  private readonly child: ChildProcess;
  private readonly stderrLines: string[] = [];
  private readonly exited: Promise<ProcessExit>;
  private exit: ProcessExit | undefined;

  constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(this.child);

    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        running.delete(this.child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    this.child.stdin?.on('error', () => undefined);
    if (this.child.stdout !== null) createInterface({ input: this.child.stdout }).on('line', (line) => this.lines.push(parseLine(line)));
    if (this.child.stderr !== null) createInterface({ input: this.child.stderr }).on('line', (line) => this.stderrLines.push(line));
  }

  /** JSON lines whose `msg` field equals `message`. */
  messages(message: string): Record<string, unknown>[] {
    const found: Record<string, unknown>[] = [];
    for (const line of this.lines) if (line.type === 'json' && line.value.msg === message) found.push(line.value);
    return found;
  }

  /** Waits for the first JSON line whose `msg` equals `message`, or fails once the process exits or time runs out. */
  async waitForMessage(message: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [found] = this.messages(message);
      if (found !== undefined) return found;
      if (this.exit !== undefined) throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before logging "${message}":\n${this.tail()}`);
      if (Date.now() > deadline) throw new ProcessWaitTimeoutError(this.name, `log "${message}"`, timeoutMs, this.tail());
      await delay(POLL_INTERVAL_MS);
    }
  }

  /** Writes one line to the process's stdin. */
  writeLine(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Sends SIGTERM, then SIGKILL when the process is still running after `graceMs`. */
  async stop(graceMs: number): Promise<ProcessExit> {
    if (this.exit !== undefined) return this.exit;

    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** Returns the last lines of stdout and stderr, for error messages. */
  tail(): string {
    const stdout = this.lines.slice(-DIAGNOSTIC_TAIL_LINES).map((line) => (line.type === 'json' ? JSON.stringify(line.value) : line.text));
    const stderr = this.stderrLines.slice(-DIAGNOSTIC_TAIL_LINES);
    return [...stdout, ...stderr.map((line) => `stderr: ${line}`)].join('\n');
  }
}

function parseLine(text: string): OutputLine {
  if (!text.startsWith('{')) return { type: 'text', text };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { type: 'json', value: value as Record<string, unknown> };
  } catch {
    // A line that only looks like JSON is kept as text.
  }
  return { type: 'text', text };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
