import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNS_PER_SECOND, DemoUsageError, parseDemoOptions } from '../../../instrumentation/demo/demo-options.js';
import { FAULT_NAMES } from '../../../instrumentation/demo/fault-catalog.js';

describe('parseDemoOptions', () => {
  it('defaults to every fault once', () => {
    expect(parseDemoOptions([])).toEqual({ faults: [...FAULT_NAMES], rounds: 1, runsPerSecond: DEFAULT_RUNS_PER_SECOND, keepRunning: false, help: false });
  });

  it.each([
    { name: 'fault list', argv: ['--faults', 'slow_model, client_bug'], expected: { faults: ['slow_model', 'client_bug'] } },
    { name: 'rounds', argv: ['--rounds', '3'], expected: { rounds: 3 } },
    { name: 'rate', argv: ['--rate', '5'], expected: { runsPerSecond: 5 } },
    { name: 'keep running', argv: ['--keep-running'], expected: { keepRunning: true } },
    { name: 'help', argv: ['--help'], expected: { help: true } },
  ])('reads $name', ({ argv, expected }) => {
    expect(parseDemoOptions(argv)).toMatchObject(expected);
  });

  it.each([
    { name: 'unknown fault', argv: ['--faults', 'model_crash,disk_full'], message: '--faults has unknown fault "disk_full"; known faults are model_crash' },
    { name: 'empty fault list', argv: ['--faults', ','], message: '--faults must name at least one fault' },
    { name: 'zero rounds', argv: ['--rounds', '0'], message: '--rounds must be a positive integer, got "0"' },
    { name: 'fractional rate', argv: ['--rate', '2.5'], message: '--rate must be a positive integer, got "2.5"' },
    { name: 'unknown option', argv: ['--fast'], message: "Unknown option '--fast'" },
    { name: 'positional argument', argv: ['model_crash'], message: 'Unexpected argument' },
  ])('rejects $name', ({ argv, message }) => {
    expect(() => parseDemoOptions(argv)).toThrow(DemoUsageError);
    expect(() => parseDemoOptions(argv)).toThrow(message);
  });
});
