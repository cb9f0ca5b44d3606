import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { expandEnv } from '../../src/config/expand-env.js';

describe('expandEnv', () => {
  const env = { PORT: '4317', HOST: 'collector', FLAG: 'true', EMPTY: '', MAP: 'a: b' };

  it.each([
    ['replaces a reference inside a string', '${env:HOST}:${env:PORT}', 'collector:4317'],
    ['types a whole-string number', '${env:PORT}', 4317],
    ['types a whole-string boolean', '${env:FLAG}', true],
    ['keeps a map-looking value as text', '${env:MAP}', 'a: b'],
    ['uses the default when unset', '${env:MISSING:-localhost}', 'localhost'],
    ['keeps an empty value over the default', '${env:EMPTY:-x}', ''],
    ['keeps an escaped reference literal', '$${env:HOST}', '${env:HOST}'],
    ['leaves plain text alone', 'no references', 'no references'],
  ])('%s', (_name, input, expected) => {
    expect(expandEnv(input, env)).toEqual(expected);
  });

  it('expands strings nested in maps and lists', () => {
    const input = { a: { b: ['${env:HOST}', 3] }, c: null };

    expect(expandEnv(input, env)).toEqual({ a: { b: ['collector', 3] }, c: null });
  });

  it('names the key and the variable when a variable is unset', () => {
    const input = { receivers: { otlp: { endpoint: '${env:NOT_SET}' } } };

    expect(() => expandEnv(input, env)).toThrow(ConfigError);
    expect(() => expandEnv(input, env)).toThrow(/receivers\.otlp\.endpoint refers to environment variable NOT_SET/);
  });
});
