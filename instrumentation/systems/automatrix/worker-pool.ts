import type { RunRecord } from './run-store.js';

/**
 * The workers that run AutoMatrix's runs. Each run is assigned to a worker round-robin, and all
 * its steps run there. A worker runs up to `concurrency` runs at a time from its own queue. Runs
 * of a paused workflow stay queued until the workflow resumes.
 */

/**
 * The state of a worker:
 * - `running`: runs steps normally;
 * - `crashed`: its process died; each step it takes fails with WorkerCrashedError;
 * - `stuck`: it hangs; each step it takes fails with StepTimeoutError after the step timeout.
 * Crashed and stuck workers return to `running` when restarted.
 */
export type WorkerState = { kind: 'running' } | { kind: 'crashed'; sinceMs: number } | { kind: 'stuck'; sinceMs: number };

export interface Worker {
  readonly name: string;
  state: WorkerState;
  restarts: number;
  readonly queue: RunRecord[];
  /** Runs in progress on the worker. */
  active: number;
}

export interface WorkerView {
  name: string;
  state: WorkerState['kind'];
  restarts: number;
  queued: number;
  active: number;
}

export interface WorkerPoolOptions {
  workerNames: readonly string[];
  /** Runs each worker runs at once. */
  concurrency: number;
  /** Runs one run on a worker; resolves when the run finished, whatever its outcome. */
  executeRun(worker: Worker, run: RunRecord): Promise<void>;
  isPaused(workflow: string): boolean;
}

export class WorkerPool {
  readonly #workers: Worker[];
  readonly #options: WorkerPoolOptions;
  #nextWorker = 0;
  #stopped = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    this.#workers = options.workerNames.map((name) => ({ name, state: { kind: 'running' }, restarts: 0, queue: [], active: 0 }));
  }

  /** Assigns a run to the next worker in round-robin order and queues it there. */
  enqueue(run: RunRecord): void {
    const worker = this.#workerAt(this.#nextWorker);
    this.#nextWorker = (this.#nextWorker + 1) % this.#workers.length;
    run.worker = worker.name;
    worker.queue.push(run);
    this.#pump(worker);
  }

  find(name: string): Worker | undefined {
    return this.#workers.find((worker) => worker.name === name);
  }

  workers(): readonly Worker[] {
    return this.#workers;
  }

  /** Restarts a worker: it runs steps normally again. */
  restart(worker: Worker): void {
    worker.state = { kind: 'running' };
    worker.restarts += 1;
  }

  /** Lets every worker take queued runs again, after a workflow resumed. */
  wakeAll(): void {
    for (const worker of this.#workers) this.#pump(worker);
  }

  view(): WorkerView[] {
    return this.#workers.map((worker) => ({ name: worker.name, state: worker.state.kind, restarts: worker.restarts, queued: worker.queue.length, active: worker.active }));
  }

  /** Stops taking queued runs; runs in progress finish. */
  stop(): void {
    this.#stopped = true;
  }

  /** Starts queued runs on the worker until it runs `concurrency` of them or none can start. */
  #pump(worker: Worker): void {
    while (!this.#stopped && worker.active < this.#options.concurrency) {
      const index = worker.queue.findIndex((run) => !this.#options.isPaused(run.workflow));
      if (index < 0) return;

      const [run] = worker.queue.splice(index, 1);
      if (run === undefined) return;
      worker.active += 1;
      void this.#options.executeRun(worker, run).finally(() => {
        worker.active -= 1;
        this.#pump(worker);
      });
    }
  }

  #workerAt(index: number): Worker {
    const worker = this.#workers[index % this.#workers.length];
    if (worker === undefined) throw new Error('the worker pool has no workers');
    return worker;
  }
}
