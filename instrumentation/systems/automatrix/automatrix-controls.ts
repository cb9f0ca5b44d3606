import { trace } from '@opentelemetry/api';
import type { ActionOutcome, ActionRequest, ControlAction } from '../../node/control-server.js';
import type { RunService } from './run-service.js';
import type { Worker } from './worker-pool.js';

/**
 * AutoMatrix's recovery actions. Where a worker or workflow is the main parameter, the
 * request's target component is used in its place when the parameter is absent.
 */

export function createAutomatrixControls(runs: RunService): ControlAction[] {
  return [
    {
      name: 'restart_worker',
      description: 'Restarts a worker, which ends a crash or a hang; its next steps run normally.',
      idempotent: true,
      parameters: [{ name: 'worker', type: 'string', required: false, description: 'The worker, for example "worker-1". Default: every crashed or stuck worker.' }],
      handler: (request) => restartWorker(runs, request),
    },
    {
      name: 'retry_failed_runs',
      description: 'Queues every failed run again as a new attempt.',
      idempotent: false,
      handler: () => retryFailedRuns(runs),
    },
    {
      name: 'pause_workflow',
      description: 'Holds the queued runs of a workflow until it is resumed; runs in progress finish.',
      idempotent: true,
      parameters: [{ name: 'workflow', type: 'string', required: false, description: 'The workflow. Required unless the target component names it.' }],
      handler: (request) => setWorkflowPaused(runs, request, true),
    },
    {
      name: 'resume_workflow',
      description: 'Lets the queued runs of a paused workflow go on.',
      idempotent: true,
      parameters: [{ name: 'workflow', type: 'string', required: false, description: 'The workflow. Required unless the target component names it.' }],
      handler: (request) => setWorkflowPaused(runs, request, false),
    },
  ];
}

function restartWorker(runs: RunService, request: ActionRequest): ActionOutcome {
  const named = request.parameters.worker ?? request.targetComponent;
  let workers: Worker[];
  if (named === '') {
    workers = runs.pool.workers().filter((worker) => worker.state.kind !== 'running');
    if (workers.length === 0) return { outcome: 'already_applied', message: 'no worker is crashed or stuck, so none was restarted' };
  } else {
    const worker = runs.pool.find(named);
    if (worker === undefined) {
      const names = runs.pool.workers().map((candidate) => candidate.name);
      return { outcome: 'rejected', message: `unknown worker ${JSON.stringify(named)}; workers are ${names.join(', ')}` };
    }
    workers = [worker];
  }

  for (const worker of workers) runs.pool.restart(worker);
  return { outcome: 'applied', message: `restarted ${workers.map((worker) => worker.name).join(', ')}` };
}

function retryFailedRuns(runs: RunService): ActionOutcome {
  // The control server runs the handler inside its span, so each new attempt links to the recovery action.
  const actionSpan = trace.getActiveSpan()?.spanContext();
  const retried = runs.retryFailed(actionSpan === undefined ? [] : [actionSpan]);
  if (retried.length === 0) return { outcome: 'already_applied', message: 'no run has failed, so none was queued again' };
  return { outcome: 'applied', message: `queued ${retried.length} failed runs again` };
}

function setWorkflowPaused(runs: RunService, request: ActionRequest, paused: boolean): ActionOutcome {
  const workflow = request.parameters.workflow ?? request.targetComponent;
  const action = paused ? 'pause_workflow' : 'resume_workflow';
  if (workflow === '') return { outcome: 'rejected', message: `${action} needs the workflow parameter or a target component` };
  if (!runs.hasWorkflow(workflow)) return { outcome: 'rejected', message: `unknown workflow ${JSON.stringify(workflow)}` };

  const changed = paused ? runs.pause(workflow) : runs.resume(workflow);
  const state = paused ? 'paused' : 'running';
  return { outcome: changed ? 'applied' : 'already_applied', message: `workflow ${workflow} is ${state}` };
}
