import { describe, expect, it } from 'vitest';
import { CIRCUIT_FAILURE_THRESHOLD, CIRCUIT_OPEN_MS, ProviderRegistry, type ProviderEntry } from '../../../../instrumentation/systems/relaycore/provider-registry.js';
import { SimulatedProvider } from '../../../../instrumentation/systems/relaycore/simulated-provider.js';

function createRegistry(): { registry: ProviderRegistry; entry: ProviderEntry; clock: { nowMs: number } } {
  const clock = { nowMs: 1_000 };
  const registry = new ProviderRegistry([new SimulatedProvider('simulated-a')], () => clock.nowMs);
  const entry = registry.find('simulated-a');
  if (entry === undefined) throw new Error('simulated-a is missing');
  return { registry, entry, clock };
}

describe('ProviderRegistry', () => {
  it('opens the circuit at the failure threshold', () => {
    const { registry, entry } = createRegistry();

    for (let call = 1; call < CIRCUIT_FAILURE_THRESHOLD; call++) registry.recordUnavailable(entry);
    expect(entry.health).toEqual({ kind: 'healthy', unavailableCount: CIRCUIT_FAILURE_THRESHOLD - 1 });
    registry.recordUnavailable(entry);

    expect(entry.health.kind).toBe('circuit_open');
    expect(registry.admits(entry)).toBe(false);
  });

  it('counts only consecutive failures', () => {
    const { registry, entry } = createRegistry();

    for (let call = 1; call < CIRCUIT_FAILURE_THRESHOLD; call++) registry.recordUnavailable(entry);
    registry.recordSuccess(entry);
    registry.recordUnavailable(entry);

    expect(entry.health).toEqual({ kind: 'healthy', unavailableCount: 1 });
  });

  it('lets one request through after the open period', () => {
    const { registry, entry, clock } = createRegistry();
    for (let call = 0; call < CIRCUIT_FAILURE_THRESHOLD; call++) registry.recordUnavailable(entry);

    clock.nowMs += CIRCUIT_OPEN_MS;

    expect(registry.admits(entry)).toBe(true);
    registry.recordUnavailable(entry);
    expect(entry.health.kind).toBe('circuit_open');
  });

  it('closes the circuit when the trial request succeeds', () => {
    const { registry, entry, clock } = createRegistry();
    for (let call = 0; call < CIRCUIT_FAILURE_THRESHOLD; call++) registry.recordUnavailable(entry);
    clock.nowMs += CIRCUIT_OPEN_MS;

    registry.admits(entry);
    registry.recordSuccess(entry);

    expect(entry.health).toEqual({ kind: 'healthy', unavailableCount: 0 });
    expect(registry.acceptsRoutes(entry)).toBe(true);
  });

  it.each([
    { name: 'a failed call', health: { kind: 'healthy', unavailableCount: 1 } as const, failing: true },
    { name: 'an open circuit', health: { kind: 'circuit_open', openedAtMs: 0 } as const, failing: true },
    { name: 'draining', health: { kind: 'draining' } as const, failing: true },
    { name: 'no failure', health: { kind: 'healthy', unavailableCount: 0 } as const, failing: false },
  ])('marks a provider with $name as failing: $failing', ({ health, failing }) => {
    const { registry, entry } = createRegistry();
    entry.health = health;

    expect(registry.isFailing(entry)).toBe(failing);
    expect(registry.acceptsRoutes(entry)).toBe(!failing);
  });
});
