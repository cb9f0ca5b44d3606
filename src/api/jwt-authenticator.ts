import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { ApiError } from './api-error.js';
import type { JwtSettings } from './jwt-config.js';
import type { JwtVerificationKey } from './jwt-keys.js';
import type { RouteAccess } from './router.js';

/** The holder of a verified token. */
export interface Principal {
  /** The token's `sub` claim; `unknown` when it has none. */
  subject: string;
  roles: ReadonlySet<string>;
  /** The token's `exp` plus the configured clock tolerance, in Unix milliseconds. */
  expiresAtMs: number;
}

const REALM = 'faultline';

/**
 * Checks `Authorization: Bearer <JWT>` headers: the signature with the configured key and
 * algorithms only (so `alg: none` and algorithm swaps fail), `exp` (required), `nbf`, `iss`
 * and `aud`, each with the configured clock tolerance. Failures throw ApiError 401 with a
 * `WWW-Authenticate: Bearer` header, as RFC 6750 section 3 describes; a missing role throws 403.
 */
export class JwtAuthenticator {
  private readonly options: JWTVerifyOptions;

  constructor(
    private readonly settings: JwtSettings,
    private readonly key: JwtVerificationKey,
  ) {
    this.options = {
      algorithms: [...settings.algorithms],
      audience: settings.audience,
      clockTolerance: settings.clock_tolerance / 1000,
      requiredClaims: ['exp'],
    };
    if (settings.issuer !== undefined) this.options.issuer = settings.issuer;
  }

  /** Verifies the request's bearer token and returns its holder. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const token = bearerToken(authorization);
    let payload: JWTPayload;
    try {
      payload = this.key.kind === 'key' ? (await jwtVerify(token, this.key.key, this.options)).payload : (await jwtVerify(token, this.key.getKey, this.options)).payload;
    } catch (error) {
      throw invalidToken(describeJoseError(error));
    }
    return {
      subject: typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : 'unknown',
      roles: rolesOf(payload, this.settings.roles_claim),
      // The same clock tolerance as the check above, so a stream opened with an accepted token does not end at once.
      expiresAtMs: (payload.exp ?? 0) * 1000 + this.settings.clock_tolerance,
    };
  }

  /** Throws ApiError 403 unless the holder has a role that `access` accepts. */
  authorize(principal: Principal, access: RouteAccess): void {
    if (access === 'open') return;
    if (principal.roles.has('operator')) return;
    if (access === 'viewer' && principal.roles.has('viewer')) return;

    const needed = access === 'operator' ? 'operator' : 'viewer or operator';
    const description = `the token's ${this.settings.roles_claim} claim must include ${needed}`;
    throw new ApiError(403, `${description}; it has ${JSON.stringify([...principal.roles])}`, {
      'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope", error_description="${description}"`,
    });
  }
}

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization === '') {
    throw new ApiError(401, 'missing Authorization header; send Authorization: Bearer <JWT>', { 'www-authenticate': `Bearer realm="${REALM}"` });
  }
  const match = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i.exec(authorization);
  if (match?.[1] === undefined) throw invalidToken('the Authorization header must be "Bearer <JWT>"');
  return match[1];
}

function invalidToken(description: string): ApiError {
  const quoted = description.replace(/["\\]/g, "'");
  return new ApiError(401, `invalid token: ${description}`, {
    'www-authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${quoted}"`,
  });
}

/** Turns a jose verification error into a short reason that names the failed check. */
function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'token audience (aud) does not match';
    if (error.claim === 'iss') return 'token issuer (iss) does not match';
    if (error.claim === 'nbf') return 'token is not valid yet (nbf)';
    if (error.reason === 'missing') return `token has no ${error.claim} claim`;
    return `token claim ${error.claim} is invalid: ${error.reason}`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no configured key matches the token';
  if (error instanceof joseErrors.JOSEError) return `token is malformed (${error.code})`;
  return 'token could not be verified';
}

/** Reads the roles claim (a dotted path reads nested objects): a list of strings, or one space-separated string. */
function rolesOf(payload: JWTPayload, claim: string): ReadonlySet<string> {
  let value: unknown = payload;
  for (const part of claim.split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (typeof value === 'string') return new Set(value.split(' ').filter((role) => role !== ''));
  if (!Array.isArray(value)) return new Set();
  return new Set(value.filter((role): role is string => typeof role === 'string'));
}
