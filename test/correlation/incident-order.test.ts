import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/correlation/incident.js';
import { IncidentOrder } from '../../src/correlation/incident-order.js';

function incident(openedAtMs: number, id: string): Incident {
  return {
    id,
    key: `sys|svc|${id}`,
    state: 'open',
    rootCause: { service: 'svc', system: 'sys', errorKind: 'internal', operations: [] },
    fingerprints: [],
    propagationPath: [],
    openedAtMs,
    lastSeenAtMs: openedAtMs,
    resolvedAtMs: undefined,
    failingTraces: 1,
    errorRatio: 1,
    sampleTraceIds: [],
  };
}

function newestFirst(order: IncidentOrder, after?: { openedAtMs: number; id: string }): string[] {
  const ids: string[] = [];
  for (let index = order.indexAfter(after); index >= 0; index -= 1) {
    const entry = order.at(index);
    if (entry !== undefined && !entry.dropped) ids.push(entry.id);
  }
  return ids;
}

function orderOf(...entries: [number, string][]): IncidentOrder {
  const order = new IncidentOrder();
  for (const [openedAtMs, id] of entries) order.add(incident(openedAtMs, id));
  return order;
}

describe('IncidentOrder', () => {
  it('sorts by opening time, ties in insertion order', () => {
    const order = orderOf([20, 'b'], [10, 'a'], [20, 'c'], [30, 'd']);

    expect(newestFirst(order)).toEqual(['d', 'c', 'b', 'a']);
  });

  it.each([
    ['the newest', { openedAtMs: 30, id: 'd' }, ['c', 'b', 'a']],
    ['a tie', { openedAtMs: 20, id: 'c' }, ['b', 'a']],
    ['the oldest', { openedAtMs: 10, id: 'a' }, []],
    ['an unknown id', { openedAtMs: 25, id: 'gone' }, ['c', 'b', 'a']],
    ['an unknown id in a tie', { openedAtMs: 20, id: 'gone' }, ['a']],
  ])('continues after %s', (_name, after, expected) => {
    const order = orderOf([10, 'a'], [20, 'b'], [20, 'c'], [30, 'd']);

    expect(newestFirst(order, after)).toEqual(expected);
  });

  it('removes dropped entries once they are half of all', () => {
    const order = new IncidentOrder();
    const entries = Array.from({ length: 200 }, (_, index) => order.add(incident(index, `inc-${index}`)));

    for (const entry of entries.slice(0, 99)) order.drop(entry);
    const sizeBeforeHalf = order.size;
    const hundredth = entries[99];
    if (hundredth !== undefined) order.drop(hundredth);

    expect(sizeBeforeHalf).toBe(200);
    expect(order.size).toBe(100);
    expect(newestFirst(order).at(-1)).toBe('inc-100');
  });
});
