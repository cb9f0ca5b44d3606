import { parseArgs } from 'node:util';

export const USAGE = `Usage: faultline --config PATH

Receives OpenTelemetry traces over OTLP, finds where failures start, and groups them into
incidents.

Options:
  -c, --config PATH   Config file in the OpenTelemetry Collector's layout (YAML).
  -h, --help          Print this help and exit.
  -v, --version       Print the version and exit.
`;

/** The command the arguments select. */
export type CliCommand = { type: 'help' } | { type: 'version' } | { type: 'run'; configPath: string };

/** The command line is invalid; the message names what to change. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses the command-line arguments (without the node and script paths). */
export function parseCliArgs(argv: string[]): CliCommand {
  let values: { config?: string; help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }

  if (values.help === true) return { type: 'help' };
  if (values.version === true) return { type: 'version' };
  if (values.config === undefined || values.config === '') {
    throw new UsageError('missing --config PATH; pass the config file, for example --config otel-config.yaml');
  }
  return { type: 'run', configPath: values.config };
}
