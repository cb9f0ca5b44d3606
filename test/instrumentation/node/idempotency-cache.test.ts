import { describe, expect, it } from 'vitest';
import type { ActionOutcome } from '../../../instrumentation/node/control-action.js';
import { IdempotencyCache } from '../../../instrumentation/node/idempotency-cache.js';

const SCOPE = { action: 'restart_worker', targetComponent: 'worker-1' };
const APPLIED: ActionOutcome = { outcome: 'applied', message: 'restarted' };

describe('IdempotencyCache', () => {
  it.each([0, -1, 1.5, Number.NaN])('rejects a bound of %s', (bound) => {
    expect(() => new IdempotencyCache(bound)).toThrow(RangeError);
  });

  it('reports a tracked key as running until it resolves', async () => {
    const cache = new IdempotencyCache(10);
    let resolve: (outcome: ActionOutcome) => void = () => undefined;
    const done = new Promise<ActionOutcome>((settle) => {
      resolve = settle;
    });

    cache.track('k-1', SCOPE, done);
    const whileRunning = cache.get('k-1');
    resolve(APPLIED);
    await done;

    expect(whileRunning?.state).toBe('running');
    expect(cache.get('k-1')).toEqual({ state: 'finished', scope: SCOPE, outcome: APPLIED });
  });

  it('forgets a key whose run rejects', async () => {
    const cache = new IdempotencyCache(10);
    const done = Promise.reject(new Error('worker pool is locked'));

    cache.track('k-1', SCOPE, done);
    await expect(done).rejects.toThrow('worker pool is locked');

    expect(cache.get('k-1')).toBeUndefined();
  });

  it('evicts the least recently used finished key', async () => {
    const cache = new IdempotencyCache(2);

    for (const key of ['k-1', 'k-2']) cache.track(key, SCOPE, Promise.resolve(APPLIED));
    await Promise.resolve();
    cache.get('k-1');
    cache.track('k-3', SCOPE, Promise.resolve(APPLIED));
    await Promise.resolve();

    expect(cache.size).toBe(2);
    expect(cache.get('k-2')).toBeUndefined();
    expect(cache.get('k-1')?.state).toBe('finished');
    expect(cache.get('k-3')?.state).toBe('finished');
  });

  it('keeps running keys out of the bound', () => {
    const cache = new IdempotencyCache(1);

    for (const key of ['k-1', 'k-2', 'k-3']) cache.track(key, SCOPE, new Promise<ActionOutcome>(() => undefined));

    expect(['k-1', 'k-2', 'k-3'].map((key) => cache.get(key)?.state)).toEqual(['running', 'running', 'running']);
    expect(cache.size).toBe(0);
  });
});
