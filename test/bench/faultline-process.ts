import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Starts Faultline as a child process and reads its status API. */

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LISTENING_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/** Where the child listens, as the `faultline listening` log line reports it. */
export interface FaultlineAddresses {
  grpc: string;
  status_api: string;
}

/** How the child ended. */
export type FaultlineExit = { kind: 'running' } | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null };

/** Faultline failed to start, crashed, or did not stop in time. */
export class FaultlineProcessError extends Error {
  override readonly name = 'FaultlineProcessError';
}

export interface FaultlineStartOptions {
  configPath: string;
  /** Extra Node flags, such as `--cpu-prof`. */
  nodeFlags: string[];
}

export class FaultlineProcess {
  private exit: FaultlineExit = { kind: 'running' };
  private readonly exited: Promise<void>;
  /** The last lines of stderr and of non-JSON stdout, to show when the child fails. */
  private readonly outputTail: string[] = [];

  private constructor(private readonly child: ChildProcess) {
    this.exited = once(child, 'exit').then(([code, signal]) => {
      this.exit = { kind: 'exited', code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
  }

  /** Spawns Faultline and resolves once it logs `faultline listening`. */
  static async start(options: FaultlineStartOptions): Promise<{ process: FaultlineProcess; addresses: FaultlineAddresses }> {
    const child = spawn(process.execPath, [...options.nodeFlags, 'bin/faultline.js', '--config', options.configPath], {
      cwd: REPOSITORY_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const faultline = new FaultlineProcess(child);
    const addresses = await faultline.waitForListening();
    return { process: faultline, addresses };
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new FaultlineProcessError('faultline has no process id; it failed to spawn');
    return this.child.pid;
  }

  exitState(): FaultlineExit {
    return this.exit;
  }

  /** Returns the last output lines, for error messages. */
  recentOutput(): string {
    return this.outputTail.join('\n');
  }

  /** Fetches `GET /api/v1/status`. */
  async status(address: string): Promise<FaultlineStatus> {
    const response = await fetch(`http://${address}/api/v1/status`);
    if (!response.ok) throw new FaultlineProcessError(`status API returned HTTP ${response.status}`);
    return (await response.json()) as FaultlineStatus;
  }

  /** Sends SIGTERM and waits for the exit; Faultline drains its buffer before it exits. */
  async stop(): Promise<FaultlineExit> {
    if (this.exit.kind === 'running') this.child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref());
    if ((await Promise.race([this.exited, timeout])) === 'timeout') {
      this.child.kill('SIGKILL');
      throw new FaultlineProcessError(`faultline did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
    }
    return this.exit;
  }

  private waitForListening(): Promise<FaultlineAddresses> {
    const stderr = createInterface({ input: this.requireStream(this.child.stderr) });
    stderr.on('line', (line) => this.remember(line));
    const stdout = createInterface({ input: this.requireStream(this.child.stdout) });

    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new FaultlineProcessError(`faultline did not log "faultline listening" within ${LISTENING_TIMEOUT_MS} ms`)), LISTENING_TIMEOUT_MS);
      stdout.on('line', (line) => {
        try {
          const addresses = this.readListeningLine(line);
          if (addresses === undefined) return;
          clearTimeout(timer);
          resolve(addresses);
        } catch (error) {
          reject(error instanceof Error ? error : new FaultlineProcessError(String(error)));
        }
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new FaultlineProcessError(`faultline exited before listening (${describeExit(this.exit)}):\n${this.recentOutput()}`));
      });
    });
  }

  private readListeningLine(line: string): FaultlineAddresses | undefined {
    let entry: { msg?: unknown; addresses?: Partial<FaultlineAddresses> };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      this.remember(line);
      return undefined;
    }
    if (entry.msg !== 'faultline listening') {
      this.remember(line);
      return undefined;
    }
    const { grpc, status_api: statusApi } = entry.addresses ?? {};
    if (grpc === undefined || statusApi === undefined) {
      throw new FaultlineProcessError(`the listening line lacks the grpc or status_api address: ${line}`);
    }
    return { grpc, status_api: statusApi };
  }

  private remember(line: string): void {
    this.outputTail.push(line);
    if (this.outputTail.length > 20) this.outputTail.shift();
  }

  private requireStream<T>(stream: T | null): T {
    if (stream === null) throw new FaultlineProcessError('faultline was spawned without piped output');
    return stream;
  }
}

export function describeExit(exit: FaultlineExit): string {
  if (exit.kind === 'running') return 'still running';
  return exit.signal === null ? `exit code ${String(exit.code)}` : `signal ${exit.signal}`;
}

/** The parts of `GET /api/v1/status` the benchmark reads. */
export interface FaultlineStatus {
  receiver: { grpc: { acceptedSpans: number; rejectedRequests: Record<string, number> } };
  buffer: { tracesHeld: number; spansHeld: number; tracesReleased: Record<string, number>; tracesEvicted: number; lateSpans: number };
  correlation: {
    verdicts: Record<string, number>;
    verdictLatency: { p50Ms: number | null; p99Ms: number | null; samples: number };
  };
  incidents: { byState: Record<string, number> };
}
