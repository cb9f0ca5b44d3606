import { context, ROOT_CONTEXT, SpanKind, trace, type Span, type SpanContext } from '@opentelemetry/api';
import { recordError } from '../../node/record-error.js';
import { inSpan } from '../common/traced.js';
import { RunFailedError, StepTimeoutError, WorkerCrashedError } from './automatrix-errors.js';
import type { RelayCoreClient, RouteResult } from './relaycore-client.js';
import type { RunRecord } from './run-store.js';
import type { Worker } from './worker-pool.js';
import { WORKFLOWS, type WorkflowStep } from './workflows.js';

/**
 * Runs a run's steps on a worker. Each attempt of a run is its own trace: a root span
 * `run <workflow>` linked to the request that queued it, with a span `step <name>` per step
 * whose RelayCore call carries the trace context on. A failing run under the `POST /runs`
 * server span, which succeeded with 202, would read as a failure its caller handled.
 */

const tracer = trace.getTracer('automatrix');

export interface RunExecutorOptions {
  relay: RelayCoreClient;
  /** How long a step may take before it fails with StepTimeoutError. */
  stepTimeoutMs: number;
}

/** Starts the root span of one attempt of a run, linked to the spans that caused it. */
export function startRunSpan(run: { id: string; workflow: string; attempt: number }, links: readonly SpanContext[]): Span {
  return tracer.startSpan(`run ${run.workflow}`, {
    kind: SpanKind.INTERNAL,
    root: true,
    links: links.map((linked) => ({ context: linked })),
    attributes: { 'automatrix.workflow': run.workflow, 'automatrix.run.id': run.id, 'automatrix.run.attempt': run.attempt },
  });
}

/** Runs every step of `run` in order on `worker`; the first failing step fails the run. */
export async function executeRun(worker: Worker, run: RunRecord, options: RunExecutorOptions): Promise<void> {
  const steps = WORKFLOWS.get(run.workflow)?.steps ?? [];
  run.status = 'running';
  run.span.setAttribute('automatrix.worker', worker.name);
  const runContext = trace.setSpan(ROOT_CONTEXT, run.span);

  for (const step of steps) {
    try {
      const result = await context.with(runContext, () => executeStep(worker, run, step, options));
      run.steps.push({ name: step.name, model: step.model, status: 'succeeded', provider: result.provider, error: null });
    } catch (error) {
      const failure = new RunFailedError(step.name, error);
      run.steps.push({ name: step.name, model: step.model, status: 'failed', provider: null, error: failure.message });
      finishRun(run, failure);
      return;
    }
  }
  finishRun(run, undefined);
}

function finishRun(run: RunRecord, failure: RunFailedError | undefined): void {
  if (failure !== undefined) recordError(run.span, failure);
  run.status = failure === undefined ? 'succeeded' : 'failed';
  run.error = failure?.message ?? null;
  run.span.end();
}

function executeStep(worker: Worker, run: RunRecord, step: WorkflowStep, options: RunExecutorOptions): Promise<RouteResult> {
  const attributes = { 'automatrix.run.id': run.id, 'automatrix.step': step.name, 'automatrix.worker': worker.name, 'automatrix.model': step.model };
  return inSpan(tracer, `step ${step.name}`, { kind: SpanKind.INTERNAL, attributes }, () => {
    if (worker.state.kind === 'crashed') throw new WorkerCrashedError(worker.name, step.name);

    const prompt = `step ${step.name} of ${run.workflow} run ${run.id}`;
    return withStepTimeout(step.name, options.stepTimeoutMs, (signal) =>
      worker.state.kind === 'stuck' ? waitUntilAborted(signal) : options.relay.route(step.model, prompt, signal),
    );
  });
}

/** Runs `work` with a signal that aborts with StepTimeoutError after `timeoutMs`. */
async function withStepTimeout<T>(step: string, timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new StepTimeoutError(step, timeoutMs)), timeoutMs);
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits like a stuck worker's step, which makes no progress and ends only when the step timeout aborts it. */
function waitUntilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}
