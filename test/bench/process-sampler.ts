import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Samples another process's CPU time and resident memory from Linux's /proc. The fields are
 * those of proc(5): `utime` and `stime` (fields 14 and 15 of /proc/PID/stat, in clock ticks)
 * and `VmRSS` of /proc/PID/status.
 */

/** CPU time and resident memory of a process at one moment. */
export interface ProcessSample {
  atMs: number;
  /** User plus system CPU time since the process started, in ms. */
  cpuMs: number;
  rssBytes: number;
}

const clockTicksPerSecond = readClockTicks();

function readClockTicks(): number {
  try {
    const ticks = Number.parseInt(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim(), 10);
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    // NOTE: 100 is the tick rate of the usual Linux builds; getconf is missing only on minimal images.
    return 100;
  }
}

/** Reads one sample; throws when the process is gone or /proc is not available. */
export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces, so fields count from the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
  return { atMs: performance.now(), cpuMs: ((userTicks + systemTicks) * 1000) / clockTicksPerSecond, rssBytes: rssKib * 1024 };
}

/** Samples a process on an interval and keeps the peak resident memory. */
export class ProcessMonitor {
  private timer: NodeJS.Timeout | undefined;
  private peakRssBytes = 0;
  private latest: ProcessSample | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sampleUnlessGone(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Stops sampling once the process has exited; the caller finds out from the exit itself. */
  private sampleUnlessGone(): void {
    try {
      this.sample();
    } catch {
      this.stop();
    }
  }

  /** Takes a sample now and returns it; also updates the peak. */
  sample(): ProcessSample {
    const sample = sampleProcess(this.pid);
    this.latest = sample;
    this.peakRssBytes = Math.max(this.peakRssBytes, sample.rssBytes);
    return sample;
  }

  peakRss(): number {
    return this.peakRssBytes;
  }

  lastSample(): ProcessSample | undefined {
    return this.latest;
  }
}
