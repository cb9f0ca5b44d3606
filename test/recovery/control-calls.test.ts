import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ControlServer } from '../support/control-server.js';
import type { ScriptedReply } from '../support/control-server.js';
import { auditOutcomes, createEngine, eventually, openIncident, policyFor, settleIo, targetFor, useEngineFakeTimers } from './engine-harness.js';
import type { EngineHarness } from './engine-harness.js';
import { makeIncident } from './fake-incident-control.js';

/** Control calls as the engine makes them: deadlines, retries, backoff, pushback and idempotency. */
describe('RecoveryEngine control calls', () => {
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

  async function setUp(script: ScriptedReply[], policy: Record<string, unknown> = {}): Promise<{ server: ControlServer; harness: EngineHarness }> {
    const server = await ControlServer.start({ script });
    servers.push(server);
    harness = createEngine({ targets: { worker: targetFor([server.address]) }, policies: [policyFor('restart', ['worker'], policy)] });
    harness.engine.start();
    return { server, harness };
  }

  function retryLogs(current: EngineHarness): number {
    return current.lines.filter((line) => line.msg === 'retrying recovery action').length;
  }

  it('retries UNAVAILABLE with jittered exponential backoff', async () => {
    const { server, harness: current } = await setUp([
      { kind: 'error', code: grpc.status.UNAVAILABLE },
      { kind: 'error', code: grpc.status.UNAVAILABLE },
    ]);
    openIncident(current, makeIncident('inc-1'));

    await eventually(() => expect(retryLogs(current)).toBe(1));
    await vi.advanceTimersByTimeAsync(149);
    await settleIo();
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await eventually(() => expect(retryLogs(current)).toBe(2));
    await vi.advanceTimersByTimeAsync(300);
    await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));

    const times = server.requests.map((received) => received.atMs);
    expect(times).toHaveLength(3);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBe(150);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBe(300);
    expect(new Set(server.requests.map((received) => received.request.idempotency_key))).toEqual(new Set(['inc-1:restart:0']));
    expect(current.engine.snapshot().attempts).toEqual({ worker: { unavailable: 2, applied: 1 } });
  });

  it('retries a call that hangs past the deadline', async () => {
    const { server, harness: current } = await setUp([{ kind: 'hang' }, { kind: 'hang' }], { retry: { max_attempts: 2, initial_backoff: '100ms' } });
    openIncident(current, makeIncident('inc-1'));

    await eventually(() => expect(server.requests).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(999);
    await settleIo();
    expect(retryLogs(current)).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await eventually(() => expect(retryLogs(current)).toBe(1));
    await vi.advanceTimersByTimeAsync(75);
    await eventually(() => expect(server.requests).toHaveLength(2));
    await vi.advanceTimersByTimeAsync(1000);
    await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['escalated']));

    const finished = current.store.records('inc-1').filter((record) => record.event === 'call_finished');
    expect(finished.map((record) => record.grpcCode)).toEqual([grpc.status.DEADLINE_EXCEEDED, grpc.status.DEADLINE_EXCEEDED]);
    expect(finished.map((record) => record.attempt)).toEqual([1, 2]);
  });

  it.each([
    ['INVALID_ARGUMENT', grpc.status.INVALID_ARGUMENT],
    ['PERMISSION_DENIED', grpc.status.PERMISSION_DENIED],
    ['FAILED_PRECONDITION', grpc.status.FAILED_PRECONDITION],
    ['UNIMPLEMENTED', grpc.status.UNIMPLEMENTED],
    ['UNAUTHENTICATED', grpc.status.UNAUTHENTICATED],
    ['NOT_FOUND', grpc.status.NOT_FOUND],
  ])('does not retry %s', async (_name, code) => {
    const { server, harness: current } = await setUp([{ kind: 'error', code }]);
    openIncident(current, makeIncident('inc-1'));

    await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['escalated']));
    await vi.advanceTimersByTimeAsync(10_000);
    await settleIo();

    expect(server.requests).toHaveLength(1);
    expect(retryLogs(current)).toBe(0);
  });

  it('treats outcome REJECTED as a failed step without retry', async () => {
    const { server, harness: current } = await setUp([{ kind: 'outcome', outcome: 'OUTCOME_REJECTED', message: 'worker-1 is draining' }]);
    openIncident(current, makeIncident('inc-1'));

    await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['escalated']));

    expect(server.requests).toHaveLength(1);
    const finished = current.store.records('inc-1').find((record) => record.event === 'call_finished');
    expect(finished?.outcome).toBe('rejected');
    expect(finished?.message).toBe('worker-1 is draining');
  });

  it.each([
    ['IN_PROGRESS', 'OUTCOME_IN_PROGRESS' as const, 'in_progress'],
    ['ALREADY_APPLIED', 'OUTCOME_ALREADY_APPLIED' as const, 'already_applied'],
  ])('counts %s as applied', async (_name, outcome, audited) => {
    const { harness: current } = await setUp([{ kind: 'outcome', outcome }]);
    openIncident(current, makeIncident('inc-1'));

    await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));

    expect(auditOutcomes(current, 'inc-1', 'call_finished')).toEqual([audited]);
  });

  it('waits the pushback from trailers instead of the backoff', async () => {
    const { server, harness: current } = await setUp([{ kind: 'error', code: grpc.status.RESOURCE_EXHAUSTED, pushbackMs: 2500 }]);
    openIncident(current, makeIncident('inc-1'));

    await eventually(() => expect(retryLogs(current)).toBe(1));
    await vi.advanceTimersByTimeAsync(2499);
    await settleIo();
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await eventually(() => expect(server.requests).toHaveLength(2));

    expect((server.requests[1]?.atMs ?? 0) - (server.requests[0]?.atMs ?? 0)).toBe(2500);
  });

  it('stops retrying on a negative pushback', async () => {
    const { server, harness: current } = await setUp([{ kind: 'error', code: grpc.status.UNAVAILABLE, pushbackMs: -1 }]);
    openIncident(current, makeIncident('inc-1'));

    await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['escalated']));

    expect(server.requests).toHaveLength(1);
  });

  it('gets ALREADY_APPLIED when a reply was lost', async () => {
    const { server, harness: current } = await setUp([{ kind: 'apply_and_hang' }]);
    openIncident(current, makeIncident('inc-1'));

    await eventually(() => expect(server.requests).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(1000);
    await eventually(() => expect(retryLogs(current)).toBe(1));
    await vi.advanceTimersByTimeAsync(200);
    await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));

    expect(server.requests.map((received) => received.request.idempotency_key)).toEqual(['inc-1:restart:0', 'inc-1:restart:0']);
    expect(server.appliedKeys).toEqual(new Set(['inc-1:restart:0']));
    expect(auditOutcomes(current, 'inc-1', 'call_finished')).toEqual(['deadline_exceeded', 'already_applied']);
  });

  it('writes both sides of every call to the audit log', async () => {
    const { harness: current } = await setUp([{ kind: 'error', code: grpc.status.UNAVAILABLE }]);
    openIncident(current, makeIncident('inc-1'));

    await eventually(() => expect(retryLogs(current)).toBe(1));
    await vi.advanceTimersByTimeAsync(200);
    await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating']));

    const calls = current.store.records('inc-1').filter((record) => record.event !== 'decision');
    expect(calls.map((record) => [record.event, record.attempt, record.outcome])).toEqual([
      ['call_started', 1, 'started'],
      ['call_finished', 1, 'unavailable'],
      ['call_started', 2, 'started'],
      ['call_finished', 2, 'applied'],
    ]);
    const applied = calls[3];
    expect(applied?.endpoint).toBe(servers[0]?.address);
    expect(applied?.policy).toBe('restart');
    expect(applied?.stepIndex).toBe(0);
    expect(applied?.target).toBe('worker');
    expect(applied?.action).toBe('restart_worker');
    expect(applied?.parametersJson).toBe('{"grace_period":"5s"}');
    expect(applied?.idempotencyKey).toBe('inc-1:restart:0');
    expect(applied?.grpcCode).toBe(0);
    expect(applied?.latencyMs).toBeGreaterThanOrEqual(0);
  });
});
