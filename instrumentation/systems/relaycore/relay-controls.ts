import type { ActionOutcome, ActionRequest, ControlAction } from '../../node/control-server.js';
import type { ProviderEntry } from './provider-registry.js';
import type { Router } from './route-request.js';

/**
 * RelayCore's recovery actions. Where a provider is the main parameter, the request's target
 * component is used in its place when the parameter is absent.
 */

export function createRelayControls(router: Router): ControlAction[] {
  return [
    {
      name: 'reroute',
      description: 'Moves routes off a provider onto a healthy provider that serves the same model.',
      idempotent: true,
      parameters: [
        { name: 'from', type: 'string', required: false, description: 'The provider to move routes off. Default: every provider that is missing, failing, circuit-open or draining.' },
        { name: 'to', type: 'string', required: false, description: 'The provider to move routes onto. Default: the first healthy provider that serves each model.' },
        { name: 'model', type: 'string', required: false, description: 'Moves only the route of this model, whatever the health of its provider. Default: every route the other parameters select.' },
      ],
      handler: (request) => reroute(router, request),
    },
    {
      name: 'reset_circuit',
      description: 'Closes the circuit of a provider and returns a draining provider to service.',
      idempotent: true,
      parameters: [{ name: 'provider', type: 'string', required: false, description: 'The provider. Default: every provider whose circuit is open or whose last call failed.' }],
      handler: (request) => resetCircuit(router, request),
    },
    {
      name: 'drain_provider',
      description: 'Stops routing to a provider: marks it draining and moves its routes to healthy providers.',
      idempotent: true,
      parameters: [{ name: 'provider', type: 'string', required: false, description: 'The provider to drain. Required unless the target component names it.' }],
      handler: (request) => drainProvider(router, request),
    },
  ];
}

function reroute(router: Router, request: ActionRequest): ActionOutcome {
  const from = request.parameters.from ?? request.targetComponent;
  const to = request.parameters.to;
  if (to !== undefined) {
    const problem = checkDestination(router, to, from);
    if (problem !== undefined) return { outcome: 'rejected', message: problem };
  }

  const onlyModel = request.parameters.model;
  if (onlyModel !== undefined && router.routes.providerOf(onlyModel) === undefined) {
    return { outcome: 'rejected', message: `no route for model ${JSON.stringify(onlyModel)}; routed models are ${router.routes.models().join(', ')}` };
  }

  const models = selectRoutes(router, { from, to, onlyModel });
  if (models.length === 0) {
    if (onlyModel !== undefined) return { outcome: 'already_applied', message: `model ${onlyModel} already routes to ${router.routes.providerOf(onlyModel) ?? ''}` };
    const where = from === '' ? 'a missing or failing provider' : `provider ${JSON.stringify(from)}`;
    return { outcome: 'already_applied', message: `no route is on ${where}, so none was moved` };
  }
  return moveRoutes(router, models, to);
}

/**
 * Selects the models whose routes reroute moves: the one model when given, else the routes on
 * `from` when given, else the routes on a provider that is missing or failing.
 */
function selectRoutes(router: Router, selection: { from: string; to: string | undefined; onlyModel: string | undefined }): string[] {
  const { from, to, onlyModel } = selection;
  return router.routes.models().filter((model) => {
    if (onlyModel !== undefined && model !== onlyModel) return false;
    const provider = router.routes.providerOf(model) ?? '';
    if (from !== '') return provider === from;
    if (onlyModel !== undefined) return provider !== to;
    const entry = router.providers.find(provider);
    return entry === undefined || router.providers.isFailing(entry);
  });
}

function resetCircuit(router: Router, request: ActionRequest): ActionOutcome {
  const named = request.parameters.provider ?? request.targetComponent;
  let entries: ProviderEntry[];
  if (named === '') {
    entries = router.providers.entries().filter((entry) => router.providers.isFailing(entry));
  } else {
    const entry = router.providers.find(named);
    if (entry === undefined) return { outcome: 'rejected', message: unknownProvider(router, named) };
    entries = router.providers.isFailing(entry) ? [entry] : [];
  }
  if (entries.length === 0) return { outcome: 'already_applied', message: 'every named circuit is already closed' };

  for (const entry of entries) entry.health = { kind: 'healthy', unavailableCount: 0 };
  return { outcome: 'applied', message: `closed the circuit of ${entries.map((entry) => entry.provider.name).join(', ')}` };
}

function drainProvider(router: Router, request: ActionRequest): ActionOutcome {
  const named = request.parameters.provider ?? request.targetComponent;
  if (named === '') return { outcome: 'rejected', message: 'drain_provider needs the provider parameter or a target component' };
  const entry = router.providers.find(named);
  if (entry === undefined) return { outcome: 'rejected', message: unknownProvider(router, named) };

  const wasDraining = entry.health.kind === 'draining';
  entry.health = { kind: 'draining' };
  const models = router.routes.models().filter((model) => router.routes.providerOf(model) === named);
  if (models.length === 0) {
    return { outcome: wasDraining ? 'already_applied' : 'applied', message: `provider ${named} is draining and has no routes` };
  }

  const moved = moveRoutes(router, models, undefined);
  const changed = moved.outcome === 'applied' || !wasDraining;
  return { outcome: changed ? 'applied' : 'already_applied', message: `provider ${named} is draining; ${moved.message}` };
}

/** Moves each model's route to `to`, or to the first provider that accepts routes and serves the model. */
function moveRoutes(router: Router, models: readonly string[], to: string | undefined): ActionOutcome {
  const moved: string[] = [];
  const stuck: string[] = [];
  for (const model of models) {
    const current = router.routes.providerOf(model) ?? '';
    const destination = to ?? findDestination(router, model, current);
    if (destination === undefined || router.providers.find(destination)?.provider.serves(model) !== true) {
      stuck.push(model);
      continue;
    }
    router.routes.setRoute(model, destination);
    moved.push(`${model} from ${current} to ${destination}`);
  }

  const stuckNote = stuck.length === 0 ? '' : `; no healthy provider serves ${stuck.join(', ')}, so those routes stay`;
  if (moved.length === 0) return { outcome: 'rejected', message: `moved no route${stuckNote}` };
  return { outcome: 'applied', message: `moved ${moved.join(', ')}${stuckNote}` };
}

function findDestination(router: Router, model: string, current: string): string | undefined {
  const entry = router.providers
    .entries()
    .find((candidate) => candidate.provider.name !== current && router.providers.acceptsRoutes(candidate) && candidate.provider.serves(model));
  return entry?.provider.name;
}

function checkDestination(router: Router, to: string, from: string): string | undefined {
  const entry = router.providers.find(to);
  if (entry === undefined) return unknownProvider(router, to);
  if (to === from) return `to and from both name provider ${to}`;
  if (!router.providers.acceptsRoutes(entry)) return `provider ${to} is ${entry.health.kind === 'healthy' ? 'failing' : entry.health.kind}, so no route is moved onto it`;
  return undefined;
}

function unknownProvider(router: Router, name: string): string {
  return `unknown provider ${JSON.stringify(name)}; providers are ${router.providers.names().join(', ')}`;
}
