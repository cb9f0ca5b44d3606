import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ActionRateLimiter, RateLimiterClosedError } from '../../src/recovery/action-rate-limiter.js';
import { parseRecoveryConfig } from '../../src/recovery/config.js';
import { ControlCallError } from '../../src/recovery/control-call-error.js';
import { CooldownTracker } from '../../src/recovery/cooldown-tracker.js';
import { findMatchingPolicy } from '../../src/recovery/policy-matcher.js';
import { createStepBackoff, isRetryable } from '../../src/recovery/retry-backoff.js';
import { idempotencyKeyOf } from '../../src/recovery/step-runner.js';
import { makeIncident } from './fake-incident-control.js';

describe('findMatchingPolicy', () => {
  const config = parseRecoveryConfig({
    targets: { worker: { endpoints: ['127.0.0.1:7000'], tls: { insecure: true } } },
    policies: [
      { name: 'model', match: { system: 'neuroweaver', error_kind: 'model_failure' }, steps: [{ action: 'switch_model', target: 'worker' }] },
      { name: 'relay', match: { service: 'router', error_kind: ['timeout', 'unavailable'], min_failing_traces: 5 }, steps: [{ action: 'reroute', target: 'worker' }] },
      { name: 'fallback', steps: [{ action: 'restart_worker', target: 'worker' }] },
    ],
  });

  it.each([
    ['system and kind', makeIncident('i', { rootCause: { system: 'neuroweaver', errorKind: 'model_failure' } }), 'model'],
    ['system with another kind', makeIncident('i', { rootCause: { system: 'neuroweaver', errorKind: 'timeout' } }), 'fallback'],
    ['a kind from a list', makeIncident('i', { rootCause: { service: 'router', errorKind: 'timeout' } }), 'relay'],
    ['too few failing traces', makeIncident('i', { failingTraces: 4, rootCause: { service: 'router', errorKind: 'timeout' } }), 'fallback'],
    ['exactly enough failing traces', makeIncident('i', { failingTraces: 5, rootCause: { service: 'router', errorKind: 'unavailable' } }), 'relay'],
  ])('picks the first match for %s', (_case, incident, expected) => {
    expect(findMatchingPolicy(config.policies, incident)?.name).toBe(expected);
  });

  it('returns undefined when nothing matches', () => {
    expect(findMatchingPolicy(config.policies.slice(0, 2), makeIncident('i'))).toBeUndefined();
  });
});

describe('createStepBackoff', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['no jitter at the top', 1, [200, 400, 800, 1000, 1000]],
    ['half the delay at the bottom', 0, [100, 200, 400, 500, 500]],
  ])('grows by the multiplier with %s', (_case, random, expected) => {
    vi.spyOn(Math, 'random').mockReturnValue(random);
    const factory = createStepBackoff({ max_attempts: 6, initial_backoff: 200, max_backoff: 1000, multiplier: 2 });
    const unavailable = new ControlCallError(grpc.status.UNAVAILABLE, 'a', 'down', undefined);

    let backoff = factory.next({ error: unavailable });
    const delays = [backoff.duration];
    for (let index = 1; index < expected.length; index += 1) {
      backoff = backoff.next({ error: unavailable });
      delays.push(backoff.duration);
    }

    expect(delays).toEqual(expected);
  });

  it('uses the pushback and keeps the sequence going', () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const factory = createStepBackoff({ max_attempts: 3, initial_backoff: 200, max_backoff: 5000, multiplier: 3 });

    const first = factory.next({ error: new ControlCallError(grpc.status.RESOURCE_EXHAUSTED, 'a', 'busy', 1500) });
    const second = first.next({ error: new ControlCallError(grpc.status.UNAVAILABLE, 'a', 'down', undefined) });

    expect(first.duration).toBe(1500);
    expect(second.duration).toBe(600);
  });
});

describe('isRetryable', () => {
  it.each([
    [grpc.status.UNAVAILABLE, undefined, true],
    [grpc.status.DEADLINE_EXCEEDED, undefined, true],
    [grpc.status.RESOURCE_EXHAUSTED, 100, true],
    [grpc.status.UNAVAILABLE, -1, false],
    [grpc.status.INVALID_ARGUMENT, undefined, false],
    [grpc.status.INTERNAL, undefined, false],
    [grpc.status.CANCELLED, undefined, false],
  ])('returns the rule for code %s with pushback %s', (code, pushbackMs, expected) => {
    expect(isRetryable(new ControlCallError(code, 'a', 'x', pushbackMs))).toBe(expected);
  });

  it('returns false for other errors', () => {
    expect(isRetryable(new Error('boom'))).toBe(false);
  });
});

describe('ActionRateLimiter', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('releases waiting actions in order as the window moves', async () => {
    const limiter = new ActionRateLimiter(2);
    const order: number[] = [];

    const reservations = [0, 1, 2, 3, 4].map((index) => {
      const reservation = limiter.reserve();
      void reservation.ready.then(() => order.push(index));
      return reservation;
    });
    await vi.advanceTimersByTimeAsync(0);

    expect(reservations.map((reservation) => reservation.deferred)).toEqual([false, false, true, true, true]);
    expect(order).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(order).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(order).toEqual([0, 1, 2, 3]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.deferredCount).toBe(3);
    expect(limiter.waitingCount).toBe(0);
  });

  it('rejects waiting actions on close', async () => {
    const limiter = new ActionRateLimiter(1);
    limiter.reserve();
    const waiting = limiter.reserve();

    limiter.close();

    await expect(waiting.ready).rejects.toThrow(RateLimiterClosedError);
    await expect(limiter.reserve().ready).rejects.toThrow(RateLimiterClosedError);
  });
});

describe('CooldownTracker', () => {
  it.each([
    ['within the cooldown', 299_999, 300_000, true],
    ['at the end of the cooldown', 300_000, 300_000, false],
    ['with cooldown 0', 1, 0, false],
  ])('blocks %s', (_case, elapsedMs, cooldownMs, expected) => {
    const tracker = new CooldownTracker();
    tracker.record('restart', 'worker', 1000);

    expect(tracker.isCoolingDown('restart', 'worker', cooldownMs, 1000 + elapsedMs)).toBe(expected);
    expect(tracker.isCoolingDown('restart', 'relay', cooldownMs, 1000 + elapsedMs)).toBe(false);
    expect(tracker.isCoolingDown('other', 'worker', cooldownMs, 1000 + elapsedMs)).toBe(false);
  });
});

describe('idempotencyKeyOf', () => {
  it.each([
    [1, 'inc-1:restart:2'],
    [3, 'inc-1:restart:2:run-3'],
  ])('builds the key of run %s', (run, expected) => {
    expect(idempotencyKeyOf('inc-1', 'restart', 2, run)).toBe(expected);
  });
});
