/**
 * The telemetry bootstrap of a Node service that Faultline watches. Load it before the service:
 *
 *     node --import tsx --import ./instrumentation/node/register.ts main.ts
 *
 * It starts the OpenTelemetry SDK (see telemetry-sdk.ts for the variables it reads) and exports
 * `onShutdown` and `setServiceDefaults` for the service's own code.
 *
 * ES modules are instrumented only through a loader hook: without it, `node:http` and
 * `@grpc/grpc-js` imported by an ES module were not patched and no spans were made (Node 20,
 * `@opentelemetry/instrumentation` 0.223). So the import-in-the-middle hook that
 * `@opentelemetry/instrumentation` ships is registered first, limited to the modules the HTTP
 * and gRPC instrumentations patch, and the SDK is loaded after it.
 */
import { register } from 'node:module';

export { onShutdown } from './shutdown-hooks.js';
export type { ShutdownHook } from './shutdown-hooks.js';
export { setServiceDefaults } from './service-defaults.js';
export type { ServiceDefaults } from './service-defaults.js';

/** The modules whose ES-module imports are hooked, so the instrumentations can patch them. */
const HOOKED_MODULES = ['http', 'node:http', 'https', 'node:https', '@grpc/grpc-js'];

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: HOOKED_MODULES } });

const { startTelemetry } = await import('./telemetry-sdk.js');
startTelemetry();
