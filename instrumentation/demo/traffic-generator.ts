/**
 * Steady traffic for the reference deployment: starts AutoMatrix runs (`POST /runs`) at a fixed
 * rate and follows each run (`GET /runs/{id}`) until it succeeds or fails, so failures can be
 * counted per time window.
 */
import { randomBytes } from 'node:crypto';

/** A run's status as AutoMatrix reports it, or `rejected` when `POST /runs` itself failed. */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'rejected';

const RUN_STATUSES: readonly string[] = ['queued', 'running', 'succeeded', 'failed'];

/** Deadline of each HTTP request to AutoMatrix. */
const REQUEST_TIMEOUT_MS = 5_000;
/** Starts in flight at once; past it, starts are skipped and counted, so a stalled API cannot pile up requests. */
const MAX_STARTS_IN_FLIGHT = 50;
/**
 * Status reads in flight at once. Each run needs one or two reads, so this must allow several
 * times the run rate per poll interval, or statuses, and the times runs are seen finishing, lag.
 */
const MAX_READS_IN_FLIGHT = 32;

export interface RunRecord {
  /** Empty when `POST /runs` failed. */
  runId: string;
  traceId: string;
  /** When the generator sent `POST /runs`, in Unix milliseconds. */
  startedAtMs: number;
  status: RunStatus;
  /** True once any read showed `failed` or the start was rejected; stays true when a retry later succeeds. */
  failedOnce: boolean;
  /** When the status was last read, in Unix milliseconds. */
  readAtMs: number;
  /** When a read first showed the run succeeded or failed, or the start was rejected; undefined before. */
  finishedAtMs: number | undefined;
  /** The error of a failed run or rejected start, as AutoMatrix or the HTTP client reported it; empty otherwise. */
  error: string;
}

export interface TrafficOptions {
  /** AutoMatrix's base URL, for example `http://127.0.0.1:7101`. */
  automatrixUrl: string;
  /** The workflow every run starts; each of its steps crosses RelayCore, and most reach NeuroWeaver. */
  workflow: string;
  ratePerSecond: number;
  /** How often a run that has not finished is read again, in milliseconds. */
  statusPollIntervalMs: number;
}

/** Counts over a set of runs. */
export interface RunCounts {
  started: number;
  succeeded: number;
  failed: number;
  unfinished: number;
}

