import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../node/control-client.js';
import { clearFaults, injectFault, listFaults, requestJson, startSystem, type JsonResponse, STARTUP_TIMEOUT_MS, type SystemProcess } from './system-harness.js';

const INITIAL_ROUTES: Record<string, string> = { 'gpt-small': 'neuroweaver', 'embed-base': 'neuroweaver', 'chat-fast': 'simulated-a' };

interface RoutesView {
  routes: Record<string, string>;
  providers: { name: string; state: string; outage: boolean }[];
}

describe('relaycore system', () => {
  let neuroweaver: SystemProcess;
  let relaycore: SystemProcess;
  let control: ControlClient;
  let keyCounter = 0;

  const route = (model: string): Promise<JsonResponse> => requestJson(`http://${relaycore.ready.api}/v1/route`, 'POST', { model, prompt: 'hello' });
  const routes = async (): Promise<RoutesView> => (await requestJson(`http://${relaycore.ready.api}/v1/routes`, 'GET')).body as unknown as RoutesView;
  const execute = (action: string, parameters: Record<string, string> = {}, targetComponent = '') => {
    keyCounter += 1;
    return control.execute({ action, parameters, target_component: targetComponent, idempotency_key: `key-${keyCounter}` });
  };
  const providerState = async (name: string): Promise<string | undefined> => (await routes()).providers.find((provider) => provider.name === name)?.state;

  beforeAll(async () => {
    neuroweaver = await startSystem('neuroweaver');
    relaycore = await startSystem('relaycore', { faultInjection: true, env: { NEUROWEAVER_ADDRESS: neuroweaver.ready.api } });
    control = new ControlClient(relaycore.ready.control);
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    control.close();
    expect(await relaycore.stop()).toBe(0);
    expect(await neuroweaver.stop()).toBe(0);
  });

  beforeEach(async () => {
    await clearFaults(relaycore.ready.admin);
    await execute('reset_circuit');
    for (const [model, provider] of Object.entries(INITIAL_ROUTES)) await execute('reroute', { model, to: provider });
    expect((await routes()).routes).toEqual(INITIAL_ROUTES);
  });

  it('prints the ready line with its addresses', () => {
    expect(relaycore.stdoutLines).toHaveLength(1);
    expect(relaycore.ready).toMatchObject({ msg: 'ready', system: 'RelayCore', service: 'relaycore' });
    expect(relaycore.ready.admin).not.toBeNull();
  });

  it.each([
    { model: 'gpt-small', provider: 'neuroweaver', servedBy: 'gpt-small' },
    { model: 'embed-base', provider: 'neuroweaver', servedBy: 'embed-base' },
    { model: 'chat-fast', provider: 'simulated-a', servedBy: 'simulated-a' },
  ])('routes $model to $provider', async ({ model, provider, servedBy }) => {
    const response = await route(model);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ model, provider, servedBy });
  });

  it.each([
    { name: 'missing prompt', body: { model: 'gpt-small', input: 'hello' }, status: 400, error: 'invalid request: prompt must be a string' },
    { name: 'numeric model', body: { model: 7, prompt: 'hello' }, status: 400, error: 'invalid request: model must be a non-empty string' },
    { name: 'unrouted model', body: { model: 'gpt-huge', prompt: 'hello' }, status: 404, error: 'no route for model "gpt-huge"' },
  ])('rejects a request with $name', async ({ body, status, error }) => {
    const response = await requestJson(`http://${relaycore.ready.api}/v1/route`, 'POST', body);

    expect(response.status).toBe(status);
    expect(response.body.error).toContain(error);
  });

  it('rejects a body that is not JSON with 400', async () => {
    const response = await fetch(`http://${relaycore.ready.api}/v1/route`, { method: 'POST', body: '{"model":' });

    expect(response.status).toBe(400);
  });

  it('fails with 503 while provider_outage is on', async () => {
    const injected = await injectFault(relaycore.ready.admin, 'provider_outage');
    expect(injected.body.faults).toEqual([{ fault: 'provider_outage', target: 'simulated-a' }]);

    const response = await route('chat-fast');

    expect(response.status).toBe(503);
    expect(response.body.error).toBe('provider simulated-a is unavailable: service outage');
    expect((await route('gpt-small')).status).toBe(200);
  });

  it('opens the circuit after five unavailable calls', async () => {
    await injectFault(relaycore.ready.admin, 'provider_outage');
    for (let call = 0; call < 5; call++) await route('chat-fast');

    const response = await route('chat-fast');

    expect(await providerState('simulated-a')).toBe('circuit_open');
    expect(response.status).toBe(503);
    expect(response.body.error).toContain('circuit is open');
  });

  it('reroute moves routes off the failing provider', async () => {
    await injectFault(relaycore.ready.admin, 'provider_outage');
    await route('chat-fast');

    const result = await execute('reroute');

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED', message: 'moved chat-fast from simulated-a to simulated-b' } });
    expect(await route('chat-fast')).toMatchObject({ status: 200, body: { provider: 'simulated-b' } });
    expect(await listFaults(relaycore.ready.admin)).toEqual([{ fault: 'provider_outage', target: 'simulated-a' }]);
  });

  it('reroute reports already_applied when no provider fails', async () => {
    const result = await execute('reroute');

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_ALREADY_APPLIED' } });
  });

  it('reroute moves every route between named providers', async () => {
    const result = await execute('reroute', { from: 'neuroweaver', to: 'simulated-b' });

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED' } });
    expect((await routes()).routes).toEqual({ 'gpt-small': 'simulated-b', 'embed-base': 'simulated-b', 'chat-fast': 'simulated-a' });
  });

  it.each<{ name: string; parameters: Record<string, string>; message: string }>([
    { name: 'unknown destination', parameters: { to: 'simulated-z' }, message: 'unknown provider "simulated-z"' },
    { name: 'unrouted model', parameters: { model: 'gpt-huge' }, message: 'no route for model "gpt-huge"' },
    { name: 'destination that cannot serve', parameters: { from: 'simulated-a', to: 'neuroweaver' }, message: 'no healthy provider serves chat-fast' },
  ])('reroute rejects an $name', async ({ parameters, message }) => {
    const result = await execute('reroute', parameters);

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_REJECTED' } });
    if (result.ok) expect(result.response.message).toContain(message);
  });

  it('fails with a routing error while corrupted_route is on', async () => {
    const injected = await injectFault(relaycore.ready.admin, 'corrupted_route');
    expect(injected.body.faults).toEqual([{ fault: 'corrupted_route', target: 'gpt-small' }]);

    const response = await route('gpt-small');

    expect(response.status).toBe(500);
    expect(response.body.error).toBe('route for model gpt-small names provider "neuroweaver-legacy", which is not configured');
    expect((await route('embed-base')).status).toBe(200);
  });

  it('reroute repairs a corrupted route', async () => {
    await injectFault(relaycore.ready.admin, 'corrupted_route');

    const result = await execute('reroute');

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED', message: 'moved gpt-small from neuroweaver-legacy to neuroweaver' } });
    expect(await route('gpt-small')).toMatchObject({ status: 200, body: { provider: 'neuroweaver' } });
    expect(await listFaults(relaycore.ready.admin)).toEqual([]);
  });

  it('clearing faults restores a corrupted route', async () => {
    await injectFault(relaycore.ready.admin, 'corrupted_route', 'chat-fast');

    await clearFaults(relaycore.ready.admin);

    expect((await routes()).routes).toEqual(INITIAL_ROUTES);
  });

  it('clearing faults restores the start state', async () => {
    await execute('reroute', { from: 'neuroweaver', to: 'simulated-b' });
    await execute('drain_provider', { provider: 'simulated-a' });

    await clearFaults(relaycore.ready.admin);

    expect((await routes()).routes).toEqual(INITIAL_ROUTES);
    expect((await routes()).providers.map((provider) => provider.state)).toEqual(['healthy', 'healthy', 'healthy']);
  });

  it('reset_circuit closes an open circuit', async () => {
    await injectFault(relaycore.ready.admin, 'provider_outage');
    for (let call = 0; call < 5; call++) await route('chat-fast');
    expect((await route('chat-fast')).body.error).toContain('circuit is open');

    const result = await execute('reset_circuit', { provider: 'simulated-a' });

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED' } });
    expect(await providerState('simulated-a')).toBe('healthy');
    // The provider is called again instead of failing fast, and its outage goes on.
    expect(await route('chat-fast')).toMatchObject({ status: 503, body: { error: 'provider simulated-a is unavailable: service outage' } });
  });

  it('drain_provider moves routes and takes the provider out of rotation', async () => {
    const result = await execute('drain_provider', {}, 'simulated-a');

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_APPLIED' } });
    expect(await providerState('simulated-a')).toBe('draining');
    expect(await route('chat-fast')).toMatchObject({ status: 200, body: { provider: 'simulated-b' } });
  });

  it('drain_provider rejects a request without a provider', async () => {
    const result = await execute('drain_provider');

    expect(result).toMatchObject({ ok: true, response: { outcome: 'OUTCOME_REJECTED' } });
  });
});
