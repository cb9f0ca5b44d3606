import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { ConfigError } from '../config/errors.js';
import type { JwtAlgorithm, JwtSettings } from './jwt-config.js';

/** The key that checks token signatures: one key object, or a key set searched by `kid`. */
export type JwtVerificationKey = { kind: 'key'; key: KeyObject } | { kind: 'key_set'; getKey: JWTVerifyGetKey };

/** Minimum HMAC secret length in bytes: the hash size, as RFC 7518 section 3.2 requires. */
const MIN_SECRET_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

/** The JWK `kty` and, for EC keys, the curve each algorithm takes. */
const KEY_TYPES: Record<Exclude<JwtAlgorithm, 'HS256' | 'HS384' | 'HS512'>, { kty: string; curve?: string }> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', curve: 'P-256' },
  ES384: { kty: 'EC', curve: 'P-384' },
  ES512: { kty: 'EC', curve: 'P-521' },
  EdDSA: { kty: 'OKP' },
};

/**
 * Loads the verification key that `jwt` names: the secret from the environment, the PEM
 * public key or the JWKS file. Throws ConfigError naming the key under `prefix` when the
 * variable is unset, a file is unreadable, or an algorithm does not match the key.
 */
export function loadJwtVerificationKey(jwt: JwtSettings, prefix: string, env: NodeJS.ProcessEnv): JwtVerificationKey {
  if (jwt.secret_env !== undefined) return { kind: 'key', key: loadSecret(jwt, jwt.secret_env, prefix, env) };
  if (jwt.public_key_file !== undefined) return { kind: 'key', key: loadPublicKey(jwt, jwt.public_key_file, prefix) };
  if (jwt.jwks_file !== undefined) return { kind: 'key_set', getKey: loadKeySet(jwt, jwt.jwks_file, prefix) };
  throw new ConfigError(`${prefix} must set exactly one of secret_env, public_key_file or jwks_file`);
}

function loadSecret(jwt: JwtSettings, name: string, prefix: string, env: NodeJS.ProcessEnv): KeyObject {
  const secret = env[name];
  const minBytes = Math.max(...jwt.algorithms.map((algorithm) => MIN_SECRET_BYTES[algorithm] ?? 0));
  if (secret === undefined || secret === '') {
    throw new ConfigError(`${prefix}.secret_env names ${name}, which is not set; set ${name} to a random secret of at least ${minBytes} bytes`);
  }
  if (Buffer.byteLength(secret) < minBytes) {
    throw new ConfigError(`${prefix}.secret_env names ${name}, whose value is ${Buffer.byteLength(secret)} bytes; ${jwt.algorithms.join(', ')} needs at least ${minBytes} bytes`);
  }
  return createSecretKey(Buffer.from(secret));
}

function loadPublicKey(jwt: JwtSettings, path: string, prefix: string): KeyObject {
  const pem = readKeyFile(path, `${prefix}.public_key_file`);
  if (pem.includes('PRIVATE KEY')) {
    throw new ConfigError(`${prefix}.public_key_file ${path} contains a private key; give Faultline only the public key (openssl pkey -pubout)`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new ConfigError(`${prefix}.public_key_file ${path} is not a PEM public key: ${(error as Error).message}`, { cause: error });
  }

  const jwk = key.export({ format: 'jwk' });
  for (const algorithm of jwt.algorithms) checkKeyType(algorithm, jwk.kty ?? '', jwk.crv, `${prefix}.algorithms`, `the key in ${path}`);
  return key;
}

function loadKeySet(jwt: JwtSettings, path: string, prefix: string): JWTVerifyGetKey {
  const text = readKeyFile(path, `${prefix}.jwks_file`);
  let keySet: JSONWebKeySet;
  try {
    keySet = JSON.parse(text) as JSONWebKeySet;
    if (!Array.isArray(keySet.keys) || keySet.keys.length === 0) throw new Error('it has no "keys" list');
  } catch (error) {
    throw new ConfigError(`${prefix}.jwks_file ${path} is not a JSON Web Key Set: ${(error as Error).message}`, { cause: error });
  }

  for (const algorithm of jwt.algorithms) {
    const usable = keySet.keys.some((jwk) => keyTypeProblem(algorithm, jwk.kty ?? '', jwk.crv) === undefined && (jwk.alg === undefined || jwk.alg === algorithm));
    if (!usable) throw new ConfigError(`${prefix}.algorithms lists ${algorithm}, but no key in ${path} can check it`);
  }
  try {
    return createLocalJWKSet(keySet);
  } catch (error) {
    throw new ConfigError(`${prefix}.jwks_file ${path} is not a JSON Web Key Set: ${(error as Error).message}`, { cause: error });
  }
}

function readKeyFile(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${key} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

function checkKeyType(algorithm: JwtAlgorithm, kty: string, curve: string | undefined, key: string, keyName: string): void {
  const problem = keyTypeProblem(algorithm, kty, curve);
  if (problem !== undefined) throw new ConfigError(`${key} lists ${algorithm}, which does not match ${keyName}: ${problem}`);
}

/** Returns why a key of type `kty` (and `curve`) cannot check `algorithm`, or undefined when it can. */
function keyTypeProblem(algorithm: JwtAlgorithm, kty: string, curve: string | undefined): string | undefined {
  if (!(algorithm in KEY_TYPES)) return `${algorithm} takes a shared secret (secret_env)`;
  const expected = KEY_TYPES[algorithm as keyof typeof KEY_TYPES];
  if (expected.kty !== kty) return `${algorithm} takes a key of type ${expected.kty}, the key is ${kty}`;
  if (expected.curve !== undefined && expected.curve !== curve) return `${algorithm} takes curve ${expected.curve}, the key is on ${curve ?? 'no curve'}`;
  return undefined;
}
