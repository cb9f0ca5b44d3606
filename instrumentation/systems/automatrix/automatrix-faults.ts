import { FaultRejectedError, type ActiveFault, type FaultInjector } from '../common/fault-injector.js';
import type { RelayCoreClient } from './relaycore-client.js';
import type { RunService } from './run-service.js';
import type { Worker, WorkerState } from './worker-pool.js';

/**
 * AutoMatrix's faults:
 * - `worker_crash`: a worker (default `worker-1`) crashes; its steps fail with
 *   WorkerCrashedError until it is restarted;
 * - `step_timeout`: a worker (default every worker) hangs; its steps fail with StepTimeoutError
 *   after the step timeout until it is restarted;
 * - `client_bug`: the RelayCore client sends the prompt under a wrong field name, so RelayCore
 *   rejects every step with 400. Restarting does not fix it, only clearing the fault does.
 * Clearing the faults also resumes paused workflows.
 */

export const AUTOMATRIX_FAULTS = ['worker_crash', 'step_timeout', 'client_bug'] as const;

export const DEFAULT_CRASH_WORKER = 'worker-1';

/** The target `GET /faults` shows for faults that apply to every worker. */
const ALL_TARGET = 'all';

export class AutomatrixFaults implements FaultInjector {
  readonly faultNames: readonly string[] = AUTOMATRIX_FAULTS;
  readonly #runs: RunService;
  readonly #relay: RelayCoreClient;

  constructor(runs: RunService, relay: RelayCoreClient) {
    this.#runs = runs;
    this.#relay = relay;
  }

  inject(fault: string, target: string | undefined): ActiveFault {
    if (fault === 'client_bug') {
      if (target !== undefined && target !== ALL_TARGET) throw new FaultRejectedError(`client_bug applies to every run, so its target must be absent or "all", got ${JSON.stringify(target)}`);
      this.#relay.sendMalformedRequests = true;
      return { fault, target: ALL_TARGET };
    }

    const state: WorkerState = fault === 'worker_crash' ? { kind: 'crashed', sinceMs: Date.now() } : { kind: 'stuck', sinceMs: Date.now() };
    const defaultTarget = fault === 'worker_crash' ? DEFAULT_CRASH_WORKER : ALL_TARGET;
    const workerTarget = target ?? defaultTarget;
    for (const worker of this.#selectWorkers(workerTarget)) worker.state = state;
    return { fault, target: workerTarget };
  }

  clearAll(): void {
    this.#relay.sendMalformedRequests = false;
    for (const worker of this.#runs.pool.workers()) worker.state = { kind: 'running' };
    this.#runs.resumeAll();
  }

  list(): ActiveFault[] {
    const faults: ActiveFault[] = [];
    for (const worker of this.#runs.pool.workers()) {
      if (worker.state.kind === 'crashed') faults.push({ fault: 'worker_crash', target: worker.name });
      if (worker.state.kind === 'stuck') faults.push({ fault: 'step_timeout', target: worker.name });
    }
    if (this.#relay.sendMalformedRequests) faults.push({ fault: 'client_bug', target: ALL_TARGET });
    return faults;
  }

  #selectWorkers(target: string): readonly Worker[] {
    const workers = this.#runs.pool.workers();
    if (target === ALL_TARGET) return workers;

    const worker = this.#runs.pool.find(target);
    if (worker === undefined) {
      throw new FaultRejectedError(`target must be a worker (${workers.map((candidate) => candidate.name).join(', ')}) or "all", got ${JSON.stringify(target)}`);
    }
    return [worker];
  }
}
