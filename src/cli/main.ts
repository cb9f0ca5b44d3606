import { readFileSync } from 'node:fs';
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

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`faultline: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  if (command.type === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command.type === 'version') {
    process.stdout.write(`faultline ${readVersion()}\n`);
    return 0;
  }

  let config;
  try {
    config = loadConfigFile(command.configPath);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`faultline: invalid configuration in ${command.configPath}:\n${error.message}\n`);
    return EXIT_CONFIG;
  }

  const logger = createLogger(config.logLevel);
  logger.info({ version: readVersion(), config: command.configPath, pid: process.pid }, 'faultline starting');
  let service: FaultlineService | undefined;
  try {
    service = new FaultlineService(config, logger);
    await service.start();
  } catch (error) {
    logger.fatal({ err: error }, 'faultline failed to start');
    await service?.shutdown();
    return 1;
  }
  logger.info({ addresses: service.addresses() }, 'faultline listening');

  const signal = await waitForStopSignal();
  logger.info({ signal }, 'faultline stopping; draining the trace buffer');
  await service.shutdown();
  logger.info('faultline stopped');
  return 0;
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

// Exit explicitly: a client library keeping a handle open must not keep a stopped service alive.
process.exit(await main(process.argv.slice(2)));
