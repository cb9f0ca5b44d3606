/**
 * Starts `node bin/faultline.js --config PATH` as a child process and reads its addresses
 * from the `faultline listening` log line.
 */
import { DemoChild } from './child-process.js';
import { REPOSITORY_ROOT } from './system-process.js';

/** Faultline's listeners as host:port, with real ports when 0 was configured. */
export interface FaultlineEndpoints {
  otlpGrpc: string;
  otlpHttp: string;
  statusApi: string;
}

export interface RunningFaultline {
  child: DemoChild;
  endpoints: FaultlineEndpoints;
}

export interface StartFaultlineOptions {
  configPath: string;
  /** Variables the config expands with `${env:NAME}`. */
  env: Record<string, string>;
  startTimeoutMs: number;
}

export class ListeningLineError extends Error {
  override readonly name = 'ListeningLineError';
}

/** Starts Faultline and waits until it listens. */
export async function startFaultline(options: StartFaultlineOptions): Promise<RunningFaultline> {
  const child = new DemoChild({
    name: 'faultline',
    command: process.execPath,
    args: ['bin/faultline.js', '--config', options.configPath],
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, ...options.env },
  });

  try {
    const listening = await child.waitForJsonLine('"faultline listening"', (line) => line.msg === 'faultline listening', options.startTimeoutMs);
    return { child, endpoints: readEndpoints(listening) };
  } catch (error) {
    await child.stop(0);
    throw error;
  }
}

function readEndpoints(line: Record<string, unknown>): FaultlineEndpoints {
  const addresses = (line.addresses ?? {}) as Record<string, unknown>;
  const { grpc, http, status_api: statusApi } = addresses;
  if (typeof grpc !== 'string' || typeof http !== 'string' || typeof statusApi !== 'string') {
    throw new ListeningLineError(`"faultline listening" lacks the grpc, http or status_api address: ${JSON.stringify(line)}`);
  }
  return { otlpGrpc: grpc, otlpHttp: http, statusApi };
}
