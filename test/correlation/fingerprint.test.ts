import { describe, expect, it } from 'vitest';
import { computeFingerprint, normalizeErrorMessage, type FingerprintInput } from '../../src/correlation/fingerprint.js';

describe('normalizeErrorMessage', () => {
  it.each([
    ['numbers', 'user 123 not found', 'user <n> not found'],
    ['decimals', 'took 12.5 ms', 'took <n> ms'],
    ['UUIDs', 'run 3f2b8c1e-9d4a-4b7e-8f00-1234567890ab failed', 'run <uuid> failed'],
    ['hex ids', 'trace 4bf92f3577b34da6 dropped', 'trace <id> dropped'],
    ['0x values', 'bad pointer 0x7ffe12', 'bad pointer <id>'],
    ['IPv4 with port', 'connect ECONNREFUSED 10.0.0.7:50051', 'connect ECONNREFUSED <address>'],
    ['IPv4 alone', 'no route to 192.168.1.20', 'no route to <address>'],
    ['IPv6 with port', 'connect ECONNREFUSED [::1]:4317', 'connect ECONNREFUSED <address>'],
    ['host and port', 'dial neuroweaver.internal:50051 failed', 'dial <address> failed'],
    ['double quotes', 'model "llama-7b" failed', 'model <value> failed'],
    ['single quotes', "key 'abc' missing", 'key <value> missing'],
    ['whitespace', '  a\n\tb  ', 'a b'],
    ['words with digits', 'http2 stream v1 reset', 'http2 stream v1 reset'],
    ['plain words', 'deadbeef facade', 'deadbeef facade'],
  ])('replaces %s', (_name, message, expected) => {
    expect(normalizeErrorMessage(message)).toBe(expected);
  });
});

describe('computeFingerprint', () => {
  const base: FingerprintInput = { service: 'nw-inference', operation: 'Predict', errorType: 'ModelError', message: 'user 123 not found at 10.0.0.7:8080' };

  it.each<[string, Partial<FingerprintInput>, boolean]>([
    ['other numbers', { message: 'user 456 not found at 10.0.0.7:8080' }, true],
    ['other address', { message: 'user 123 not found at 10.0.0.9:9090' }, true],
    ['other service', { service: 'nw-gateway' }, false],
    ['other operation', { operation: 'Embed' }, false],
    ['other error type', { errorType: 'TimeoutError' }, false],
    ['other message', { message: 'user 123 locked at 10.0.0.7:8080' }, false],
  ])('compares with %s', (_name, change, same) => {
    const fingerprint = computeFingerprint({ ...base, ...change });

    expect(fingerprint === computeFingerprint(base)).toBe(same);
  });

  it('groups operations that differ by an id', () => {
    const first = computeFingerprint({ ...base, operation: 'GET /users/123' });
    const second = computeFingerprint({ ...base, operation: 'GET /users/456' });

    expect(first).toBe(second);
  });

  it('returns 16 lowercase hex characters', () => {
    expect(computeFingerprint(base)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is stable across calls', () => {
    expect(computeFingerprint(base)).toBe(computeFingerprint({ ...base }));
  });
});
