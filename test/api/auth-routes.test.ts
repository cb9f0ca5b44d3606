import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentView } from '../../src/api/incident-view.js';
import { bearer, JWT_AUDIENCE, JWT_ISSUER, sendFailingTrace, signToken, startFaultline, waitFor, type RunningFaultline } from './api-harness.js';

type Caller = 'none' | 'viewer' | 'operator';

/** Statuses of a route for a request without a token, with a viewer token and with an operator token. */
type Expected = Record<Caller, number | 'not 401'>;

const READ: Expected = { none: 401, viewer: 200, operator: 200 };
const OPEN: Expected = { none: 200, viewer: 200, operator: 200 };
const STATIC: Expected = { none: 'not 401', viewer: 'not 401', operator: 'not 401' };

describe('status API auth', () => {
  let faultline: RunningFaultline;
  let incidentId = '';
  let traceId = '';
  const tokens: Record<Caller, string | undefined> = { none: undefined, viewer: undefined, operator: undefined };

  beforeAll(async () => {
    faultline = await startFaultline({ auth: true });
    traceId = await sendFailingTrace(faultline.otlpHttpUrl, 'NeuroWeaver', 'model');
    incidentId = await waitFor('incident', () => faultline.service.incidents({})[0]?.id);
    tokens.viewer = await signToken(['viewer']);
    tokens.operator = await signToken(['operator']);
  });

  afterAll(async () => {
    await faultline.stop();
  });

  const routes: [string, string, () => string, Expected][] = [
    ['GET', '/healthz', () => '/healthz', OPEN],
    ['GET', '/readyz', () => '/readyz', OPEN],
    ['GET', '/api/v1/ui-config', () => '/api/v1/ui-config', OPEN],
    ['GET', '/', () => '/', STATIC],
    ['GET', '/assets/{path}', () => '/assets/app.js', STATIC],
    ['GET', '/api/v1/openapi.json', () => '/api/v1/openapi.json', READ],
    ['GET', '/api/v1/status', () => '/api/v1/status', READ],
    ['GET', '/api/v1/incidents', () => '/api/v1/incidents', READ],
    ['GET', '/api/v1/incidents/{id}', () => `/api/v1/incidents/${incidentId}`, READ],
    ['GET', '/api/v1/traces/{traceId}', () => `/api/v1/traces/${traceId}`, READ],
    ['GET', '/api/v1/service-graph', () => '/api/v1/service-graph', READ],
    ['GET', '/api/v1/events', () => '/api/v1/events', READ],
    ['GET', '/metrics', () => '/metrics', READ],
    ['POST', '/api/v1/incidents/{id}/recover', () => `/api/v1/incidents/${incidentId}/recover`, { none: 401, viewer: 403, operator: 409 }],
    ['POST', '/api/v1/incidents/{id}/acknowledge', () => `/api/v1/incidents/${incidentId}/acknowledge`, { none: 401, viewer: 403, operator: 200 }],
  ];
  const cases = routes.flatMap(([method, pattern, path, expected]) =>
    (['none', 'viewer', 'operator'] as const).map((caller) => [`${method} ${pattern} as ${caller}`, method, path, caller, expected[caller]] as const),
  );

  it.each(cases)('answers %s', async (_name, method, path, caller, expected) => {
    const token = tokens[caller];
    const controller = new AbortController();

    const response = await fetch(faultline.baseUrl + path(), { method, headers: token === undefined ? {} : bearer(token), signal: controller.signal });
    controller.abort();

    if (expected === 'not 401') expect(response.status).not.toBe(401);
    else expect(response.status).toBe(expected);
  });

  it('takes the acknowledger from the token subject', () => {
    const incident = faultline.service.incident(incidentId);

    expect(incident?.acknowledged?.by).toBe('alice');
  });

  it('resolves with an operator token', async () => {
    const viewer = await fetch(`${faultline.baseUrl}/api/v1/incidents/${incidentId}/resolve`, { method: 'POST', headers: bearer(tokens.viewer ?? '') });
    const operator = await fetch(`${faultline.baseUrl}/api/v1/incidents/${incidentId}/resolve`, { method: 'POST', headers: bearer(tokens.operator ?? '') });

    expect(viewer.status).toBe(403);
    expect(viewer.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    expect(operator.status).toBe(200);
    expect(((await operator.json()) as { incident: IncidentView }).incident.state).toBe('resolved');
  });

  it('says auth is required in ui-config', async () => {
    const body = (await (await fetch(`${faultline.baseUrl}/api/v1/ui-config`)).json()) as Record<string, unknown>;

    expect(body).toEqual({ authRequired: true, traceUrlTemplate: 'http://jaeger.test/trace/{traceId}', rolesClaim: 'roles' });
  });

  const secret = new TextEncoder().encode('api-test-secret-0123456789abcdef0123');
  const otherSecret = new TextEncoder().encode('another-secret-0123456789abcdef01234');
  const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const nowSeconds = (): number => Math.floor(Date.now() / 1000);
  const claims = (): SignJWT => new SignJWT({ roles: ['operator'] }).setSubject('mallory').setIssuer(JWT_ISSUER).setAudience(JWT_AUDIENCE).setIssuedAt();

  it.each([
    ['forged signature', () => claims().setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(otherSecret), /token signature is invalid/],
    ['alg none', () => Promise.resolve(new UnsecuredJWT({ roles: ['operator'] }).setAudience(JWT_AUDIENCE).setIssuer(JWT_ISSUER).setExpirationTime('10m').encode()), /token algorithm is not accepted/],
    ['an algorithm not configured', () => claims().setProtectedHeader({ alg: 'RS256' }).setExpirationTime('10m').sign(rsaKey), /token algorithm is not accepted/],
    ['HS512 with the right secret', () => claims().setProtectedHeader({ alg: 'HS512' }).setExpirationTime('10m').sign(new TextEncoder().encode('x'.repeat(64))), /token algorithm is not accepted/],
    ['expired', () => claims().setProtectedHeader({ alg: 'HS256' }).setExpirationTime(nowSeconds() - 60).sign(secret), /token expired/],
    ['not yet valid', () => claims().setProtectedHeader({ alg: 'HS256' }).setNotBefore(nowSeconds() + 600).setExpirationTime('20m').sign(secret), /not valid yet/],
    ['no expiry', () => claims().setProtectedHeader({ alg: 'HS256' }).sign(secret), /token has no exp claim/],
    ['wrong audience', () => claims().setAudience('another-service').setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(secret), /audience \(aud\) does not match/],
    ['wrong issuer', () => claims().setIssuer('https://evil.test').setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(secret), /issuer \(iss\) does not match/],
    ['garbage', () => Promise.resolve('not.a.jwt'), /token is malformed/],
  ])('rejects a token with %s', async (_name, makeToken, message) => {
    const response = await fetch(`${faultline.baseUrl}/api/v1/status`, { headers: bearer(await makeToken()) });
    const body = (await response.json()) as { error: string };

    expect(response.status).toBe(401);
    expect(body.error).toMatch(message);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="faultline", error="invalid_token", error_description="[^"]+"$/);
  });

  it.each([
    ['no header', {}, /missing Authorization header/, /^Bearer realm="faultline"$/],
    ['another scheme', { authorization: 'Basic YWxpY2U6cHc=' }, /must be "Bearer <JWT>"/, /error="invalid_token"/],
  ])('rejects %s', async (_name, headers, message, challenge) => {
    const response = await fetch(`${faultline.baseUrl}/api/v1/incidents`, { headers });

    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
    expect(response.headers.get('www-authenticate')).toMatch(challenge);
  });

  it('rejects a token without roles with 403', async () => {
    const response = await fetch(`${faultline.baseUrl}/api/v1/status`, { headers: bearer(await signToken([])) });

    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toMatch(/roles claim must include viewer or operator/);
  });
});
