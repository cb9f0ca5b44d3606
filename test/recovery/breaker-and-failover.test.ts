import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ControlServer, closedPort } from '../support/control-server.js';
import { auditOutcomes, createEngine, eventually, openIncident, policyFor, targetFor, useEngineFakeTimers } from './engine-harness.js';
import type { EngineHarness } from './engine-harness.js';
import { makeIncident } from './fake-incident-control.js';

/** The per-target circuit breaker, and health checks that pick the endpoint. */
describe('RecoveryEngine targets', () => {
  const servers: ControlServer[] = [];
  let harness: EngineHarness | undefined;

  beforeEach(() => {
    useEngineFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
  });

  afterEach(async () => {
    await harness?.engine.shutdown();
    harness = undefined;
    for (const server of servers.splice(0)) await server.stop();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  async function startServer(...args: Parameters<typeof ControlServer.start>): Promise<ControlServer> {
    const server = await ControlServer.start(...args);
    servers.push(server);
    return server;
  }

  describe('circuit breaker', () => {
    async function setUpBreaker(): Promise<{ server: ControlServer; harness: EngineHarness }> {
      const server = await startServer({ defaultReply: { kind: 'error', code: grpc.status.UNAVAILABLE } });
      harness = createEngine({
        targets: { worker: targetFor([server.address], { breaker: { failure_threshold: 2, half_open_after: '30s' } }) },
        policies: [policyFor('restart', ['worker'], { retry: { max_attempts: 1 } })],
      });
      harness.engine.start();
      return { server, harness };
    }

    async function failIncident(current: EngineHarness, id: string): Promise<void> {
      openIncident(current, makeIncident(id));
      await eventually(() => expect(current.control.statesOf(id)).toEqual(['escalated']));
    }

    it('opens after consecutive failures and fails fast', async () => {
      const { server, harness: current } = await setUpBreaker();

      await failIncident(current, 'inc-1');
      expect(current.engine.snapshot().breakers).toEqual({ worker: 'closed' });
      await failIncident(current, 'inc-2');
      expect(current.engine.snapshot().breakers).toEqual({ worker: 'open' });
      await failIncident(current, 'inc-3');

      expect(server.requests).toHaveLength(2);
      expect(auditOutcomes(current, 'inc-3', 'call_finished')).toEqual(['breaker_open']);
    });

    it('lets one call through after half_open_after and closes on success', async () => {
      const { server, harness: current } = await setUpBreaker();
      await failIncident(current, 'inc-1');
      await failIncident(current, 'inc-2');
      server.defaultReply = { kind: 'apply' };

      await vi.advanceTimersByTimeAsync(29_999);
      await failIncident(current, 'inc-3');
      expect(server.requests).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      openIncident(current, makeIncident('inc-4'));
      await eventually(() => expect(current.control.statesOf('inc-4')).toEqual(['mitigating']));

      expect(server.requests).toHaveLength(3);
      expect(current.engine.snapshot().breakers).toEqual({ worker: 'closed' });
    });

    it('reopens when the half-open call fails', async () => {
      const { server, harness: current } = await setUpBreaker();
      await failIncident(current, 'inc-1');
      await failIncident(current, 'inc-2');

      await vi.advanceTimersByTimeAsync(30_000);
      await failIncident(current, 'inc-3');
      await failIncident(current, 'inc-4');

      expect(server.requests).toHaveLength(3);
      expect(auditOutcomes(current, 'inc-4', 'call_finished')).toEqual(['breaker_open']);
      expect(current.engine.snapshot().breakers).toEqual({ worker: 'open' });
    });

    it('does not count INVALID_ARGUMENT against the target', async () => {
      const { server, harness: current } = await setUpBreaker();
      server.defaultReply = { kind: 'error', code: grpc.status.INVALID_ARGUMENT };

      for (const id of ['inc-1', 'inc-2', 'inc-3']) await failIncident(current, id);

      expect(server.requests).toHaveLength(3);
      expect(current.engine.snapshot().breakers).toEqual({ worker: 'closed' });
    });
  });

  describe('health checks', () => {
    it('fails over to a healthy second endpoint', async () => {
      const downAddress = `127.0.0.1:${await closedPort()}`;
      const server = await startServer();
      harness = createEngine({
        targets: { worker: targetFor([downAddress, server.address], { health_check_interval: '10s' }) },
        policies: [policyFor('restart', ['worker'])],
      });
      harness.engine.start();
      const current = harness;
      await eventually(() => expect(current.engine.target('worker')?.currentEndpoint).toBe(server.address));

      openIncident(current, makeIncident('inc-1'));
      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));

      expect(server.requests).toHaveLength(1);
      const finished = current.store.records('inc-1').find((record) => record.event === 'call_finished');
      expect(finished?.endpoint).toBe(server.address);
    });

    it('fails over on UNAVAILABLE before the next check', async () => {
      const first = await startServer({ defaultReply: { kind: 'error', code: grpc.status.UNAVAILABLE } });
      const second = await startServer();
      harness = createEngine({
        targets: { worker: targetFor([first.address, second.address], { health_check_interval: '10s' }) },
        policies: [policyFor('restart', ['worker'])],
      });
      harness.engine.start();
      const current = harness;
      await current.engine.target('worker')?.checkHealthNow();

      openIncident(current, makeIncident('inc-1'));
      await eventually(() => expect(first.requests).toHaveLength(1));
      await vi.advanceTimersByTimeAsync(200);
      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));

      expect(second.requests).toHaveLength(1);
      expect(second.requests[0]?.request.idempotency_key).toBe(first.requests[0]?.request.idempotency_key);
    });

    it('checks health again before giving up on a target', async () => {
      const server = await startServer({ health: 'NOT_SERVING' });
      harness = createEngine({
        targets: { worker: targetFor([server.address], { health_check_interval: '1h' }) },
        policies: [policyFor('restart', ['worker'])],
      });
      harness.engine.start();
      const current = harness;
      const worker = current.engine.target('worker');
      await eventually(() => expect(worker?.currentEndpoint).toBeUndefined());

      // The system comes up after the last periodic check, as when it starts after Faultline.
      server.setHealth('SERVING');
      openIncident(current, makeIncident('inc-1'));

      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));
      expect(server.requests.map((received) => received.request.incident.id)).toEqual(['inc-1']);
    });

    it('follows an endpoint that flaps between up and down', async () => {
      const server = await startServer({ health: 'NOT_SERVING' });
      harness = createEngine({
        targets: { worker: targetFor([server.address], { health_check_interval: '10s' }) },
        policies: [policyFor('restart', ['worker'])],
      });
      harness.engine.start();
      const current = harness;
      const worker = current.engine.target('worker');
      await eventually(() => expect(worker?.currentEndpoint).toBeUndefined());

      openIncident(current, makeIncident('inc-1'));
      // Each attempt checks health again before it gives up, and the step retries with backoff.
      await vi.advanceTimersByTimeAsync(30_000);
      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['escalated']));
      const outcomes = auditOutcomes(current, 'inc-1', 'call_finished');
      expect(outcomes.length).toBeGreaterThan(1);
      expect(new Set(outcomes)).toEqual(new Set(['no_healthy_endpoint']));
      expect(server.requests).toHaveLength(0);

      server.setHealth('SERVING');
      await vi.advanceTimersByTimeAsync(10_000);
      await eventually(() => expect(worker?.currentEndpoint).toBe(server.address));
      openIncident(current, makeIncident('inc-2'));
      await eventually(() => expect(current.control.statesOf('inc-2')).toEqual(['mitigating']));

      server.setHealth('NOT_SERVING');
      await vi.advanceTimersByTimeAsync(10_000);
      await eventually(() => expect(worker?.currentEndpoint).toBeUndefined());
      openIncident(current, makeIncident('inc-3'));
      await vi.advanceTimersByTimeAsync(30_000);
      await eventually(() => expect(current.control.statesOf('inc-3')).toEqual(['escalated']));

      expect(server.requests.map((received) => received.request.incident.id)).toEqual(['inc-2']);
    });
  });
});
