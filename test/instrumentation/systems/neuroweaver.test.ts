import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../node/control-client.js';
import { clearFaults, injectFault, listFaults, PredictClient, startSystem, STARTUP_TIMEOUT_MS, type SystemProcess } from './system-harness.js';

describe('neuroweaver system', () => {
  let system: SystemProcess;
  let models: PredictClient;
  let control: ControlClient;

  beforeAll(async () => {
    // FAULT_INJECTION=1 opens the admin port like the --enable-fault-injection flag.
    system = await startSystem('neuroweaver', { env: { FAULT_INJECTION: '1', SLOW_MODEL_DELAY_MS: '1500' } });
    models = new PredictClient(system.ready.api);
    control = new ControlClient(system.ready.control);
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    models.close();
    control.close();
    expect(await system.stop()).toBe(0);
  });

  beforeEach(async () => {
    await clearFaults(system.ready.admin);
    await control.execute({ action: 'restart_model', parameters: { model: 'gpt-small' }, idempotency_key: '' });
    await control.execute({ action: 'restart_model', parameters: { model: 'embed-base' }, idempotency_key: '' });
  });

  it('prints the ready line with its addresses', () => {
    expect(system.stdoutLines).toHaveLength(1);
    expect(system.ready).toMatchObject({ msg: 'ready', system: 'NeuroWeaver', service: 'neuroweaver' });
    expect(system.ready.api).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(system.ready.control).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(system.ready.admin).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('serves each model from its primary copy', async () => {
    for (const model of ['gpt-small', 'embed-base']) {
      const result = await models.predict(model);
      expect(result).toMatchObject({ ok: true, response: { model, servedBy: model } });
    }
  });

  it('rejects an unknown model with NOT_FOUND', async () => {
    const result = await models.predict('gpt-huge');
    expect(result).toMatchObject({ ok: false, code: grpc.status.NOT_FOUND });
  });

  it('fails with INTERNAL while model_crash is on', async () => {
    const injected = await injectFault(system.ready.admin, 'model_crash');
    expect(injected.status).toBe(200);
    expect(await listFaults(system.ready.admin)).toEqual([expect.objectContaining({ fault: 'model_crash', target: 'gpt-small' })]);

    const crashed = await models.predict('gpt-small');
    expect(crashed).toEqual({ ok: false, code: grpc.status.INTERNAL, details: 'model gpt-small crashed: CUDA out of memory' });
    expect(await models.predict('embed-base')).toMatchObject({ ok: true });

    await clearFaults(system.ready.admin);
    expect(await listFaults(system.ready.admin)).toEqual([]);
    expect(await models.predict('gpt-small')).toMatchObject({ ok: true, response: { servedBy: 'gpt-small' } });
  });

  it('serves primaries again after faults clear', async () => {
    await injectFault(system.ready.admin, 'model_crash');
    await control.execute({ action: 'switch_model', idempotency_key: 'switch-10' });

    await clearFaults(system.ready.admin);

    expect(await models.predict('gpt-small')).toMatchObject({ ok: true, response: { servedBy: 'gpt-small' } });
  });

  it('breaks the model named as target', async () => {
    await injectFault(system.ready.admin, 'model_crash', 'embed-base');

    expect(await models.predict('embed-base')).toMatchObject({ ok: false, code: grpc.status.INTERNAL });
    expect(await models.predict('gpt-small')).toMatchObject({ ok: true });
  });

  it('rejects an unknown fault or target with 400', async () => {
    const unknownFault = await injectFault(system.ready.admin, 'disk_full');
    const unknownTarget = await injectFault(system.ready.admin, 'model_crash', 'gpt-huge');

    expect(unknownFault.status).toBe(400);
    expect(unknownFault.body.error).toContain('model_crash, slow_model');
    expect(unknownTarget.status).toBe(400);
    expect(unknownTarget.body.error).toContain('gpt-huge');
  });

  it('exceeds the caller deadline while slow_model is on', async () => {
    await injectFault(system.ready.admin, 'slow_model');

    const result = await models.predict('gpt-small', 300);

    expect(result).toMatchObject({ ok: false, code: grpc.status.DEADLINE_EXCEEDED });
    expect(await listFaults(system.ready.admin)).toEqual([expect.objectContaining({ fault: 'slow_model', target: 'gpt-small' })]);
  });

  it('switch_model serves the healthy backup', async () => {
    await injectFault(system.ready.admin, 'model_crash');

    const switched = await control.execute({ action: 'switch_model', parameters: { model: 'gpt-small' }, idempotency_key: 'switch-1' });

    expect(switched).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED' } });
    expect(await models.predict('gpt-small')).toMatchObject({ ok: true, response: { servedBy: 'gpt-small-backup' } });
  });

  it('switch_model picks the failing model without parameters', async () => {
    await injectFault(system.ready.admin, 'slow_model', 'embed-base');

    const switched = await control.execute({ action: 'switch_model', idempotency_key: 'switch-2' });

    expect(switched).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED' } });
    if (switched.ok) expect(switched.response.message).toContain('embed-base to embed-base-backup');
    expect(await models.predict('embed-base', 1_000)).toMatchObject({ ok: true, response: { servedBy: 'embed-base-backup' } });
    expect(await models.predict('gpt-small')).toMatchObject({ ok: true, response: { servedBy: 'gpt-small' } });
  });

  it('switch_model returns to a healthy primary', async () => {
    await control.execute({ action: 'switch_model', parameters: { model: 'gpt-small' }, idempotency_key: 'switch-6' });
    await injectFault(system.ready.admin, 'model_crash');

    const switched = await control.execute({ action: 'switch_model', idempotency_key: 'switch-7' });

    expect(switched).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED', message: 'switched gpt-small to gpt-small (primary)' } });
    expect(await models.predict('gpt-small')).toMatchObject({ ok: true, response: { servedBy: 'gpt-small' } });
  });

  it('switch_model rejects when both copies fail', async () => {
    await injectFault(system.ready.admin, 'model_crash');
    await control.execute({ action: 'switch_model', idempotency_key: 'switch-8' });
    await injectFault(system.ready.admin, 'model_crash');

    const switched = await control.execute({ action: 'switch_model', idempotency_key: 'switch-9' });

    expect(switched).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_REJECTED' } });
    if (switched.ok) expect(switched.response.message).toContain('both copies of gpt-small are failing');
    expect(await listFaults(system.ready.admin)).toHaveLength(2);
  });

  it('switch_model reports already_applied when nothing fails', async () => {
    const result = await control.execute({ action: 'switch_model', idempotency_key: 'switch-3' });

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_ALREADY_APPLIED' } });
  });

  it('restart_model clears a crash and serves the primary', async () => {
    await injectFault(system.ready.admin, 'model_crash');
    await control.execute({ action: 'switch_model', parameters: { model: 'gpt-small' }, idempotency_key: 'switch-4' });

    const restarted = await control.execute({ action: 'restart_model', idempotency_key: 'restart-1' });

    expect(restarted).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED' } });
    expect(await listFaults(system.ready.admin)).toEqual([]);
    expect(await models.predict('gpt-small')).toMatchObject({ ok: true, response: { servedBy: 'gpt-small' } });
  });

  it('takes the model from the target component', async () => {
    await injectFault(system.ready.admin, 'model_crash', 'embed-base');

    const restarted = await control.execute({ action: 'restart_model', target_component: 'embed-base', idempotency_key: 'restart-2' });

    expect(restarted).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED' } });
    expect(await models.predict('embed-base')).toMatchObject({ ok: true });
  });

  it('rejects a control action on an unknown model', async () => {
    const result = await control.execute({ action: 'switch_model', parameters: { model: 'gpt-huge' }, idempotency_key: 'switch-5' });

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_REJECTED' } });
  });

  it('lists its two actions', async () => {
    const result = await control.listActions();

    expect(result.ok).toBe(true);
    if (result.ok) expect(result.response.actions.map((action) => action.name).sort()).toEqual(['restart_model', 'switch_model']);
  });
});
