import { readFileSync } from 'node:fs';
import type { DestinationStream } from 'pino';
import { ConfigError } from '../config/errors.js';
import { loadConfigFile } from '../config/faultline-config.js';
import { FaultlineService } from '../service.js';
import { createLogger } from '../telemetry/logger.js';
import { parseCliArgs, USAGE, UsageError } from './args.js';

const EXIT_USAGE = 2;
const EXIT_CONFIG = 78;

function readVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return packageJson.version;
}

/** The command's output streams: usage and errors, and the service's log lines. */
export interface CliOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The log destination; pino's default (stdout) when absent. */
  log?: DestinationStream;
}

/**
 * Runs the faultline command and returns its exit status: 0, 1 when the service failed to
 * start, 2 for a usage error, 78 for an invalid config. A running service stops on the first
 * SIGINT or SIGTERM.
 */
export async function runCli(argv: string[], output: CliOutput = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let command;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.stderr.write(`faultline: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  if (command.type === 'help') {
    output.stdout.write(USAGE);
    return 0;
  }
  if (command.type === 'version') {
    output.stdout.write(`faultline ${readVersion()}\n`);
    return 0;
  }

  let config;
  try {
    config = loadConfigFile(command.configPath);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    output.stderr.write(`faultline: invalid configuration in ${command.configPath}:\n${error.message}\n`);
    return EXIT_CONFIG;
  }

  const logger = createLogger(config.logLevel, output.log);
  logger.info({ version: readVersion(), config: command.configPath, pid: process.pid }, 'faultline starting');
  let service: FaultlineService | undefined;
  try {
    service = new FaultlineService(config, logger);
    await service.start();
  } catch (error) {
    logger.fatal({ err: error }, 'faultline failed to start');
    if (isAddressInUse(error)) {
      output.stderr.write('faultline: an address in the config is already in use; stop the other process (another Faultline?) or change the endpoint\n');
    }
    await service?.shutdown();
    return 1;
  }
  logger.info({ addresses: service.addresses() }, 'faultline listening');

  const signal = await waitForStopSignal();
  logger.info({ signal }, 'faultline stopping; draining the trace buffer');
  const exitOnSecondSignal = (second: NodeJS.Signals): void => process.exit(second === 'SIGINT' ? 130 : 143);
  process.once('SIGINT', exitOnSecondSignal).once('SIGTERM', exitOnSecondSignal);
  try {
    await service.shutdown();
  } finally {
    process.off('SIGINT', exitOnSecondSignal).off('SIGTERM', exitOnSecondSignal);
  }
  logger.info('faultline stopped');
  return 0;
}

/** Resolves on the first SIGINT or SIGTERM. */
function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
}

/** True when a listener failed because its port is taken; grpc-js reports it as "No address added". */
function isAddressInUse(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return message.includes('EADDRINUSE') || message.includes('No address added');
}
