/**
 * Picks the target of a fault from the systems' current state, so a fault repeated after a
 * recovery still hits what the traffic uses. A `reroute` moves the `chat-fast` route off the
 * failed provider and clearing the fault does not move it back, so a second `provider_outage`
 * on the default provider would hit no traffic.
 */
import type { FaultName } from './fault-catalog.js';

/** The model of the `support-ticket` workflow's first step, which RelayCore routes to a simulated provider. */
const PROVIDER_OUTAGE_MODEL = 'chat-fast';
const REQUEST_TIMEOUT_MS = 5_000;

export class FaultTargetError extends Error {
  override readonly name = 'FaultTargetError';
}

/**
 * Returns the target to inject `fault` into, or undefined for the system's default target.
 * `relaycoreUrl` is RelayCore's HTTP API, whose `GET /v1/routes` maps models to providers.
 */
export async function chooseFaultTarget(fault: FaultName, relaycoreUrl: string): Promise<string | undefined> {
  if (fault !== 'provider_outage') return undefined;

  const routes = await readRoutes(relaycoreUrl);
  const provider = routes[PROVIDER_OUTAGE_MODEL];
  if (provider === undefined) throw new FaultTargetError(`RelayCore has no route for ${PROVIDER_OUTAGE_MODEL}: ${JSON.stringify(routes)}`);
  return provider;
}

async function readRoutes(relaycoreUrl: string): Promise<Record<string, string>> {
  let response: Response;
  try {
    response = await fetch(`${relaycoreUrl}/v1/routes`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new FaultTargetError(`GET ${relaycoreUrl}/v1/routes failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!response.ok) throw new FaultTargetError(`GET ${relaycoreUrl}/v1/routes failed with HTTP ${response.status}: ${await response.text()}`);

  const body = (await response.json()) as { routes?: unknown };
  if (typeof body.routes !== 'object' || body.routes === null) throw new FaultTargetError(`GET ${relaycoreUrl}/v1/routes returned no routes object: ${JSON.stringify(body)}`);
  return body.routes as Record<string, string>;
}
