import type { SpanContext } from '@opentelemetry/api';
import { executeRun, startRunSpan, type RunExecutorOptions } from './run-executor.js';
import { RunStore, type RunRecord, type RunStatus } from './run-store.js';
import { WorkerPool, type WorkerView } from './worker-pool.js';
import { WORKFLOWS } from './workflows.js';

/** The worker names of the pool. */
export const WORKER_NAMES = ['worker-1', 'worker-2', 'worker-3'];

/** A run request named a workflow AutoMatrix does not have. */
export class UnknownWorkflowError extends Error {
  constructor(workflow: string) {
    super(`unknown workflow ${JSON.stringify(workflow)}; workflows are ${[...WORKFLOWS.keys()].join(', ')}`);
    this.name = 'UnknownWorkflowError';
  }
}

export type RunStats = Record<RunStatus, number> & { workers: WorkerView[]; pausedWorkflows: string[] };

/** AutoMatrix's runs, workers and paused workflows, as the API and the recovery actions change them. */
export class RunService {
  readonly store = new RunStore();
  readonly pool: WorkerPool;
  readonly #paused = new Set<string>();

  constructor(executor: RunExecutorOptions, workerConcurrency: number) {
    this.pool = new WorkerPool({
      workerNames: WORKER_NAMES,
      concurrency: workerConcurrency,
      executeRun: (worker, run) => executeRun(worker, run, executor),
      isPaused: (workflow) => this.#paused.has(workflow),
    });
  }

  /** Queues a new run of `workflow`, its span linked to `links`; throws UnknownWorkflowError. */
  submit(workflow: string, links: readonly SpanContext[]): RunRecord {
    if (!WORKFLOWS.has(workflow)) throw new UnknownWorkflowError(workflow);

    const identity = { id: this.store.nextId(), workflow, attempt: 1 };
    const span = startRunSpan(identity, links);
    const run: RunRecord = { ...identity, status: 'queued', traceId: span.spanContext().traceId, worker: '', steps: [], error: null, span };
    this.store.add(run);
    this.pool.enqueue(run);
    return run;
  }

  /** Queues every failed run again as a new attempt in a new trace, linked to its last attempt and to `links`. */
  retryFailed(links: readonly SpanContext[]): RunRecord[] {
    const failed = this.store.withStatus('failed');
    for (const run of failed) {
      const previous = run.span.spanContext();
      run.attempt += 1;
      run.span = startRunSpan(run, [previous, ...links]);
      run.traceId = run.span.spanContext().traceId;
      run.status = 'queued';
      run.steps = [];
      run.error = null;
      this.pool.enqueue(run);
    }
    return failed;
  }

  hasWorkflow(workflow: string): boolean {
    return WORKFLOWS.has(workflow);
  }

  /** Stops new steps of the workflow: its queued runs wait. Returns false when it was already paused. */
  pause(workflow: string): boolean {
    if (this.#paused.has(workflow)) return false;
    this.#paused.add(workflow);
    return true;
  }

  /** Lets the workflow's queued runs go on. Returns false when it was not paused. */
  resume(workflow: string): boolean {
    if (!this.#paused.delete(workflow)) return false;
    this.pool.wakeAll();
    return true;
  }

  /** Resumes every paused workflow. */
  resumeAll(): void {
    this.#paused.clear();
    this.pool.wakeAll();
  }

  stats(): RunStats {
    return { ...this.store.countByStatus(), workers: this.pool.view(), pausedWorkflows: [...this.#paused] };
  }
}
