import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ControlServer } from '../support/control-server.js';
import { auditOutcomes, createEngine, eventually, openIncident, policyFor, settleIo, targetFor, useEngineFakeTimers } from './engine-harness.js';
import type { EngineHarness } from './engine-harness.js';
import { makeIncident } from './fake-incident-control.js';

describe('RecoveryEngine', () => {
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

  async function setUp(section: (address: string) => Record<string, unknown>): Promise<{ server: ControlServer; harness: EngineHarness }> {
    const server = await ControlServer.start();
    servers.push(server);
    harness = createEngine(section(server.address));
    harness.engine.start();
    return { server, harness };
  }

  const onePolicy = (policy: Record<string, unknown> = {}) => (address: string) => ({
    targets: { worker: targetFor([address]) },
    policies: [policyFor('restart', ['worker'], policy)],
  });

  describe('incidentChanged', () => {
    it('resolves the incident when quiet after a step', async () => {
      const { server, harness: current } = await setUp(onePolicy());
      openIncident(current, makeIncident('inc-1'));

      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));
      await vi.advanceTimersByTimeAsync(29_999);
      expect(current.control.statesOf('inc-1')).toEqual(['mitigating']);
      await vi.advanceTimersByTimeAsync(1);

      expect(current.control.statesOf('inc-1')).toEqual(['mitigating', 'resolved']);
      expect(current.control.stateChanges.at(-1)?.reason).toBe('recovered');
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]?.request.incident).toEqual({
        id: 'inc-1',
        root_cause_service: 'worker',
        root_cause_system: 'automatrix',
        error_kind: 'unavailable',
        fingerprint: 'fp-1',
        sample_trace_ids: ['0af7651916cd43dd8448eb211c80319c'],
      });
      expect(server.requests[0]?.request.target_component).toBe('worker-1');
      expect(server.requests[0]?.request.dry_run).toBe(false);
      const snapshot = current.engine.snapshot();
      expect(snapshot.recoveriesStarted).toBe(1);
      expect(snapshot.recoveriesSucceeded).toBe(1);
      expect(snapshot.timesToRecoverMs).toEqual([30_000]);
      expect(current.store.getRecovery('inc-1')?.progress).toEqual({ status: 'recovered' });
    });

    it('runs the next step while failures continue, then escalates', async () => {
      const { server, harness: current } = await setUp((address) => ({
        targets: { worker: targetFor([address]), relay: targetFor([address]) },
        policies: [policyFor('restart', ['worker', 'relay'])],
      }));
      openIncident(current, makeIncident('inc-1'));

      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));
      await vi.advanceTimersByTimeAsync(10_000);
      current.control.fail('inc-1');
      await vi.advanceTimersByTimeAsync(20_000);
      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating', 'mitigating']));
      await vi.advanceTimersByTimeAsync(5_000);
      current.control.fail('inc-1');
      await vi.advanceTimersByTimeAsync(25_000);

      expect(server.requests.map((received) => received.request.idempotency_key)).toEqual(['inc-1:restart:0', 'inc-1:restart:1']);
      expect(current.control.statesOf('inc-1')).toEqual(['mitigating', 'mitigating', 'escalated']);
      expect(current.engine.snapshot().recoveriesEscalated).toBe(1);
      expect(current.lines.some((line) => line.msg === 'recovery steps ran out, incident escalated: every step ran and failures continued (2 applied, 0 failed, 0 skipped)' && line.level === 40)).toBe(true);
      expect(current.store.finishedSteps('inc-1', 1)).toEqual(new Map([[0, 'applied'], [1, 'applied']]));
    });

    it('does not count a failure that started before the step', async () => {
      const { harness: current } = await setUp(onePolicy());
      const openedAtMs = Date.now();
      openIncident(current, makeIncident('inc-1'));

      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));
      await vi.advanceTimersByTimeAsync(3_000);
      // A request that was already waiting on the failing service when the step ran.
      current.control.fail('inc-1', Date.now(), openedAtMs - 500);
      await vi.advanceTimersByTimeAsync(27_000);

      expect(current.control.statesOf('inc-1')).toEqual(['mitigating', 'resolved']);
      expect(current.control.stateChanges.at(-1)?.reason).toBe('recovered');
    });

    it('ends the recovery when the incident resolves meanwhile', async () => {
      const { harness: current } = await setUp(onePolicy());
      const incident = openIncident(current, makeIncident('inc-1'));
      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));

      current.control.resolve('inc-1', 'manual');
      current.engine.incidentChanged({ type: 'resolved', incident: { ...incident, state: 'resolved' }, reason: 'manual' });
      await eventually(() => expect(current.engine.snapshot().recoveriesRunning).toBe(0));

      expect(auditOutcomes(current, 'inc-1', 'decision')).toContain('resolved_meanwhile');
      expect(current.store.getRecovery('inc-1')?.progress).toEqual({ status: 'ended' });
      expect(current.engine.snapshot().recoveriesSucceeded).toBe(0);
    });

    it('ends when the tracker rejects a state change', async () => {
      const { server, harness: current } = await setUp(onePolicy());
      server.enqueue({ kind: 'error', code: 14 });
      openIncident(current, makeIncident('inc-1'));
      await eventually(() => expect(current.lines.some((line) => line.msg === 'retrying recovery action')).toBe(true));

      current.control.resolve('inc-1', 'manual');
      await vi.advanceTimersByTimeAsync(200);
      await eventually(() => expect(current.store.getRecovery('inc-1')?.progress).toEqual({ status: 'ended' }));

      expect(server.requests).toHaveLength(2);
      expect(auditOutcomes(current, 'inc-1', 'decision')).toEqual(['recovery_started', 'resolved_meanwhile']);
      expect(current.lines.filter((line) => line.msg === 'incident state change failed')).toHaveLength(1);
      expect(current.control.statesOf('inc-1')).toEqual(['resolved']);
    });

    it('runs one recovery per incident at a time', async () => {
      const { server, harness: current } = await setUp(onePolicy());
      const incident = openIncident(current, makeIncident('inc-1'));
      current.engine.incidentChanged({ type: 'opened', incident });

      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));
      await settleIo();

      expect(server.requests).toHaveLength(1);
      expect(current.engine.snapshot().recoveriesStarted).toBe(1);
    });

    it.each([
      ['no policy matches', makeIncident('inc-1', { rootCause: { system: 'neuroweaver' } }), 'no_policy'],
      ['the error kind is in never_act_on', makeIncident('inc-1', { rootCause: { errorKind: 'invalid_request' } }), 'skipped_error_kind'],
      ['too few failing traces', makeIncident('inc-1', { failingTraces: 2 }), 'no_policy'],
    ])('does not act when %s', async (_case, incident, decision) => {
      const { server, harness: current } = await setUp(onePolicy({ match: { system: 'automatrix', min_failing_traces: 5 } }));

      openIncident(current, incident);
      await settleIo();

      expect(auditOutcomes(current, 'inc-1', 'decision')).toEqual([decision]);
      expect(server.requests).toHaveLength(0);
      expect(current.control.stateChanges).toEqual([]);
    });

    it('acts on a kind removed from never_act_on', async () => {
      const server = await ControlServer.start();
      servers.push(server);
      harness = createEngine({ ...onePolicy()(server.address), never_act_on: [] });
      const current = harness;
      openIncident(current, makeIncident('inc-1', { rootCause: { errorKind: 'invalid_request' } }));

      await eventually(() => expect(server.requests).toHaveLength(1));
    });
  });

  describe('cooldown', () => {
    it('skips a step on the same target within the cooldown', async () => {
      const { server, harness: current } = await setUp(onePolicy({ cooldown: '5m' }));
      openIncident(current, makeIncident('inc-1'));
      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));

      await vi.advanceTimersByTimeAsync(60_000);
      openIncident(current, makeIncident('inc-2'));
      await eventually(() => expect(current.control.statesOf('inc-2')).toEqual(['escalated']));
      expect(auditOutcomes(current, 'inc-2', 'decision')).toContain('cooldown');
      const escalation = current.store.records('inc-2').find((record) => record.outcome === 'escalated');
      expect(escalation?.message).toMatch(/^no step could be applied \(0 failed, 1 skipped/);

      await vi.advanceTimersByTimeAsync(240_000);
      openIncident(current, makeIncident('inc-3'));
      await eventually(() => expect(current.control.statesOf('inc-3')).toEqual(['mitigating']));

      expect(server.requests.map((received) => received.request.incident.id)).toEqual(['inc-1', 'inc-3']);
    });

    it('lets a manual recovery ignore the cooldown', async () => {
      const { server, harness: current } = await setUp(onePolicy({ cooldown: '5m' }));
      openIncident(current, makeIncident('inc-1'));
      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));
      current.control.add(makeIncident('inc-2'));

      const result = current.engine.recoverNow('inc-2');
      await eventually(() => expect(current.control.statesOf('inc-2')).toEqual(['mitigating']));
      await vi.advanceTimersByTimeAsync(30_000);

      expect(server.requests).toHaveLength(2);

      await expect(result).resolves.toMatchObject({ outcome: 'recovered', incidentId: 'inc-2', policy: 'restart', stepsRun: 1 });
    });
  });

  describe('max_actions_per_minute', () => {
    it('defers a storm of 100 incidents and loses none', async () => {
      const { server, harness: current } = await setUp((address) => ({
        targets: { worker: targetFor([address]) },
        policies: [policyFor('restart', ['worker'])],
        max_actions_per_minute: 30,
      }));

      const applied = (): number => current.control.stateChanges.filter((change) => change.state === 'mitigating').length;

      for (let index = 0; index < 100; index += 1) openIncident(current, makeIncident(`inc-${index}`));
      await eventually(() => expect(applied()).toBe(30));
      await settleIo();
      expect(server.requests).toHaveLength(30);
      expect(current.engine.snapshot().actionsDeferred).toBe(70);
      expect(current.engine.snapshot().actionsWaiting).toBe(70);

      await vi.advanceTimersByTimeAsync(59_999);
      await settleIo();
      expect(server.requests).toHaveLength(30);
      await vi.advanceTimersByTimeAsync(1);
      await eventually(() => expect(applied()).toBe(60));
      await vi.advanceTimersByTimeAsync(60_000);
      await eventually(() => expect(applied()).toBe(90));
      await vi.advanceTimersByTimeAsync(60_000);
      await eventually(() => expect(applied()).toBe(100));

      expect(server.requests).toHaveLength(100);

      const incidents = new Set(server.requests.map((received) => received.request.incident.id));
      expect(incidents.size).toBe(100);
      const deferred = current.store.records().filter((record) => record.outcome === 'deferred');
      expect(deferred).toHaveLength(70);
      expect(current.lines.filter((line) => line.msg === 'recovery action deferred by the per-minute cap')).toHaveLength(70);
      expect(current.engine.snapshot().actionsWaiting).toBe(0);
    });
  });

  describe('dry_run', () => {
    it('audits every decision and sends no action', async () => {
      const server = await ControlServer.start();
      servers.push(server);
      harness = createEngine({
        targets: { worker: targetFor([server.address]), relay: targetFor([server.address]) },
        policies: [policyFor('restart', ['worker', 'relay'])],
        dry_run: true,
      });
      harness.engine.start();
      const current = harness;
      current.control.add(makeIncident('inc-1'));

      const result = await current.engine.recoverNow('inc-1');

      expect(result).toEqual({ outcome: 'ended', incidentId: 'inc-1', policy: 'restart', stepsRun: 2, reason: 'dry_run' });
      expect(server.requests).toHaveLength(0);
      expect(current.control.stateChanges).toEqual([]);
      expect(auditOutcomes(current, 'inc-1', 'decision')).toEqual(['recovery_started', 'dry_run', 'dry_run', 'dry_run_finished']);
      expect(auditOutcomes(current, 'inc-1', 'call_started')).toEqual([]);
    });
  });

  describe('recoverNow', () => {
    it.each([
      ['an unknown incident', undefined, 'incident_not_found'],
      ['a resolved incident', makeIncident('inc-1', { state: 'resolved' }), 'incident_resolved'],
    ])('does not start for %s', async (_case, incident, reason) => {
      const { harness: current } = await setUp(onePolicy());
      if (incident !== undefined) current.control.add(incident);

      await expect(current.engine.recoverNow('inc-1')).resolves.toEqual({ outcome: 'not_started', incidentId: 'inc-1', reason });
    });

    it('uses new idempotency keys for a second run', async () => {
      const { server, harness: current } = await setUp(onePolicy());
      openIncident(current, makeIncident('inc-1'));
      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));
      current.control.fail('inc-1', Date.now() + 1);
      await vi.advanceTimersByTimeAsync(30_000);
      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating', 'escalated']));

      const result = current.engine.recoverNow('inc-1');
      await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating', 'escalated', 'mitigating']));
      await vi.advanceTimersByTimeAsync(30_000);

      await expect(result).resolves.toMatchObject({ outcome: 'recovered' });
      expect(server.requests[1]?.request.idempotency_key).toBe('inc-1:restart:0:run-2');
      expect(server.appliedKeys.size).toBe(2);
    });
  });

  describe('shutdown', () => {
    it('cancels a hanging call, keeps the step unfinished and is idempotent', async () => {
      const { server, harness: current } = await setUp(onePolicy());
      server.defaultReply = { kind: 'hang' };
      openIncident(current, makeIncident('inc-1'));
      await eventually(() => expect(server.requests).toHaveLength(1));

      await Promise.all([current.engine.shutdown(), current.engine.shutdown()]);

      expect(current.store.getRecovery('inc-1')?.progress).toEqual({ status: 'executing', stepIndex: 0 });
      expect(auditOutcomes(current, 'inc-1', 'call_finished')).toEqual(['cancelled']);
      expect(current.engine.snapshot().recoveriesRunning).toBe(0);
      await expect(current.engine.recoverNow('inc-1')).resolves.toMatchObject({ outcome: 'not_started', reason: 'engine_stopped' });
    });

    it('stops a retry backoff without waiting it out', async () => {
      const { server, harness: current } = await setUp(onePolicy({ retry: { initial_backoff: '5s', max_backoff: '5s' } }));
      server.defaultReply = { kind: 'error', code: 14 };
      openIncident(current, makeIncident('inc-1'));
      await eventually(() => expect(current.lines.some((line) => line.msg === 'retrying recovery action')).toBe(true));

      await current.engine.shutdown();

      expect(server.requests).toHaveLength(1);
      expect(current.store.getRecovery('inc-1')?.progress).toEqual({ status: 'executing', stepIndex: 0 });
    });
  });
});
