import { describe, expect, it } from 'vitest';
import { ServiceGraph } from '../../src/correlation/service-graph.js';
import type { EdgeTraffic, ServiceTraffic } from '../../src/correlation/verdict.js';

const SCHEDULER = { service: 'scheduler', system: 'AutoMatrix' };
const ROUTER = { service: 'router', system: 'RelayCore' };
const INFERENCE = { service: 'inference', system: 'NeuroWeaver' };

const SERVICES: ServiceTraffic[] = [
  { ...SCHEDULER, failed: true },
  { ...ROUTER, failed: true },
  { ...INFERENCE, failed: false },
];

const EDGES: EdgeTraffic[] = [
  { caller: SCHEDULER, callee: ROUTER, calls: 2, errors: 1 },
  { caller: ROUTER, callee: INFERENCE, calls: 1, errors: 0 },
];

describe('ServiceGraph', () => {
  describe('record', () => {
    it('counts traces per node and calls per edge', () => {
      const graph = new ServiceGraph();

      graph.record(SERVICES, EDGES, 1000, 1);
      graph.record(SERVICES, EDGES, 2000, 1);

      const snapshot = graph.snapshot();
      expect(snapshot.nodes).toEqual([
        { ...SCHEDULER, traces: 2, failedTraces: 2, lastSeenAtMs: 2000 },
        { ...ROUTER, traces: 2, failedTraces: 2, lastSeenAtMs: 2000 },
        { ...INFERENCE, traces: 2, failedTraces: 0, lastSeenAtMs: 2000 },
      ]);
      expect(snapshot.edges).toEqual([
        { caller: SCHEDULER, callee: ROUTER, calls: 4, errors: 2, lastSeenAtMs: 2000 },
        { caller: ROUTER, callee: INFERENCE, calls: 2, errors: 0, lastSeenAtMs: 2000 },
      ]);
    });

    it('takes back a trace with sign -1', () => {
      const graph = new ServiceGraph();
      graph.record(SERVICES, EDGES, 1000, 1);
      graph.record(SERVICES, EDGES, 2000, 1);

      graph.record(SERVICES, EDGES, 3000, -1);

      const snapshot = graph.snapshot();
      expect(snapshot.nodes.map((node) => node.traces)).toEqual([1, 1, 1]);
      expect(snapshot.edges.map((edge) => [edge.calls, edge.errors])).toEqual([
        [2, 1],
        [1, 0],
      ]);
      expect(snapshot.nodes[0]?.lastSeenAtMs).toBe(2000);
    });

    it('keeps services of different systems apart', () => {
      const graph = new ServiceGraph();

      graph.record([{ service: 'gateway', system: 'A', failed: false }, { service: 'gateway', system: 'B', failed: true }], [], 1000, 1);

      expect(graph.snapshot().nodes.map((node) => node.system)).toEqual(['A', 'B']);
    });
  });

  describe('snapshot', () => {
    it('returns a copy', () => {
      const graph = new ServiceGraph();
      graph.record(SERVICES, EDGES, 1000, 1);

      const first = graph.snapshot();
      const firstEdge = first.edges[0];
      if (firstEdge !== undefined) firstEdge.caller.service = 'changed';

      expect(graph.snapshot().edges[0]?.caller.service).toBe('scheduler');
    });
  });
});
