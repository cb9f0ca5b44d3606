/**
 * Starts one reference system (`instrumentation/systems/<name>/main.ts`) as a child process,
 * configured by environment, and reads the addresses from its `ready` line.
 */
import { fileURLToPath } from 'node:url';
import { DemoChild } from './child-process.js';
import type { SystemName } from './fault-catalog.js';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The ports of one system: its API, its gRPC control endpoint and its fault-injection endpoint. */
export interface SystemPorts {
  api: number;
  control: number;
  admin: number;
}

/** The ports each system listens on when none is given, as the systems themselves default them. */
export const DEFAULT_SYSTEM_PORTS: Readonly<Record<SystemName, SystemPorts>> = {
  AutoMatrix: { api: 7101, control: 50071, admin: 7201 },
  RelayCore: { api: 7102, control: 50072, admin: 7202 },
  NeuroWeaver: { api: 7103, control: 50073, admin: 7203 },
};

/** Ports of 0, so each system picks free ones and prints them. */
export const EPHEMERAL_SYSTEM_PORTS: SystemPorts = { api: 0, control: 0, admin: 0 };

/** Variables a system reads; removed from the inherited environment so the caller's shell cannot change the wiring. */
const SYSTEM_VARIABLES = ['PORT', 'CONTROL_PORT', 'ADMIN_PORT', 'RELAYCORE_URL', 'NEUROWEAVER_ADDRESS', 'FAULT_INJECTION', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES'];

export interface StartSystemOptions {
  system: SystemName;
  ports: SystemPorts;
  /** Faultline's OTLP/gRPC receiver as host:port. */
  otlpGrpcEndpoint: string;
  /** The callee's address: `RELAYCORE_URL` for AutoMatrix, `NEUROWEAVER_ADDRESS` for RelayCore; absent for NeuroWeaver. */
  calleeVariables: Record<string, string>;
  /** The batch span processor's export delay (`OTEL_BSP_SCHEDULE_DELAY`), in milliseconds. */
  spanExportDelayMs: number;
  /** Further variables, for example `STEP_TIMEOUT_MS`. */
  extraEnv: Record<string, string>;
  startTimeoutMs: number;
}

/** The addresses a system printed in its `ready` line. */
export interface SystemEndpoints {
  system: SystemName;
  /** The `service.name` its spans carry. */
  service: string;
  /** host:port of its API (HTTP for AutoMatrix and RelayCore, gRPC for NeuroWeaver). */
  apiAddress: string;
  /** host:port of its gRPC control endpoint. */
  controlAddress: string;
  /** The base URL of its fault-injection endpoint. */
  adminUrl: string;
}

export interface RunningSystem {
  child: DemoChild;
  endpoints: SystemEndpoints;
}

export class ReadyLineError extends Error {
  override readonly name = 'ReadyLineError';
}

/** Starts a system with fault injection on and waits for its `ready` line. */
export async function startSystem(options: StartSystemOptions): Promise<RunningSystem> {
  const name = options.system.toLowerCase();
  const child = new DemoChild({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', '--import', './instrumentation/node/register.ts', `instrumentation/systems/${name}/main.ts`, '--enable-fault-injection'],
    cwd: REPOSITORY_ROOT,
    env: systemEnvironment(options),
  });

  try {
    const ready = await child.waitForJsonLine('its "ready" line', (line) => line.msg === 'ready', options.startTimeoutMs);
    return { child, endpoints: readEndpoints(options.system, ready) };
  } catch (error) {
    await child.stop(0);
    throw error;
  }
}

function systemEnvironment(options: StartSystemOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const variable of SYSTEM_VARIABLES) delete env[variable];
  return {
    ...env,
    PORT: String(options.ports.api),
    CONTROL_PORT: String(options.ports.control),
    ADMIN_PORT: String(options.ports.admin),
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${options.otlpGrpcEndpoint}`,
    OTEL_BSP_SCHEDULE_DELAY: String(options.spanExportDelayMs),
    // The traffic generator reads run statuses with an unsampled traceparent, which only a
    // parent-based sampler honours.
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    // The SDK would otherwise also export metrics and logs to the trace receiver's port.
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    ...options.calleeVariables,
    ...options.extraEnv,
  };
}

function readEndpoints(system: SystemName, ready: Record<string, unknown>): SystemEndpoints {
  const { service, api, control, admin } = ready;
  if (typeof service !== 'string' || typeof api !== 'string' || typeof control !== 'string') {
    throw new ReadyLineError(`the ready line of ${system} lacks a service, api or control address: ${JSON.stringify(ready)}`);
  }
  if (typeof admin !== 'string') {
    throw new ReadyLineError(`${system} opened no fault-injection endpoint although it was started with --enable-fault-injection: ${JSON.stringify(ready)}`);
  }
  return { system, service, apiAddress: api, controlAddress: control, adminUrl: `http://${admin}` };
}
