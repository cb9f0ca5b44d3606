/**
 * The identity the dashboard reads from a JWT's payload to decide which controls to show. The
 * server checks the signature and the roles of every request, so this only hides buttons that would fail.
 */
export interface TokenIdentity {
  /** The `sub` claim, or empty. */
  subject: string;
  roles: string[];
}

/** The role that may change incidents; `viewer` may only read. */
export const OPERATOR_ROLE = 'operator';

/** Returns the subject and roles of a compact JWT, or undefined when the payload cannot be read. */
export function readTokenIdentity(token: string, rolesClaim: string): TokenIdentity | undefined {
  const payloadPart = token.split('.')[1];
  if (payloadPart === undefined) return undefined;

  let payload: unknown;
  try {
    payload = JSON.parse(decodeBase64Url(payloadPart));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null) return undefined;

  const claims = payload as Record<string, unknown>;
  const roles = readClaim(claims, rolesClaim);
  return {
    subject: typeof claims.sub === 'string' ? claims.sub : '',
    roles: Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : [],
  };
}

/** Reads a claim by name, or by a dotted path into nested objects (`realm_access.roles`), as the server does. */
function readClaim(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function decodeBase64Url(text: string): string {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
