import { FaultRejectedError, type ActiveFault, type FaultInjector } from '../common/fault-injector.js';
import type { Router } from './route-request.js';

/**
 * RelayCore's faults:
 * - `provider_outage`: every call to a provider (default `simulated-a`) fails with
 *   ProviderUnavailableError until routes move off it or the fault is cleared;
 * - `corrupted_route`: the route of a model (default `gpt-small`) names a provider that does
 *   not exist, so its requests fail with RoutingError until `reroute` repairs it.
 * Clearing the faults also restores the routing table of the start and closes every circuit.
 */

export const RELAYCORE_FAULTS = ['provider_outage', 'corrupted_route'] as const;

export const DEFAULT_OUTAGE_PROVIDER = 'simulated-a';
export const DEFAULT_CORRUPTED_MODEL = 'gpt-small';

/** The provider a corrupted route names; no provider has this name. */
export const MISSING_PROVIDER = 'neuroweaver-legacy';

export class RelayFaults implements FaultInjector {
  readonly faultNames: readonly string[] = RELAYCORE_FAULTS;
  readonly #router: Router;
  /** The routing table at start, which clearing the faults restores. */
  readonly #baselineRoutes: Record<string, string>;

  constructor(router: Router) {
    this.#router = router;
    this.#baselineRoutes = router.routes.snapshot();
  }

  inject(fault: string, target: string | undefined): ActiveFault {
    return fault === 'provider_outage' ? this.#startOutage(target ?? DEFAULT_OUTAGE_PROVIDER) : this.#corruptRoute(target ?? DEFAULT_CORRUPTED_MODEL);
  }

  clearAll(): void {
    for (const entry of this.#router.providers.entries()) {
      entry.outage = false;
      entry.health = { kind: 'healthy', unavailableCount: 0 };
    }
    for (const [model, provider] of Object.entries(this.#baselineRoutes)) this.#router.routes.setRoute(model, provider);
  }

  list(): ActiveFault[] {
    const outages = this.#router.providers
      .entries()
      .filter((entry) => entry.outage)
      .map((entry) => ({ fault: 'provider_outage', target: entry.provider.name }));
    const routes = this.#router.routes
      .models()
      .filter((model) => this.#router.routes.providerOf(model) === MISSING_PROVIDER)
      .map((model) => ({ fault: 'corrupted_route', target: model }));
    return [...outages, ...routes];
  }

  #startOutage(providerName: string): ActiveFault {
    const entry = this.#router.providers.find(providerName);
    if (entry === undefined) {
      throw new FaultRejectedError(`target must be a provider, one of ${this.#router.providers.names().join(', ')}, got ${JSON.stringify(providerName)}`);
    }
    entry.outage = true;
    return { fault: 'provider_outage', target: providerName };
  }

  #corruptRoute(model: string): ActiveFault {
    const provider = this.#router.routes.providerOf(model);
    if (provider === undefined) {
      throw new FaultRejectedError(`target must be a routed model, one of ${this.#router.routes.models().join(', ')}, got ${JSON.stringify(model)}`);
    }
    this.#router.routes.setRoute(model, MISSING_PROVIDER);
    return { fault: 'corrupted_route', target: model };
  }
}
