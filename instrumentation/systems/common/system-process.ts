import { pino, type Logger } from 'pino';
import { onShutdown, setServiceDefaults } from '../../node/register.js';
import { startControlServer, type ControlAction } from '../../node/control-server.js';
import { startFaultAdminServer } from './fault-admin-server.js';
import type { FaultInjector } from './fault-injector.js';
import { closeHttp } from './listen.js';
import { printReadyLine } from './ready-line.js';
import { LISTEN_HOST, readSystemEnvironment, type DefaultPorts } from './system-environment.js';

/**
 * Starts one reference system as a process: its API, its gRPC control endpoint and, with fault
 * injection on, its fault admin server. It prints the ready line once all of them listen and
 * closes them on SIGTERM or SIGINT before the instrumentation flushes spans and the process exits.
 */

/** The system's own API server, started by the system. */
export interface ApiServer {
  /** `host:port` it listens on. */
  address: string;
  /** Stops accepting requests and resolves once in-flight requests are done. */
  close(): Promise<void>;
}

export interface SystemDefinition {
  /** The system name, the default `service.namespace`, for example `NeuroWeaver`. */
  system: string;
  /** The default `service.name`, for example `neuroweaver`. */
  defaultServiceName: string;
  defaultPorts: DefaultPorts;
  faultInjector: FaultInjector;
  actions: ControlAction[];
  /** Starts the API on `host:port`. */
  startApi(host: string, port: number): Promise<ApiServer>;
  /** Stops the system's background work (workers, timers) after the servers closed. Default none. */
  stop?(): Promise<void> | void;
}

/** Creates the process logger: JSON lines on stderr, because stdout carries only the ready line. */
export function createSystemLogger(serviceName: string): Logger {
  return pino({ name: serviceName, level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
}

/**
 * Returns the `service.name` the process reports: `OTEL_SERVICE_NAME`, else `service.name` in
 * `OTEL_RESOURCE_ATTRIBUTES`, else the system's default. The OpenTelemetry SDK uses this order.
 */
export function effectiveServiceName(defaultServiceName: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromName = env.OTEL_SERVICE_NAME;
  if (fromName !== undefined && fromName !== '') return fromName;

  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',')) {
    const [key, value] = pair.split('=', 2).map((part) => part.trim());
    if (key === 'service.name' && value !== undefined && value !== '') return decodeURIComponent(value);
  }
  return defaultServiceName;
}

/** Starts the system's servers and prints the ready line. Exits with status 1 when a server cannot start. */
export async function runSystem(definition: SystemDefinition, logger: Logger): Promise<void> {
  setServiceDefaults({ serviceName: definition.defaultServiceName, serviceNamespace: definition.system });
  try {
    await startServers(definition, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    process.exit(1);
  }
}

async function startServers(definition: SystemDefinition, logger: Logger): Promise<void> {
  const environment = readSystemEnvironment(definition.defaultPorts);
  const serviceName = effectiveServiceName(definition.defaultServiceName);

  const api = await definition.startApi(LISTEN_HOST, environment.apiPort);
  const control = await startControlServer({
    serviceName,
    actions: definition.actions.map((action) => withOutcomeLog(action, logger)),
    port: environment.controlPort,
    host: LISTEN_HOST,
    logger: logger.child({ component: 'control' }),
  });
  const admin = environment.faultInjection
    ? await startFaultAdminServer({ injector: definition.faultInjector, host: LISTEN_HOST, port: environment.adminPort, logger })
    : undefined;

  onShutdown(async () => {
    logger.info('stopping');
    await Promise.all([api.close(), control.close(), admin === undefined ? Promise.resolve() : closeHttp(admin.server)]);
    await definition.stop?.();
  });

  logger.info({ api: api.address, control: control.address, admin: admin?.address ?? null }, 'started');
  printReadyLine({ system: definition.system, service: serviceName, api: api.address, control: control.address, admin: admin?.address ?? null });
}

/** Wraps an action so that each run logs its outcome, because recovery actions change the system's state. */
function withOutcomeLog(action: ControlAction, logger: Logger): ControlAction {
  const controlLogger = logger.child({ component: 'control' });
  return {
    ...action,
    handler: async (request) => {
      const outcome = await action.handler(request);
      const fields = { action: request.action, targetComponent: request.targetComponent, parameters: request.parameters, incidentId: request.incident?.id, ...outcome };
      controlLogger.info(fields, 'control action finished');
      return outcome;
    },
  };
}
