import { describe, expect, it } from 'vitest';
import { ExpiryOrder } from '../../src/pipeline/expiry-order.js';
import { PendingTrace } from '../../src/pipeline/pending-trace.js';

function listIds(order: ExpiryOrder): string[] {
  const ids: string[] = [];
  for (let trace = order.oldest(); trace !== undefined; trace = trace.newer) ids.push(trace.traceId);
  return ids;
}

describe('ExpiryOrder', () => {
  it.each([
    { name: 'append keeps arrival order', moves: [], removals: [], expected: ['a', 'b', 'c'] },
    { name: 'moving the oldest', moves: ['a'], removals: [], expected: ['b', 'c', 'a'] },
    { name: 'moving the middle', moves: ['b'], removals: [], expected: ['a', 'c', 'b'] },
    { name: 'moving the newest', moves: ['c'], removals: [], expected: ['a', 'b', 'c'] },
    { name: 'removing the oldest', moves: [], removals: ['a'], expected: ['b', 'c'] },
    { name: 'removing the middle', moves: [], removals: ['b'], expected: ['a', 'c'] },
    { name: 'removing every trace', moves: [], removals: ['c', 'a', 'b'], expected: [] },
  ])('orders traces after $name', ({ moves, removals, expected }) => {
    const order = new ExpiryOrder();
    const traces = new Map(['a', 'b', 'c'].map((id) => [id, new PendingTrace(id, 0)]));
    for (const trace of traces.values()) order.append(trace);

    for (const id of moves) order.moveToNewest(traces.get(id) ?? new PendingTrace(id, 0));
    for (const id of removals) order.remove(traces.get(id) ?? new PendingTrace(id, 0));

    expect(listIds(order)).toEqual(expected);
    expect(order.oldest()?.traceId).toBe(expected[0]);
  });
});
