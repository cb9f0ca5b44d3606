import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/config/duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500],
    ['2s', 2000],
    ['1.5m', 90_000],
    ['1h', 3_600_000],
    [' 3s ', 3000],
    ['0s', 0],
  ])('parses %j as %d ms', (text, expected) => {
    expect(parseDurationMs(text)).toBe(expected);
  });

  it.each(['', '2', '-1s', '1d', 's', '1 s', '2sec', 'abc'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});
