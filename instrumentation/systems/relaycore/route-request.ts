import { SpanKind, trace } from '@opentelemetry/api';
import { inSpan } from '../common/traced.js';
import type { Completion, CompletionRequest } from './provider.js';
import type { ProviderEntry, ProviderRegistry } from './provider-registry.js';
import { CircuitOpenError, ProviderUnavailableError, RelayError, RoutingError } from './relay-errors.js';
import type { RoutingTable } from './routing-table.js';

/**
 * Routes one completion request: looks up the model's route and calls its provider. It traces
 * an internal span `route <model>` with a child `provider <name>` around the provider call.
 * The simulated providers run in this process, so their failures start in the provider span.
 */

const tracer = trace.getTracer('relaycore');

export interface RoutedCompletion extends Completion {
  provider: string;
}

/** The route table and providers a request is routed with. */
export interface Router {
  routes: RoutingTable;
  providers: ProviderRegistry;
}

/** Routes a request whose model has a route; rejects with a RelayError. */
export function routeRequest(router: Router, request: CompletionRequest, providerName: string): Promise<RoutedCompletion> {
  const attributes = { 'relaycore.model': request.model, 'relaycore.provider': providerName };
  return inSpan(tracer, `route ${request.model}`, { kind: SpanKind.INTERNAL, attributes }, async () => {
    const entry = router.providers.find(providerName);
    if (entry === undefined) throw new RoutingError(request.model, providerName);

    const completion = await callProvider(router.providers, entry, request);
    return { ...completion, provider: providerName };
  });
}

function callProvider(providers: ProviderRegistry, entry: ProviderEntry, request: CompletionRequest): Promise<Completion> {
  const name = entry.provider.name;
  const attributes = { 'relaycore.model': request.model, 'relaycore.provider': name };
  return inSpan(tracer, `provider ${name}`, { kind: SpanKind.INTERNAL, attributes }, async () => {
    if (!providers.admits(entry)) throw new CircuitOpenError(name);

    try {
      if (entry.outage) throw new ProviderUnavailableError(name, 'service outage');
      const completion = await entry.provider.complete(request);
      providers.recordSuccess(entry);
      return completion;
    } catch (error) {
      if (error instanceof RelayError && error.providerUnavailable) providers.recordUnavailable(entry);
      throw error;
    }
  });
}
