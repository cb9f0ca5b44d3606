/**
 * The process settings every reference system reads from its environment: the API, control
 * and admin ports, and whether fault injection is on. The three systems differ only in their
 * default ports.
 */

/** The host every reference system listens on. The systems are demo services, so loopback only. */
export const LISTEN_HOST = '127.0.0.1';

/** An environment variable whose value cannot be used; the process exits with its message. */
export class InvalidEnvironmentError extends Error {
  constructor(name: string, rule: string, value: string) {
    super(`${name} ${rule}, got ${JSON.stringify(value)}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/** The default ports of one system. */
export interface DefaultPorts {
  api: number;
  control: number;
  admin: number;
}

export interface SystemEnvironment {
  /** Port of the system's API (HTTP or gRPC); 0 picks a free port. From `PORT`. */
  apiPort: number;
  /** Port of the gRPC control endpoint; 0 picks a free port. From `CONTROL_PORT`. */
  controlPort: number;
  /** Port of the fault admin HTTP server; 0 picks a free port. From `ADMIN_PORT`. */
  adminPort: number;
  /** True when `--enable-fault-injection` is an argument or `FAULT_INJECTION=1`; the admin port opens only then. */
  faultInjection: boolean;
}

const FAULT_INJECTION_FLAG = '--enable-fault-injection';

/** Reads the process settings, throwing InvalidEnvironmentError for a port that is not an integer from 0 to 65535. */
export function readSystemEnvironment(defaults: DefaultPorts, env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): SystemEnvironment {
  return {
    apiPort: readPort(env, 'PORT', defaults.api),
    controlPort: readPort(env, 'CONTROL_PORT', defaults.control),
    adminPort: readPort(env, 'ADMIN_PORT', defaults.admin),
    faultInjection: argv.includes(FAULT_INJECTION_FLAG) || env.FAULT_INJECTION === '1',
  };
}

/** Reads a positive integer of milliseconds, or the default when the variable is unset or empty. */
export function readDurationMs(env: NodeJS.ProcessEnv, name: string, defaultMs: number): number {
  return readInteger(env, name, defaultMs, 'must be a positive integer of milliseconds');
}

/** Reads a positive integer, or the default when the variable is unset or empty. */
export function readPositiveInteger(env: NodeJS.ProcessEnv, name: string, defaultValue: number): number {
  return readInteger(env, name, defaultValue, 'must be a positive integer');
}

function readInteger(env: NodeJS.ProcessEnv, name: string, defaultValue: number, rule: string): number {
  const text = env[name];
  if (text === undefined || text === '') return defaultValue;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidEnvironmentError(name, rule, text);
  return value;
}

function readPort(env: NodeJS.ProcessEnv, name: string, defaultPort: number): number {
  const text = env[name];
  if (text === undefined || text === '') return defaultPort;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidEnvironmentError(name, 'must be a port from 0 to 65535', text);
  return port;
}
