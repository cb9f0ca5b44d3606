import type { SpanRecord } from '../model/span.js';
import type { KnownServices } from './known-services.js';
import type { PathHop } from './verdict.js';

/** Addresses remembered at most; past it the address learned first is forgotten. */
const MAX_ADDRESSES = 10_000;

/**
 * Learns which service listens at which `host:port` from the server spans it receives, so the
 * analyzer can name a dead callee by the address its callers used. Only addresses that
 * services report about themselves are learned; nothing here is ever called.
 */
export class ServiceDirectory implements KnownServices {
  private readonly services = new Map<string, PathHop>();

  /** Learns the addresses the server spans of `spans` report for their own service. */
  learn(spans: readonly SpanRecord[]): void {
    for (const span of spans) {
      if (span.kind !== 'server') continue;
      const address = selfAddress(span);
      if (address === undefined) continue;
      const known = this.services.get(address);
      if (known !== undefined && known.service === span.resource.service && known.system === span.resource.system) continue;

      this.services.delete(address);
      this.services.set(address, { service: span.resource.service, system: span.resource.system });
      if (this.services.size > MAX_ADDRESSES) this.forgetOldest();
    }
  }

  serviceAt(address: string): PathHop | undefined {
    return this.services.get(address);
  }

  get size(): number {
    return this.services.size;
  }

  private forgetOldest(): void {
    const oldest = this.services.keys().next();
    if (oldest.done !== true) this.services.delete(oldest.value);
  }
}

/** Returns the `host:port` a server span reports for itself: `server.*`, or the older `net.host.*`. */
function selfAddress(span: SpanRecord): string | undefined {
  const host = span.attributes['server.address'] ?? span.attributes['net.host.name'];
  const port = span.attributes['server.port'] ?? span.attributes['net.host.port'];
  if (typeof host !== 'string' || host === '') return undefined;
  if (typeof port !== 'number' && typeof port !== 'string') return undefined;
  return `${host}:${String(port)}`;
}