export class TrafficGenerator {
  private readonly runs: RunRecord[] = [];
  private startsInFlight = 0;
  private readsInFlight = 0;
  /** Starts skipped because MAX_STARTS_IN_FLIGHT were outstanding. */
  skippedStarts = 0;
  private startTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: TrafficOptions) {}

  /** Starts sending; calling it again does nothing. */
  start(): void {
    if (this.startTimer !== undefined) return;
    this.startTimer = setInterval(() => this.startRun(), 1000 / this.options.ratePerSecond);
    this.pollTimer = setInterval(() => this.readPendingStatuses(), this.options.statusPollIntervalMs);
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    clearInterval(this.startTimer);
    clearInterval(this.pollTimer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Returns every run started so far, oldest first. */
  allRuns(): readonly RunRecord[] {
    return this.runs;
  }

  /** Runs started from `fromMs` (inclusive) to `toMs` (exclusive). */
  runsStartedBetween(fromMs: number, toMs: number): RunRecord[] {
    return this.runs.filter((run) => run.startedAtMs >= fromMs && run.startedAtMs < toMs);
  }

  /**
   * Runs seen finishing from `fromMs` (inclusive) to `toMs` (exclusive). Runs wait in worker
   * queues, so a run that fails during a fault may have started well before it.
   */
  runsFinishedBetween(fromMs: number, toMs: number): RunRecord[] {
    return this.runs.filter((run) => run.finishedAtMs !== undefined && run.finishedAtMs >= fromMs && run.finishedAtMs < toMs);
  }

  /** Reads the statuses of `runs` again now, for example to see whether failed runs were retried. */
  async refresh(runs: readonly RunRecord[]): Promise<void> {
    const queue = runs.filter((run) => run.runId !== '');
    const workers = Array.from({ length: MAX_READS_IN_FLIGHT }, async () => {
      for (let run = queue.shift(); run !== undefined; run = queue.shift()) await this.readStatus(run);
    });
    await Promise.all(workers);
  }

  private startRun(): void {
    if (this.startsInFlight >= MAX_STARTS_IN_FLIGHT) {
      this.skippedStarts += 1;
      return;
    }
    const run: RunRecord = { runId: '', traceId: '', startedAtMs: Date.now(), status: 'queued', failedOnce: false, readAtMs: 0, finishedAtMs: undefined, error: '' };
    this.runs.push(run);
    this.startsInFlight += 1;
    this.track(this.sendStart(run).finally(() => (this.startsInFlight -= 1)));
  }

  private async sendStart(run: RunRecord): Promise<void> {
    try {
      const response = await fetch(`${this.options.automatrixUrl}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ workflow: this.options.workflow }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = (await response.json()) as { runId?: unknown; traceId?: unknown; error?: unknown };
      if (response.status !== 202 || typeof body.runId !== 'string') {
        markRejected(run, `POST /runs responded ${response.status}: ${typeof body.error === 'string' ? body.error : JSON.stringify(body)}`);
        return;
      }
      run.runId = body.runId;
      run.traceId = typeof body.traceId === 'string' ? body.traceId : '';
    } catch (error) {
      markRejected(run, `POST /runs failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private readPendingStatuses(): void {
    const dueBeforeMs = Date.now() - this.options.statusPollIntervalMs;
    for (const run of this.runs) {
      if (this.readsInFlight >= MAX_READS_IN_FLIGHT) return;
      if (run.runId === '' || !isUnfinished(run.status) || run.readAtMs > dueBeforeMs) continue;
      this.readsInFlight += 1;
      this.track(this.readStatus(run).finally(() => (this.readsInFlight -= 1)));
    }
  }

  private async readStatus(run: RunRecord): Promise<void> {
    run.readAtMs = Date.now();
    try {
      const response = await fetch(`${this.options.automatrixUrl}/runs/${encodeURIComponent(run.runId)}`, {
        headers: { traceparent: unsampledTraceparent() },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (!response.ok) return;
      const body = (await response.json()) as { status?: unknown; error?: unknown };
      if (typeof body.status !== 'string' || !RUN_STATUSES.includes(body.status)) return;
      run.status = body.status as RunStatus;
      if (run.status === 'failed') {
        run.failedOnce = true;
        run.error = typeof body.error === 'string' ? body.error : '';
      }
      if (!isUnfinished(run.status)) run.finishedAtMs ??= Date.now();
    } catch {
      // An unanswered read is tried again on the next poll.
    }
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}

/** Counts runs by outcome; a run that failed once counts as failed even when a retry succeeded. */
export function countRuns(runs: readonly RunRecord[]): RunCounts {
  const counts: RunCounts = { started: runs.length, succeeded: 0, failed: 0, unfinished: 0 };
  for (const run of runs) {
    if (run.failedOnce) counts.failed += 1;
    else if (run.status === 'succeeded') counts.succeeded += 1;
    else counts.unfinished += 1;
  }
  return counts;
}

/**
 * Returns a W3C `traceparent` whose sampled flag is off. AutoMatrix's parent-based sampler
 * then records no span for the status read, so the reads, which outnumber the runs, do not
 * add healthy traces to AutoMatrix and dilute its error ratio.
 */
function unsampledTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`;
}

function isUnfinished(status: RunStatus): boolean {
  return status === 'queued' || status === 'running';
}

function markRejected(run: RunRecord, error: string): void {
  run.status = 'rejected';
  run.error = error;
  run.failedOnce = true;
  run.finishedAtMs = Date.now();
}
