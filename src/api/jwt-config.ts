import { z } from 'zod';
import { durationMs } from '../config/duration.js';

/**
 * Settings of `extensions.status_api.auth.jwt`: how the status API checks bearer tokens.
 * Exactly one key source is set: `secret_env` (HMAC), `public_key_file` or `jwks_file`.
 */

/** JWS algorithms the status API can accept. `none` is not among them, so unsigned tokens never pass. */
export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const jwtSchema = z
  .strictObject({
    /** The algorithms accepted; a token signed with any other is rejected. Required, at least one. */
    algorithms: z
      .array(z.enum(JWT_ALGORITHMS, { error: `must be one of ${JWT_ALGORITHMS.join(', ')}` }), { error: 'must be a list of algorithms such as [RS256]' })
      .min(1, { error: 'must list at least one algorithm such as RS256' }),
    /** The environment variable that contains the HMAC secret (HS256, HS384, HS512). */
    secret_env: z.string().regex(ENV_NAME, { error: 'must be an environment variable name such as FAULTLINE_JWT_SECRET' }).optional(),
    /** A PEM file with the public key (SPKI) that checks RS*, PS*, ES* or EdDSA signatures. */
    public_key_file: z.string().min(1, { error: 'must be a file path' }).optional(),
    /** A JSON Web Key Set file (`{"keys": [...]}`); the token's `kid` picks the key. */
    jwks_file: z.string().min(1, { error: 'must be a file path' }).optional(),
    /** The required `iss` claim. Default: `iss` is not checked. */
    issuer: z.string().min(1, { error: 'must be a non-empty string' }).optional(),
    /** The `aud` value, or values, of which the token must carry one. Required. */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'must be a string or a list of strings' }),
    /** The claim that contains the roles (`viewer`, `operator`); a dotted path reads a nested claim. Default `roles`. */
    roles_claim: z.string().min(1, { error: 'must be a claim name such as roles' }).default('roles'),
    /** Clock skew allowed when checking `exp` and `nbf`. Default `30s`; 0 allows none. */
    clock_tolerance: durationMs({ allowZero: true }).prefault('30s'),
  })
  .superRefine((jwt, context) => {
    const sources = (['secret_env', 'public_key_file', 'jwks_file'] as const).filter((key) => jwt[key] !== undefined);
    if (sources.length !== 1) {
      context.addIssue({
        code: 'custom',
        path: [],
        message: `must set exactly one of secret_env, public_key_file or jwks_file, got ${sources.length === 0 ? 'none' : sources.join(' and ')}`,
      });
      return;
    }

    const hmac = jwt.algorithms.filter((algorithm) => algorithm.startsWith('HS'));
    if (jwt.secret_env !== undefined && hmac.length !== jwt.algorithms.length) {
      context.addIssue({ code: 'custom', path: ['algorithms'], message: `must list only HS256, HS384 or HS512 with secret_env, got ${JSON.stringify(jwt.algorithms)}` });
    }
    if (jwt.secret_env === undefined && hmac.length > 0) {
      context.addIssue({ code: 'custom', path: ['algorithms'], message: `lists ${hmac.join(', ')}, which needs secret_env; public_key_file and jwks_file take RS*, PS*, ES* or EdDSA, got ${JSON.stringify(jwt.algorithms)}` });
    }
  });

export type JwtSettings = z.output<typeof jwtSchema>;
