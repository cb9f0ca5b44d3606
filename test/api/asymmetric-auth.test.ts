import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStatusApiConfig } from '../../src/api/config.js';
import { StatusServer } from '../../src/api/status-server.js';
import { bearer } from './api-harness.js';
import { StubStatusSource } from './stub-status-source.js';

const directory = mkdtempSync(join(tmpdir(), 'faultline-api-keys-'));
const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = signing.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const pemPath = join(directory, 'public.pem');
const jwksPath = join(directory, 'jwks.json');
writeFileSync(pemPath, publicPem);
writeFileSync(jwksPath, JSON.stringify({ keys: [{ ...signing.publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' }] }));

function token(claims: JWTPayload, header: { alg: string; kid?: string }, key: Parameters<SignJWT['sign']>[0]): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).setAudience('faultline').setSubject('bob').setExpirationTime('5m').sign(key);
}

async function startServer(jwt: Record<string, unknown>): Promise<StatusServer> {
  const config = parseStatusApiConfig({ endpoint: '127.0.0.1:0', auth: { jwt: { audience: 'faultline', ...jwt } } }, 'extensions.status_api', {});
  const server = new StatusServer(config, new StubStatusSource(), pino({ level: 'silent' }));
  await server.start();
  return server;
}

async function statusOf(server: StatusServer, bearerToken: string): Promise<{ status: number; error: string | undefined }> {
  const response = await fetch(`http://${server.address()}/api/v1/status`, { headers: bearer(bearerToken) });
  return { status: response.status, error: ((await response.json()) as { error?: string }).error };
}

describe('asymmetric token keys', () => {
  let pemServer: StatusServer;
  let jwksServer: StatusServer;

  beforeAll(async () => {
    pemServer = await startServer({ algorithms: ['RS256'], public_key_file: pemPath, roles_claim: 'realm_access.roles' });
    jwksServer = await startServer({ algorithms: ['RS256'], jwks_file: jwksPath });
  });

  afterAll(async () => {
    await pemServer.shutdown();
    await jwksServer.shutdown();
    rmSync(directory, { recursive: true, force: true });
  });

  it.each([
    ['RS256 with a nested roles claim', () => token({ realm_access: { roles: ['viewer'] } }, { alg: 'RS256' }, signing.privateKey), 200, undefined],
    ['RS256 signed by another key', () => token({ realm_access: { roles: ['viewer'] } }, { alg: 'RS256' }, stranger.privateKey), 401, /token signature is invalid/],
    ['HS256 keyed with the public key text', () => token({ realm_access: { roles: ['viewer'] } }, { alg: 'HS256' }, new TextEncoder().encode(publicPem)), 401, /token algorithm is not accepted/],
    ['RS256 without the nested roles', () => token({ roles: ['viewer'] }, { alg: 'RS256' }, signing.privateKey), 403, /realm_access\.roles claim must include viewer or operator/],
  ])('checks a PEM-keyed token: %s', async (_name, makeToken, status, error) => {
    const result = await statusOf(pemServer, await makeToken());

    expect(result.status).toBe(status);
    if (error === undefined) expect(result.error).toBeUndefined();
    else expect(result.error).toMatch(error);
  });

  it.each([
    ['a known kid', () => token({ roles: 'viewer operator' }, { alg: 'RS256', kid: 'key-1' }, signing.privateKey), 200, undefined],
    ['an unknown kid', () => token({ roles: ['viewer'] }, { alg: 'RS256', kid: 'key-2' }, signing.privateKey), 401, /no configured key matches the token/],
  ])('checks a JWKS-keyed token with %s', async (_name, makeToken, status, error) => {
    const result = await statusOf(jwksServer, await makeToken());

    expect(result.status).toBe(status);
    if (error === undefined) expect(result.error).toBeUndefined();
    else expect(result.error).toMatch(error);
  });
});
