import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startReceiver, type ReceiverHarness } from '../../support/otlp-receiver-harness.js';
import { ControlClient } from '../node/control-client.js';
import { RelayCoreStub } from './relaycore-stub.js';
import { clearFaults, injectFault, listFaults, requestJson, startSystem, STARTUP_TIMEOUT_MS, type SystemProcess } from './system-harness.js';

interface RunView {
  id: string;
  workflow: string;
  status: string;
  attempt: number;
  traceId: string;
  worker: string;
  steps: { name: string; status: string; provider: string | null; error: string | null }[];
  error: string | null;
}

const STEP_TIMEOUT_MS = 300;

describe('automatrix system', () => {
  const relay = new RelayCoreStub();
  let receiver: ReceiverHarness;
  let automatrix: SystemProcess;
  let control: ControlClient;
  let keyCounter = 0;

  const api = (path: string): string => `http://${automatrix.ready.api}${path}`;
  const execute = (action: string, parameters: Record<string, string> = {}, targetComponent = '') => {
    keyCounter += 1;
    return control.execute({ action, parameters, target_component: targetComponent, idempotency_key: `key-${keyCounter}` });
  };
  const getRun = async (id: string): Promise<RunView> => (await requestJson(api(`/runs/${id}`), 'GET')).body as unknown as RunView;
  const submit = async (workflow = 'support-ticket'): Promise<{ runId: string; traceId: string }> => {
    const response = await requestJson(api('/runs'), 'POST', { workflow });
    expect(response.status).toBe(202);
    return response.body as { runId: string; traceId: string };
  };
  /** Waits until the run finished and returns it. */
  const finished = async (id: string): Promise<RunView> =>
    vi.waitFor(
      async () => {
        const run = await getRun(id);
        if (run.status !== 'succeeded' && run.status !== 'failed') throw new Error(`run ${id} is ${run.status}`);
        return run;
      },
      { timeout: 10_000, interval: 20 },
    );
  /** Submits one run per worker, so each worker runs exactly one of them, and returns them by worker. */
  const runOnEveryWorker = async (): Promise<Map<string, RunView>> => {
    const submitted = [await submit(), await submit(), await submit()];
    const runs = await Promise.all(submitted.map((run) => finished(run.runId)));
    return new Map(runs.map((run) => [run.worker, run]));
  };

  beforeAll(async () => {
    const relayUrl = await relay.start();
    receiver = await startReceiver();
    const env = {
      RELAYCORE_URL: relayUrl,
      STEP_TIMEOUT_MS: String(STEP_TIMEOUT_MS),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${receiver.grpcAddress}`,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    };
    automatrix = await startSystem('automatrix', { faultInjection: true, env });
    control = new ControlClient(automatrix.ready.control);
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    control.close();
    expect(await automatrix.stop()).toBe(0);
    await relay.close();
    await receiver.receiver.shutdown();
  });

  beforeEach(async () => {
    await clearFaults(automatrix.ready.admin);
    await execute('resume_workflow', { workflow: 'nightly-report' });
    relay.failWith = undefined;
    relay.requests.length = 0;
  });

  it('prints the ready line with its addresses', () => {
    expect(automatrix.stdoutLines).toHaveLength(1);
    expect(automatrix.ready).toMatchObject({ msg: 'ready', system: 'AutoMatrix', service: 'automatrix' });
    expect(automatrix.ready.admin).not.toBeNull();
  });

  it('runs every step through RelayCore', async () => {
    const { runId, traceId } = await submit();

    const run = await finished(runId);

    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(run).toMatchObject({ id: runId, workflow: 'support-ticket', status: 'succeeded', attempt: 1, traceId, error: null });
    expect(run.steps.map((step) => [step.name, step.status])).toEqual([
      ['classify', 'succeeded'],
      ['embed', 'succeeded'],
      ['answer', 'succeeded'],
    ]);
    expect(relay.requests.map((request) => request.body)).toEqual([
      { model: 'chat-fast', prompt: `step classify of support-ticket run ${runId}` },
      { model: 'embed-base', prompt: `step embed of support-ticket run ${runId}` },
      { model: 'gpt-small', prompt: `step answer of support-ticket run ${runId}` },
    ]);
  });

  it('sends the run trace context through the worker queue', async () => {
    const { runId, traceId } = await submit('nightly-report');
    await finished(runId);

    expect(traceId).not.toBe('0'.repeat(32));
    expect(relay.requests).toHaveLength(1);
    expect(relay.requests[0]?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it('traces each run as a root span linked to its request', async () => {
    const { runId, traceId } = await submit('nightly-report');
    await finished(runId);

    const spans = await vi.waitFor(
      () => {
        const found = receiver.sink.spans.filter((span) => span.traceId === traceId);
        if (found.length < 3) throw new Error(`received ${found.length} spans of the run`);
        return found;
      },
      { timeout: 10_000, interval: 50 },
    );
    const runSpan = spans.find((span) => span.name === 'run nightly-report');
    const stepSpan = spans.find((span) => span.name === 'step summarize');
    const clientSpan = spans.find((span) => span.kind === 'client');
    const requestSpan = receiver.sink.spans.find((span) => span.kind === 'server' && span.spanId === runSpan?.links[0]?.spanId);

    expect(runSpan).toMatchObject({ parentSpanId: '', kind: 'internal', resource: { service: 'automatrix', system: 'AutoMatrix' } });
    expect(requestSpan?.traceId).not.toBe(traceId);
    expect(stepSpan?.parentSpanId).toBe(runSpan?.spanId);
    expect(clientSpan?.parentSpanId).toBe(stepSpan?.spanId);
  });

  it.each([
    { name: 'unknown workflow', body: { workflow: 'mine-bitcoin' }, error: 'unknown workflow "mine-bitcoin"' },
    { name: 'missing workflow', body: {}, error: 'workflow must be a non-empty string' },
  ])('rejects a run with $name', async ({ body, error }) => {
    const response = await requestJson(api('/runs'), 'POST', body);

    expect(response.status).toBe(400);
    expect(response.body.error).toContain(error);
  });

  it('responds 404 for an unknown run', async () => {
    const response = await requestJson(api('/runs/run-999999'), 'GET');

    expect(response.status).toBe(404);
  });

  it('counts runs by status', async () => {
    const before = (await requestJson(api('/stats'), 'GET')).body;
    await finished((await submit()).runId);
    relay.failWith = 503;
    await finished((await submit()).runId);

    const after = (await requestJson(api('/stats'), 'GET')).body;

    expect(after.succeeded).toBe(Number(before.succeeded) + 1);
    expect(after.failed).toBe(Number(before.failed) + 1);
    expect(after.queued).toBe(0);
    expect(after.workers).toHaveLength(3);
  });

  it('fails a step with the RelayCore error', async () => {
    relay.failWith = 503;

    const run = await finished((await submit()).runId);

    expect(run.status).toBe('failed');
    expect(run.error).toBe('step classify failed: relaycore responded 503: provider simulated-a is unavailable: service outage');
  });

  it('fails the crashed worker steps while worker_crash is on', async () => {
    const injected = await injectFault(automatrix.ready.admin, 'worker_crash');
    expect(injected.body.faults).toEqual([{ fault: 'worker_crash', target: 'worker-1' }]);

    const runs = await runOnEveryWorker();

    expect(runs.get('worker-1')).toMatchObject({ status: 'failed', error: 'step classify failed: worker worker-1 crashed before step classify could run' });
    expect(runs.get('worker-2')?.status).toBe('succeeded');
    expect(runs.get('worker-3')?.status).toBe('succeeded');
  });

  it('restart_worker ends a crash', async () => {
    await injectFault(automatrix.ready.admin, 'worker_crash', 'worker-2');

    const restarted = await execute('restart_worker');

    expect(restarted).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED', message: 'restarted worker-2' } });
    expect(await listFaults(automatrix.ready.admin)).toEqual([]);
    const runs = await runOnEveryWorker();
    expect([...runs.values()].map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('restart_worker rejects an unknown worker', async () => {
    const result = await execute('restart_worker', { worker: 'worker-9' });

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_REJECTED' } });
  });

  it('retry_failed_runs queues a failed run again in a new trace', async () => {
    relay.failWith = 503;
    const first = await finished((await submit()).runId);
    relay.failWith = undefined;

    const retried = await execute('retry_failed_runs');
    const second = await finished(first.id);

    expect(retried).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED' } });
    expect(second).toMatchObject({ status: 'succeeded', attempt: 2, error: null });
    expect(second.traceId).not.toBe(first.traceId);
    expect(await execute('retry_failed_runs')).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_ALREADY_APPLIED' } });
  });

  it('times steps out while step_timeout is on', async () => {
    const injected = await injectFault(automatrix.ready.admin, 'step_timeout');
    expect(injected.body.faults).toHaveLength(3);

    const run = await finished((await submit()).runId);

    expect(run).toMatchObject({ status: 'failed', error: `step classify failed: step classify timed out after ${STEP_TIMEOUT_MS} ms` });
    expect(relay.requests).toEqual([]);
    await execute('restart_worker');
    expect(await finished((await submit()).runId)).toMatchObject({ status: 'succeeded' });
  });

  it('sends malformed requests while client_bug is on', async () => {
    await injectFault(automatrix.ready.admin, 'client_bug');

    const run = await finished((await submit('nightly-report')).runId);

    expect(run).toMatchObject({ status: 'failed', error: 'step summarize failed: relaycore responded 400: invalid request: prompt must be a string, got undefined' });
    expect(relay.requests[0]?.body).toEqual({ model: 'gpt-small', input: `step summarize of nightly-report run ${run.id}` });
  });

  it('keeps client_bug across a restart', async () => {
    await injectFault(automatrix.ready.admin, 'client_bug');

    const restarted = await execute('restart_worker');
    const run = await finished((await submit('nightly-report')).runId);

    expect(restarted).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_ALREADY_APPLIED' } });
    expect(run.status).toBe('failed');
    expect(await listFaults(automatrix.ready.admin)).toEqual([{ fault: 'client_bug', target: 'all' }]);
  });

  it('pause_workflow holds queued runs until resume_workflow', async () => {
    const paused = await execute('pause_workflow', { workflow: 'nightly-report' });
    const heldRun = await submit('nightly-report');
    await runOnEveryWorker();

    expect(paused).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED' } });
    expect((await getRun(heldRun.runId)).status).toBe('queued');

    const resumed = await execute('resume_workflow', {}, 'nightly-report');

    expect(resumed).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED' } });
    expect(await finished(heldRun.runId)).toMatchObject({ status: 'succeeded' });
  });

  it('clearing faults resumes paused workflows', async () => {
    await execute('pause_workflow', { workflow: 'nightly-report' });
    const heldRun = await submit('nightly-report');

    await clearFaults(automatrix.ready.admin);

    expect(await finished(heldRun.runId)).toMatchObject({ status: 'succeeded' });
    expect((await requestJson(api('/stats'), 'GET')).body.pausedWorkflows).toEqual([]);
  });

  it.each<{ name: string; parameters: Record<string, string> }>([
    { name: 'no workflow', parameters: {} },
    { name: 'an unknown workflow', parameters: { workflow: 'mine-bitcoin' } },
  ])('pause_workflow rejects $name', async ({ parameters }) => {
    const result = await execute('pause_workflow', parameters);

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_REJECTED' } });
  });
});
