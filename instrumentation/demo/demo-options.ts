/** Command-line options of `npm run demo`. */
import { parseArgs } from 'node:util';
import { FAULT_NAMES, FAULTS, isFaultName, type FaultName } from './fault-catalog.js';

export interface DemoOptions {
  /** The faults to inject, in order, once per round. */
  faults: FaultName[];
  /** How many times the whole fault list runs. */
  rounds: number;
  /** True keeps the deployment and traffic running after the last fault, until Ctrl-C. */
  keepRunning: boolean;
  runsPerSecond: number;
  help: boolean;
}

export const DEFAULT_RUNS_PER_SECOND = 20;

export const DEMO_USAGE = `Usage: npm run demo -- [options]

Starts Faultline, AutoMatrix, RelayCore and NeuroWeaver on their default ports, sends steady
traffic, injects faults one after another and prints what Faultline did about each.

Options:
  --faults a,b      the faults to inject, in order (default: all, in the order below)
  --rounds N        how many times to run the fault list (default 1)
  --rate N          AutoMatrix runs started per second (default ${DEFAULT_RUNS_PER_SECOND})
  --keep-running    keep everything running after the last fault, until Ctrl-C
  --help            show this text

Faults:
${FAULT_NAMES.map((name) => `  ${name.padEnd(16)}  ${FAULTS[name].system}: ${FAULTS[name].description}`).join('\n')}
`;

export class DemoUsageError extends Error {
  override readonly name = 'DemoUsageError';
}

/** Parses the demo's arguments; throws DemoUsageError naming the invalid option. */
export function parseDemoOptions(argv: readonly string[]): DemoOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        faults: { type: 'string' },
        rounds: { type: 'string' },
        rate: { type: 'string' },
        'keep-running': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new DemoUsageError(error instanceof Error ? error.message : String(error));
  }

  const { values } = parsed;
  return {
    faults: values.faults === undefined ? [...FAULT_NAMES] : parseFaultList(values.faults),
    rounds: values.rounds === undefined ? 1 : parsePositiveInteger('--rounds', values.rounds),
    runsPerSecond: values.rate === undefined ? DEFAULT_RUNS_PER_SECOND : parsePositiveInteger('--rate', values.rate),
    keepRunning: values['keep-running'],
    help: values.help,
  };
}

function parseFaultList(text: string): FaultName[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new DemoUsageError('--faults must name at least one fault');
  const unknown = names.filter((name) => !isFaultName(name));
  if (unknown.length > 0) throw new DemoUsageError(`--faults has unknown fault ${unknown.map((name) => JSON.stringify(name)).join(', ')}; known faults are ${FAULT_NAMES.join(', ')}`);
  return names.filter(isFaultName);
}

function parsePositiveInteger(option: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new DemoUsageError(`${option} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}
