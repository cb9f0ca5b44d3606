import type { Provider } from './provider.js';

/**
 * RelayCore's providers with their health. A provider's circuit opens after
 * `CIRCUIT_FAILURE_THRESHOLD` consecutive calls that found it unavailable. Model errors and
 * timeouts do not count, because they show the provider was reached. An open circuit fails
 * requests fast until `reset_circuit`, or until `CIRCUIT_OPEN_MS` has passed. Then one more
 * request is let through, and a single failure opens the circuit again.
 */

export const CIRCUIT_FAILURE_THRESHOLD = 5;
export const CIRCUIT_OPEN_MS = 15_000;

/**
 * The health of a provider:
 * - `healthy`: takes requests; `unavailableCount` counts consecutive calls that found it unavailable;
 * - `circuit_open`: requests fail fast since `openedAtMs`;
 * - `draining`: takes no new routes (reroute skips it) but still serves routes left on it.
 */
export type ProviderHealth =
  | { kind: 'healthy'; unavailableCount: number }
  | { kind: 'circuit_open'; openedAtMs: number }
  | { kind: 'draining' };

export interface ProviderEntry {
  readonly provider: Provider;
  health: ProviderHealth;
  /** True while the `provider_outage` fault makes every call to the provider fail. */
  outage: boolean;
}

/** A provider's state as `GET /v1/routes` shows it. */
export interface ProviderView {
  name: string;
  state: ProviderHealth['kind'];
  outage: boolean;
}

export class ProviderRegistry {
  readonly #entries = new Map<string, ProviderEntry>();
  readonly #nowMs: () => number;

  constructor(providers: readonly Provider[], nowMs: () => number = Date.now) {
    for (const provider of providers) this.#entries.set(provider.name, { provider, health: { kind: 'healthy', unavailableCount: 0 }, outage: false });
    this.#nowMs = nowMs;
  }

  /** Provider names in the order given to the constructor, which is reroute's order of preference. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  find(name: string): ProviderEntry | undefined {
    return this.#entries.get(name);
  }

  entries(): ProviderEntry[] {
    return [...this.#entries.values()];
  }

  /** Tells whether a request may call the provider now; an open circuit past `CIRCUIT_OPEN_MS` lets one through. */
  admits(entry: ProviderEntry): boolean {
    if (entry.health.kind !== 'circuit_open') return true;
    if (this.#nowMs() - entry.health.openedAtMs < CIRCUIT_OPEN_MS) return false;

    entry.health = { kind: 'healthy', unavailableCount: CIRCUIT_FAILURE_THRESHOLD - 1 };
    return true;
  }

  recordSuccess(entry: ProviderEntry): void {
    if (entry.health.kind === 'healthy') entry.health = { kind: 'healthy', unavailableCount: 0 };
  }

  /** Counts a call that found the provider unavailable, opening the circuit at the threshold. */
  recordUnavailable(entry: ProviderEntry): void {
    if (entry.health.kind !== 'healthy') return;

    const unavailableCount = entry.health.unavailableCount + 1;
    entry.health = unavailableCount >= CIRCUIT_FAILURE_THRESHOLD ? { kind: 'circuit_open', openedAtMs: this.#nowMs() } : { kind: 'healthy', unavailableCount };
  }

  /** Tells whether reroute should move routes off the provider: its circuit is open, it is draining, or its last call found it unavailable. */
  isFailing(entry: ProviderEntry): boolean {
    return entry.health.kind !== 'healthy' || entry.health.unavailableCount > 0;
  }

  /** Tells whether reroute may move routes onto the provider. */
  acceptsRoutes(entry: ProviderEntry): boolean {
    return !this.isFailing(entry);
  }

  view(): ProviderView[] {
    return this.entries().map((entry) => ({ name: entry.provider.name, state: entry.health.kind, outage: entry.outage }));
  }

  closeAll(): void {
    for (const entry of this.#entries.values()) entry.provider.close();
  }
}
