import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStatusApiConfig } from '../../src/api/config.js';
import { ConfigError } from '../../src/config/errors.js';

const PREFIX = 'extensions.status_api';
const directory = mkdtempSync(join(tmpdir(), 'faultline-api-config-'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });

function writeFile(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

const rsaPem = writeFile('rsa.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString());
const ecPem = writeFile('ec384.pem', ec384.publicKey.export({ type: 'spki', format: 'pem' }).toString());
const privatePem = writeFile('private.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
const jwks = writeFile('jwks.json', JSON.stringify({ keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256' }] }));
const notJson = writeFile('broken.json', '{');
const ENV = { JWT_SECRET: 'x'.repeat(32), SHORT_SECRET: 'short' };

function jwt(settings: Record<string, unknown>): Record<string, unknown> {
  return { endpoint: '0.0.0.0:4319', auth: { jwt: { audience: 'faultline', ...settings } } };
}

describe('parseStatusApiConfig', () => {
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('defaults to loopback without auth', () => {
    expect(parseStatusApiConfig(undefined, PREFIX, {})).toEqual({ endpoint: '127.0.0.1:4319', trace_url_template: undefined });
  });

  it.each([
    ['HS256 secret', jwt({ algorithms: ['HS256'], secret_env: 'JWT_SECRET' }), 'key'],
    ['RS256 public key', jwt({ algorithms: ['RS256', 'PS256'], public_key_file: rsaPem }), 'key'],
    ['ES384 public key', jwt({ algorithms: ['ES384'], public_key_file: ecPem }), 'key'],
    ['RS256 key set', jwt({ algorithms: ['RS256'], jwks_file: jwks }), 'key_set'],
  ])('accepts a non-loopback endpoint with %s', (_name, input, kind) => {
    const config = parseStatusApiConfig(input, PREFIX, ENV);

    expect(config.endpoint).toBe('0.0.0.0:4319');
    expect(config.auth?.key.kind).toBe(kind);
    expect(config.auth?.jwt.roles_claim).toBe('roles');
    expect(config.auth?.jwt.clock_tolerance).toBe(30_000);
  });

  it.each([
    ['a non-loopback endpoint without auth', { endpoint: '0.0.0.0:4319' }, /extensions\.status_api\.endpoint must be a loopback address .* unless auth\.jwt is configured.*set extensions\.status_api\.auth\.jwt/],
    ['no key source', jwt({ algorithms: ['HS256'] }), /extensions\.status_api\.auth\.jwt must set exactly one of secret_env, public_key_file or jwks_file, got none/],
    ['two key sources', jwt({ algorithms: ['RS256'], public_key_file: rsaPem, jwks_file: jwks }), /got public_key_file and jwks_file/],
    ['alg none', jwt({ algorithms: ['none'], secret_env: 'JWT_SECRET' }), /algorithms\.0 must be one of HS256/],
    ['no algorithms', jwt({ algorithms: [], secret_env: 'JWT_SECRET' }), /algorithms must list at least one algorithm/],
    ['no audience', { auth: { jwt: { algorithms: ['HS256'], secret_env: 'JWT_SECRET' } } }, /auth\.jwt\.audience must be a string or a list of strings/],
    ['an unset secret variable', jwt({ algorithms: ['HS256'], secret_env: 'MISSING_SECRET' }), /auth\.jwt\.secret_env names MISSING_SECRET, which is not set; set MISSING_SECRET to a random secret of at least 32 bytes/],
    ['a short secret', jwt({ algorithms: ['HS256'], secret_env: 'SHORT_SECRET' }), /SHORT_SECRET, whose value is 5 bytes; HS256 needs at least 32 bytes/],
    ['RS256 with a secret', jwt({ algorithms: ['RS256'], secret_env: 'JWT_SECRET' }), /algorithms must list only HS256, HS384 or HS512 with secret_env/],
    ['HS256 with a public key', jwt({ algorithms: ['HS256'], public_key_file: rsaPem }), /algorithms lists HS256, which needs secret_env/],
    ['an unreadable key file', jwt({ algorithms: ['RS256'], public_key_file: join(directory, 'missing.pem') }), /auth\.jwt\.public_key_file cannot be read: ENOENT/],
    ['a private key file', jwt({ algorithms: ['RS256'], public_key_file: privatePem }), /contains a private key; give Faultline only the public key/],
    ['ES256 with an RSA key', jwt({ algorithms: ['ES256'], public_key_file: rsaPem }), /auth\.jwt\.algorithms lists ES256, which does not match the key in .*: ES256 takes a key of type EC, the key is RSA/],
    ['ES256 with a P-384 key', jwt({ algorithms: ['ES256'], public_key_file: ecPem }), /ES256 takes curve P-256, the key is on P-384/],
    ['a key set without a matching key', jwt({ algorithms: ['ES256'], jwks_file: jwks }), /auth\.jwt\.algorithms lists ES256, but no key in .* can check it/],
    ['a broken key set', jwt({ algorithms: ['RS256'], jwks_file: notJson }), /auth\.jwt\.jwks_file .* is not a JSON Web Key Set/],
    ['a template without {traceId}', { trace_url_template: 'http://jaeger/trace/' }, /trace_url_template must be a URL containing \{traceId\}/],
    ['an unknown key', jwt({ algorithms: ['HS256'], secret_env: 'JWT_SECRET', leeway: '5s' }), /unknown key extensions\.status_api\.auth\.jwt\.leeway/],
  ])('rejects %s', (_name, input, message) => {
    expect(() => parseStatusApiConfig(input, PREFIX, ENV)).toThrow(ConfigError);
    expect(() => parseStatusApiConfig(input, PREFIX, ENV)).toThrow(message);
  });
});
