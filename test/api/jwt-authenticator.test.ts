import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseStatusApiConfig } from '../../src/api/config.js';
import { JwtAuthenticator } from '../../src/api/jwt-authenticator.js';

const SECRET = 'authenticator-test-secret-0123456789';

describe('JwtAuthenticator', () => {
  it('adds the clock tolerance to the expiry', async () => {
    const config = parseStatusApiConfig(
      { endpoint: '127.0.0.1:0', auth: { jwt: { algorithms: ['HS256'], secret_env: 'JWT_SECRET', audience: 'faultline', clock_tolerance: '30s' } } },
      'extensions.status_api',
      { JWT_SECRET: SECRET },
    );
    const auth = config.auth;
    if (auth === undefined) throw new Error('the test config has no auth');
    const authenticator = new JwtAuthenticator(auth.jwt, auth.key);
    const expSeconds = Math.floor(Date.now() / 1000) - 10;
    const token = await new SignJWT({ roles: ['viewer'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('faultline')
      .setExpirationTime(expSeconds)
      .sign(new TextEncoder().encode(SECRET));

    const principal = await authenticator.authenticate(`Bearer ${token}`);

    expect(principal.expiresAtMs).toBe(expSeconds * 1000 + 30_000);
    expect(principal.expiresAtMs).toBeGreaterThan(Date.now());
  });
});
