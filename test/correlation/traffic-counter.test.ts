import { describe, expect, it } from 'vitest';
import { TrafficCounter, WindowedCounter } from '../../src/correlation/traffic-counter.js';

const WINDOW_MS = 60_000;

describe('WindowedCounter', () => {
  describe('sum', () => {
    it.each([
      { name: 'just added', atMs: 100_000, nowMs: 100_000, expected: 3 },
      { name: 'inside the window', atMs: 100_000, nowMs: 100_000 + WINDOW_MS - 1000, expected: 3 },
      { name: 'past the window', atMs: 100_000, nowMs: 100_000 + WINDOW_MS, expected: 0 },
    ])('counts additions $name', ({ atMs, nowMs, expected }) => {
      const counter = new WindowedCounter(WINDOW_MS);

      counter.add(atMs, 3);

      expect(counter.sum(nowMs)).toBe(expected);
    });

    it('reuses buckets as the window slides', () => {
      const counter = new WindowedCounter(WINDOW_MS);

      for (let second = 0; second < 180; second += 1) counter.add(second * 1000, 1);

      expect(counter.sum(179_000)).toBe(60);
    });
  });

  describe('add', () => {
    it('takes back an addition at the same time', () => {
      const counter = new WindowedCounter(WINDOW_MS);
      counter.add(10_000, 1);
      counter.add(20_000, 1);

      counter.add(10_000, -1);

      expect(counter.sum(30_000)).toBe(1);
    });

    it('ignores taking back from a bucket that left the window', () => {
      const counter = new WindowedCounter(WINDOW_MS);
      counter.add(10_000, 1);
      counter.add(75_000, 1);

      counter.add(15_000, -1);

      expect(counter.sum(75_000)).toBe(1);
    });
  });
});

describe('TrafficCounter', () => {
  it('computes the error ratio of a service', () => {
    const traffic = new TrafficCounter(WINDOW_MS);

    traffic.record([{ service: 'router', system: 'RelayCore', failed: true }], 1000, 1);
    for (let index = 0; index < 3; index += 1) traffic.record([{ service: 'router', system: 'RelayCore', failed: false }], 1000, 1);

    expect(traffic.summary('router', 'RelayCore', 1000)).toEqual({
      service: 'router',
      system: 'RelayCore',
      traces: 4,
      failedTraces: 1,
      errorRatio: 0.25,
    });
  });

  it('returns every system of a service name unless one is given', () => {
    const traffic = new TrafficCounter(WINDOW_MS);
    traffic.record([{ service: 'gateway', system: 'A', failed: false }, { service: 'gateway', system: 'B', failed: false }], 1000, 1);

    expect(traffic.summaries('gateway', 1000).map((summary) => summary.system)).toEqual(['A', 'B']);
    expect(traffic.summaries('gateway', 1000, 'B').map((summary) => summary.system)).toEqual(['B']);
  });

  it('prunes services without traffic in the window', () => {
    const traffic = new TrafficCounter(WINDOW_MS);
    traffic.record([{ service: 'router', system: 'RelayCore', failed: false }], 1000, 1);

    traffic.prune(1000 + WINDOW_MS);

    expect(traffic.summary('router', 'RelayCore', 1000 + WINDOW_MS)).toBeUndefined();
  });
});
