import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../../instrumentation/systems/automatrix/run-store.js';
import { WorkerPool, type Worker } from '../../../../instrumentation/systems/automatrix/worker-pool.js';

/** Creates a pool whose runs finish only when the test calls `finish`. */
function createPool(options: { concurrency: number; paused?: Set<string> }) {
  const started: { worker: string; run: string }[] = [];
  const pending = new Map<string, () => void>();
  const paused = options.paused ?? new Set<string>();
  const pool = new WorkerPool({
    workerNames: ['worker-1', 'worker-2'],
    concurrency: options.concurrency,
    isPaused: (workflow) => paused.has(workflow),
    executeRun: (worker: Worker, run: RunRecord) => {
      started.push({ worker: worker.name, run: run.id });
      return new Promise<void>((resolve) => pending.set(run.id, resolve));
    },
  });
  const finish = async (id: string): Promise<void> => {
    pending.get(id)?.();
    // Lets the pool's `finally` callback run and start the next queued run.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { pool, started, finish, paused };
}

function runOf(id: string, workflow = 'support-ticket'): RunRecord {
  return { id, workflow, status: 'queued', attempt: 1, traceId: '', worker: '', steps: [], error: null, span: trace.wrapSpanContext({ traceId: '', spanId: '', traceFlags: 0 }) };
}

describe('WorkerPool', () => {
  it('assigns runs round-robin', () => {
    const { pool, started } = createPool({ concurrency: 1 });

    for (const id of ['run-1', 'run-2', 'run-3']) pool.enqueue(runOf(id));

    expect(started).toEqual([
      { worker: 'worker-1', run: 'run-1' },
      { worker: 'worker-2', run: 'run-2' },
    ]);
    expect(pool.view().map((worker) => worker.queued)).toEqual([1, 0]);
  });

  it('runs up to the concurrency per worker', async () => {
    const { pool, started, finish } = createPool({ concurrency: 2 });

    for (const id of ['run-1', 'run-2', 'run-3', 'run-4', 'run-5']) pool.enqueue(runOf(id));

    expect(started.map((entry) => entry.run)).toEqual(['run-1', 'run-2', 'run-3', 'run-4']);
    expect(pool.view()[0]).toMatchObject({ active: 2, queued: 1 });
    await finish('run-1');
    expect(started.map((entry) => entry.run)).toContain('run-5');
  });

  it('holds runs of a paused workflow until woken', async () => {
    const { pool, started, paused, finish } = createPool({ concurrency: 2, paused: new Set(['nightly-report']) });

    pool.enqueue(runOf('run-1', 'nightly-report'));
    pool.enqueue(runOf('run-2'));
    pool.enqueue(runOf('run-3'));
    await finish('run-3');
    expect(started.map((entry) => entry.run)).toEqual(['run-2', 'run-3']);
    expect(pool.view()[0]).toMatchObject({ active: 0, queued: 1 });

    paused.clear();
    pool.wakeAll();

    expect(started.map((entry) => entry.run)).toEqual(['run-2', 'run-3', 'run-1']);
  });

  it('starts nothing after stop', () => {
    const { pool, started } = createPool({ concurrency: 1 });

    pool.stop();
    pool.enqueue(runOf('run-1'));

    expect(started).toEqual([]);
  });
});
