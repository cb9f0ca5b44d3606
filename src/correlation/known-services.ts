import type { PathHop } from './verdict.js';

/**
 * Resolves a network address that a client span points at to the service listening there.
 * The caller fills it from the services it has seen (for example from server spans'
 * `server.address` and `server.port`), so a dead callee can be named by its address.
 */
export interface KnownServices {
  /** Returns the service at `address` (`host:port` or `host`), or undefined when none is known. */
  serviceAt(address: string): PathHop | undefined;
}

/** Knows no service; every address is treated as an external host. */
export const NO_KNOWN_SERVICES: KnownServices = {
  serviceAt: () => undefined,
};

/** Wraps a map from address (`host:port` or `host`) to service. */
export function knownServicesFromMap(services: ReadonlyMap<string, PathHop>): KnownServices {
  return { serviceAt: (address) => services.get(address) };
}
