import type { Span } from '@opentelemetry/api';

/**
 * The runs of AutoMatrix, by id. A run is `queued` until a worker takes it, `running` while
 * its steps run, then `succeeded` or `failed`; `retry_failed_runs` queues a failed run again.
 */

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** Finished runs past this count are dropped, oldest first, so memory stays bounded. */
export const MAX_KEPT_RUNS = 10_000;

export interface StepResult {
  name: string;
  model: string;
  status: 'succeeded' | 'failed';
  /** The provider that served the step, for a step that succeeded. */
  provider: string | null;
  /** The error message, for a step that failed. */
  error: string | null;
}

export interface RunRecord {
  id: string;
  workflow: string;
  status: RunStatus;
  /** 1 for the first attempt; each retry adds 1. */
  attempt: number;
  /** The trace of the current attempt; each attempt is its own trace. */
  traceId: string;
  /** The worker the current attempt is assigned to, set when it is queued. */
  worker: string;
  steps: StepResult[];
  error: string | null;
  /** The span of the current attempt, ended when the attempt finishes. */
  span: Span;
}

/** A run as the API returns it. */
export type RunView = Omit<RunRecord, 'span'>;

export class RunStore {
  readonly #runs = new Map<string, RunRecord>();
  #nextId = 1;

  /** Returns a new run id, `run-1`, `run-2` and so on. */
  nextId(): string {
    const id = `run-${this.#nextId}`;
    this.#nextId += 1;
    return id;
  }

  add(run: RunRecord): void {
    this.#runs.set(run.id, run);
    this.#dropOldFinishedRuns();
  }

  find(id: string): RunRecord | undefined {
    return this.#runs.get(id);
  }

  withStatus(status: RunStatus): RunRecord[] {
    return [...this.#runs.values()].filter((run) => run.status === status);
  }

  /** Counts runs by status. */
  countByStatus(): Record<RunStatus, number> {
    const counts: Record<RunStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const run of this.#runs.values()) counts[run.status] += 1;
    return counts;
  }

  #dropOldFinishedRuns(): void {
    if (this.#runs.size <= MAX_KEPT_RUNS) return;
    for (const [id, run] of this.#runs) {
      if (this.#runs.size <= MAX_KEPT_RUNS) return;
      if (run.status === 'succeeded' || run.status === 'failed') this.#runs.delete(id);
    }
  }
}

export function viewRun(run: RunRecord): RunView {
  return {
    id: run.id,
    workflow: run.workflow,
    status: run.status,
    attempt: run.attempt,
    traceId: run.traceId,
    worker: run.worker,
    steps: run.steps.map((step) => ({ ...step })),
    error: run.error,
  };
}
