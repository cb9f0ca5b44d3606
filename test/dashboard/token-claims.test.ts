import { describe, expect, it } from 'vitest';
import { readTokenIdentity } from '../../dashboard/src/auth/token-claims.js';

function unsignedToken(payload: unknown): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256' })}.${encode(payload)}.signature`;
}

describe('readTokenIdentity', () => {
  it.each([
    ['roles claim', unsignedToken({ sub: 'ana', roles: ['viewer', 'operator'] }), 'roles', { subject: 'ana', roles: ['viewer', 'operator'] }],
    ['dotted roles claim', unsignedToken({ sub: 'bo', realm_access: { roles: ['viewer'] } }), 'realm_access.roles', { subject: 'bo', roles: ['viewer'] }],
    ['claim whose name has a dot', unsignedToken({ 'faultline.roles': ['operator'] }), 'faultline.roles', { subject: '', roles: ['operator'] }],
    ['missing roles', unsignedToken({ sub: 'cy' }), 'roles', { subject: 'cy', roles: [] }],
    ['non-string roles dropped', unsignedToken({ roles: ['viewer', 7, null] }), 'roles', { subject: '', roles: ['viewer'] }],
    ['non-ASCII subject', unsignedToken({ sub: 'Zoë', roles: [] }), 'roles', { subject: 'Zoë', roles: [] }],
  ])('reads %s', (_name, token, claim, expected) => {
    expect(readTokenIdentity(token, claim)).toEqual(expected);
  });

  it.each([
    ['no payload part', 'abc'],
    ['payload that is not JSON', 'a.bm90IGpzb24.c'],
    ['payload that is not an object', `a.${Buffer.from('42').toString('base64url')}.c`],
  ])('returns undefined for %s', (_name, token) => {
    expect(readTokenIdentity(token, 'roles')).toBeUndefined();
  });
});
