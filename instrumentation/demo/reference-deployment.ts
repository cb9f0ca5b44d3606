/**
 * The reference deployment as real processes: NeuroWeaver, RelayCore and AutoMatrix, each
 * exporting spans to Faultline, and Faultline with their control endpoints in its config.
 *
 * The systems start first, so Faultline gets every control address from their `ready` lines.
 * Spans exported before Faultline listens are retried or dropped by the SDK; no traffic runs
 * before then.
 */
import { createServer } from 'node:net';
import type { DemoChild, ProcessExit } from './child-process.js';
import type { SystemName } from './fault-catalog.js';
import { startFaultline, type RunningFaultline } from './faultline-process.js';
import { DEFAULT_SYSTEM_PORTS, EPHEMERAL_SYSTEM_PORTS, startSystem, type RunningSystem, type SystemPorts } from './system-process.js';

/** How long a child gets to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;

/**
 * The ports the processes listen on:
 * - `default`: the systems on their default ports, Faultline on 4317, 4318 and 4319;
 * - `ephemeral`: every listener on a free port, for tests that run beside other processes.
 */
export type PortMode = 'default' | 'ephemeral';

export interface DeploymentOptions {
  /** Faultline's config file; it reads the variables that `faultlineEnvironment` sets. */
  configPath: string;
  /** Faultline's audit database, passed as `FAULTLINE_AUDIT_PATH`. */
  auditPath: string;
  portMode: PortMode;
  /** The systems' batch span export delay, in milliseconds; short delays make detection quicker. */
  spanExportDelayMs: number;
  /** Further variables for every system, for example `STEP_TIMEOUT_MS`. */
  systemEnv: Record<string, string>;
  /** For each process to print its ready or listening line. */
  startTimeoutMs: number;
}

/** A child that exited although `stop` was not called on it. */
export interface UnexpectedExit {
  name: string;
  exit: ProcessExit;
  tail: string;
}

export class ReferenceDeployment {
  private constructor(
    readonly systems: Readonly<Record<SystemName, RunningSystem>>,
    readonly faultline: RunningFaultline,
  ) {}

  /** Starts the three systems and then Faultline; stops whatever started when a later start fails. */
  static async start(options: DeploymentOptions): Promise<ReferenceDeployment> {
    const started: DemoChild[] = [];
    try {
      const otlpGrpcEndpoint = options.portMode === 'default' ? '127.0.0.1:4317' : `127.0.0.1:${await findFreePort()}`;
      const systems = await startSystems(options, otlpGrpcEndpoint, started);
      const faultline = await startFaultline({
        configPath: options.configPath,
        env: faultlineEnvironment(options, otlpGrpcEndpoint, systems),
        startTimeoutMs: options.startTimeoutMs,
      });
      return new ReferenceDeployment(systems, faultline);
    } catch (error) {
      await Promise.all(started.map((child) => child.stop(STOP_GRACE_MS)));
      throw error;
    }
  }

  /** The base URL of Faultline's status API. */
  get statusApiUrl(): string {
    return `http://${this.faultline.endpoints.statusApi}`;
  }

  /** The base URL of AutoMatrix's HTTP API, where runs start. */
  get automatrixUrl(): string {
    return `http://${this.systems.AutoMatrix.endpoints.apiAddress}`;
  }

  /** Returns every child process, Faultline last. */
  children(): DemoChild[] {
    return [this.systems.AutoMatrix.child, this.systems.RelayCore.child, this.systems.NeuroWeaver.child, this.faultline.child];
  }

  /** Resolves with the first child that exits before `stop` was called on it. */
  firstUnexpectedExit(): Promise<UnexpectedExit> {
    return Promise.race(
      this.children().map(async (child) => {
        const exit = await child.exited;
        if (child.stopping) return new Promise<never>(() => undefined);
        return { name: child.name, exit, tail: child.tail() };
      }),
    );
  }

