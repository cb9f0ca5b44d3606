import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../../src/cli/args.js';

describe('parseCliArgs', () => {
  it.each([
    [['--config', 'a.yaml'], { type: 'run', configPath: 'a.yaml' }],
    [['-c', 'b.yaml'], { type: 'run', configPath: 'b.yaml' }],
    [['--config=c.yaml'], { type: 'run', configPath: 'c.yaml' }],
    [['--help'], { type: 'help' }],
    [['-h', '--config', 'a.yaml'], { type: 'help' }],
    [['--version'], { type: 'version' }],
  ])('parses %j', (argv, expected) => {
    expect(parseCliArgs(argv)).toEqual(expected);
  });

  it.each([
    [[], /missing --config PATH/],
    [['--config'], /argument missing/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
