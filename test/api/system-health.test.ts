import { describe, expect, it } from 'vitest';
import { summarizeSystems } from '../../src/api/system-health.js';

const traffic = (system: string, service: string, failedTraces: number, traces: number) => ({ system, service, failedTraces, traces, errorRatio: traces === 0 ? 0 : failedTraces / traces });

describe('summarizeSystems', () => {
  it.each([
    ['healthy without failures', [traffic('A', 'api', 0, 10)], {}, 'healthy'],
    ['degraded with failures', [traffic('A', 'api', 2, 10)], {}, 'degraded'],
    ['failing with an open incident', [traffic('A', 'api', 2, 10)], { A: 1 }, 'failing'],
    ['failing with no traffic left', [], { A: 1 }, 'failing'],
  ])('rates a system %s', (_name, summaries, incidents, health) => {
    expect(summarizeSystems(summaries, incidents)[0]?.health).toBe(health);
  });

  it('groups services by system, sorted by name', () => {
    const systems = summarizeSystems([traffic('B', 'worker', 0, 1), traffic('A', 'router', 1, 4), traffic('A', 'api', 0, 3)], { B: 2 });

    expect(systems).toEqual([
      { system: 'A', health: 'degraded', openIncidents: 0, services: [{ service: 'api', failed: 0, total: 3 }, { service: 'router', failed: 1, total: 4 }] },
      { system: 'B', health: 'failing', openIncidents: 2, services: [{ service: 'worker', failed: 0, total: 1 }] },
    ]);
  });
});