  /** Stops AutoMatrix, RelayCore and NeuroWeaver together, then Faultline, so the last spans still arrive. */
  async stop(): Promise<void> {
    const systems = this.children().slice(0, 3);
    await Promise.all(systems.map((child) => child.stop(STOP_GRACE_MS)));
    await this.faultline.child.stop(STOP_GRACE_MS);
  }
}

/**
 * Starts the three systems at once. With ephemeral ports the API ports are picked up front,
 * because each caller needs its callee's address at start.
 */
async function startSystems(options: DeploymentOptions, otlpGrpcEndpoint: string, started: DemoChild[]): Promise<Record<SystemName, RunningSystem>> {
  const common = { otlpGrpcEndpoint, spanExportDelayMs: options.spanExportDelayMs, extraEnv: options.systemEnv, startTimeoutMs: options.startTimeoutMs };
  const ports = await pickPorts(options.portMode);
  const neuroweaverAddress = `127.0.0.1:${ports.NeuroWeaver.api}`;
  const relaycoreUrl = `http://127.0.0.1:${ports.RelayCore.api}`;

  const starting = [
    startSystem({ ...common, system: 'NeuroWeaver', ports: ports.NeuroWeaver, calleeVariables: {} }),
    startSystem({ ...common, system: 'RelayCore', ports: ports.RelayCore, calleeVariables: { NEUROWEAVER_ADDRESS: neuroweaverAddress } }),
    startSystem({ ...common, system: 'AutoMatrix', ports: ports.AutoMatrix, calleeVariables: { RELAYCORE_URL: relaycoreUrl } }),
  ];
  const results = await Promise.allSettled(starting);
  for (const result of results) if (result.status === 'fulfilled') started.push(result.value.child);

  const [neuroweaver, relaycore, automatrix] = results;
  if (neuroweaver?.status !== 'fulfilled' || relaycore?.status !== 'fulfilled' || automatrix?.status !== 'fulfilled') {
    const failure = results.find((result) => result.status === 'rejected');
    throw failure?.reason instanceof Error ? failure.reason : new Error(`a system failed to start: ${String(failure?.reason)}`);
  }
  return { AutoMatrix: automatrix.value, RelayCore: relaycore.value, NeuroWeaver: neuroweaver.value };
}

/** Returns the default ports, or free API ports with 0 for the control and admin ports. */
async function pickPorts(portMode: PortMode): Promise<Record<SystemName, SystemPorts>> {
  if (portMode === 'default') return { ...DEFAULT_SYSTEM_PORTS };
  return {
    AutoMatrix: { ...EPHEMERAL_SYSTEM_PORTS, api: await findFreePort() },
    RelayCore: { ...EPHEMERAL_SYSTEM_PORTS, api: await findFreePort() },
    NeuroWeaver: { ...EPHEMERAL_SYSTEM_PORTS, api: await findFreePort() },
  };
}

/** Returns the environment variables that otel-config.demo.yaml expands. */
function faultlineEnvironment(options: DeploymentOptions, otlpGrpcEndpoint: string, systems: Record<SystemName, RunningSystem>): Record<string, string> {
  const ephemeral = options.portMode === 'ephemeral';
  return {
    FAULTLINE_OTLP_GRPC_ENDPOINT: otlpGrpcEndpoint,
    FAULTLINE_OTLP_HTTP_ENDPOINT: ephemeral ? '127.0.0.1:0' : '127.0.0.1:4318',
    FAULTLINE_STATUS_API_ENDPOINT: ephemeral ? '127.0.0.1:0' : '127.0.0.1:4319',
    FAULTLINE_AUDIT_PATH: options.auditPath,
    AUTOMATRIX_CONTROL_ENDPOINT: systems.AutoMatrix.endpoints.controlAddress,
    RELAYCORE_CONTROL_ENDPOINT: systems.RelayCore.endpoints.controlAddress,
    NEUROWEAVER_CONTROL_ENDPOINT: systems.NeuroWeaver.endpoints.controlAddress,
  };
}

/**
 * Returns a port that was free a moment ago, for a listener whose address another process
 * needs before the listener starts.
 * NOTE: another process may take the port between this check and Faultline's start.
 */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
