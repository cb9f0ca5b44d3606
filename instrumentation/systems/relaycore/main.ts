/**
 * RelayCore: routes AI requests (`POST /v1/route`) to model providers by a routing table, and
 * offers `reroute`, `reset_circuit` and `drain_provider` on its control endpoint. Providers are
 * NeuroWeaver over gRPC and two providers simulated in this process. With fault injection on,
 * `provider_outage` and `corrupted_route` break a provider or a route.
 *
 * Environment: `PORT` (HTTP API, default 7102), `CONTROL_PORT` (default 50072), `ADMIN_PORT`
 * (default 7202), `NEUROWEAVER_ADDRESS` (default 127.0.0.1:7103), `NEUROWEAVER_DEADLINE_MS`
 * (deadline of each Predict call, default 1000).
 */
import { readDurationMs } from '../common/system-environment.js';
import { createSystemLogger, effectiveServiceName, runSystem } from '../common/system-process.js';
import { NeuroWeaverProvider } from './neuroweaver-provider.js';
import { ProviderRegistry } from './provider-registry.js';
import { startRelayApi } from './relay-api.js';
import { createRelayControls } from './relay-controls.js';
import { RelayFaults } from './relay-faults.js';
import type { Router } from './route-request.js';
import { RoutingTable } from './routing-table.js';
import { SimulatedProvider } from './simulated-provider.js';

const DEFAULT_NEUROWEAVER_ADDRESS = '127.0.0.1:7103';
const DEFAULT_NEUROWEAVER_DEADLINE_MS = 1_000;

/** The models NeuroWeaver serves; the simulated providers serve any model. */
const NEUROWEAVER_MODELS = ['gpt-small', 'embed-base'];

/** The routing table at start. */
const INITIAL_ROUTES = { 'gpt-small': 'neuroweaver', 'embed-base': 'neuroweaver', 'chat-fast': 'simulated-a' };

const logger = createSystemLogger(effectiveServiceName('relaycore'));
const neuroweaver = new NeuroWeaverProvider({
  address: process.env.NEUROWEAVER_ADDRESS || DEFAULT_NEUROWEAVER_ADDRESS,
  models: NEUROWEAVER_MODELS,
  deadlineMs: readDurationMs(process.env, 'NEUROWEAVER_DEADLINE_MS', DEFAULT_NEUROWEAVER_DEADLINE_MS),
});
const router: Router = {
  routes: new RoutingTable(INITIAL_ROUTES),
  providers: new ProviderRegistry([neuroweaver, new SimulatedProvider('simulated-a'), new SimulatedProvider('simulated-b')]),
};

await runSystem(
  {
    system: 'RelayCore',
    defaultServiceName: 'relaycore',
    defaultPorts: { api: 7102, control: 50072, admin: 7202 },
    faultInjector: new RelayFaults(router),
    actions: createRelayControls(router),
    startApi: (host, port) => startRelayApi({ router, host, port, logger }),
    stop: () => router.providers.closeAll(),
  },
  logger,
);
