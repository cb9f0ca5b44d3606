import { afterEach, describe, expect, it } from 'vitest';
import { startControlServer } from '../../../instrumentation/node/control-server.js';
import type { ActionRequest, ControlServer } from '../../../instrumentation/node/control-server.js';
import { auditOutcomes, createEngine, eventually, openIncident, policyFor, targetFor } from '../../recovery/engine-harness.js';
import type { EngineHarness } from '../../recovery/engine-harness.js';
import { makeIncident } from '../../recovery/fake-incident-control.js';

/** Faultline's real RecoveryEngine, with its target client, calling an action on a control server built with the Node helper. */
describe('control server called by RecoveryEngine', () => {
  let server: ControlServer | undefined;
  let harness: EngineHarness | undefined;

  afterEach(async () => {
    await harness?.engine.shutdown();
    harness = undefined;
    await server?.close();
    server = undefined;
  });

  async function setUp(policyOverrides: Record<string, unknown> = {}): Promise<{ calls: ActionRequest[]; current: EngineHarness }> {
    const calls: ActionRequest[] = [];
    server = await startControlServer({
      serviceName: 'worker',
      actions: [
        {
          name: 'restart_worker',
          description: 'Restarts one worker.',
          idempotent: true,
          parameters: [{ name: 'grace_period', type: 'duration', required: false, description: 'How long the worker may finish its work.' }],
          handler: (request) => {
            calls.push(request);
            return { outcome: 'applied', message: `${request.targetComponent} restarted` };
          },
        },
      ],
    });
    const current = createEngine({
      targets: { worker: targetFor([server.address], { health_check_interval: '10s' }) },
      policies: [policyFor('restart', ['worker'], policyOverrides)],
    });
    harness = current;
    current.engine.start();
    return { calls, current };
  }

  it('runs the policy step on the control server', async () => {
    const { calls, current } = await setUp();

    openIncident(current, makeIncident('inc-1'));

    await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));
    expect(auditOutcomes(current, 'inc-1', 'call_finished')).toEqual(['applied']);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      action: 'restart_worker',
      targetComponent: 'worker-1',
      parameters: { grace_period: '5s' },
      idempotencyKey: 'inc-1:restart:0',
      dryRun: false,
    });
    expect(calls[0]?.incident).toMatchObject({ id: 'inc-1', rootCauseService: 'worker', rootCauseSystem: 'automatrix', errorKind: 'unavailable' });
  });

  it('audits a rejected parameter as a failed call', async () => {
    const { calls, current } = await setUp({
      steps: [{ action: 'restart_worker', target: 'worker', component: 'worker-1', parameters: { grace_period: 'soon' } }],
      retry: { max_attempts: 1 },
    });

    openIncident(current, makeIncident('inc-2'));

    await eventually(() => expect(current.control.statesOf('inc-2')).toEqual(['escalated']));
    expect(auditOutcomes(current, 'inc-2', 'call_finished')).toEqual(['invalid_argument']);
    expect(calls).toHaveLength(0);
  });
});
