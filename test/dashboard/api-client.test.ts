import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../dashboard/src/api/api-client.js';
import { ApiRequestError, ForbiddenError, UnauthorizedError } from '../../dashboard/src/api/api-errors.js';

function stubFetch(reply: () => Promise<Response>): { urls: string[]; inits: RequestInit[] } {
  const calls = { urls: [] as string[], inits: [] as RequestInit[] };
  vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
    calls.urls.push(url);
    calls.inits.push(init);
    return reply();
  });
  return calls;
}

describe('ApiClient', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it.each([
    ['401', 401, UnauthorizedError, 'GET /api/v1/status was rejected: token expired'],
    ['403', 403, ForbiddenError, 'GET /api/v1/status was forbidden: token expired'],
    ['500', 500, ApiRequestError, 'GET /api/v1/status failed with HTTP 500: token expired'],
  ])('maps HTTP %s to its error', async (_name, status, errorClass, message) => {
    stubFetch(() => Promise.resolve(new Response(JSON.stringify({ error: 'token expired' }), { status })));

    const request = new ApiClient('t').status();

    await expect(request).rejects.toBeInstanceOf(errorClass);
    await expect(request).rejects.toThrow(message);
  });

  it('reports a server that does not respond', async () => {
    stubFetch(() => Promise.reject(new TypeError('fetch failed')));

    const request = new ApiClient(undefined).status();

    await expect(request).rejects.toMatchObject({ status: 0, message: expect.stringMatching(/no response from the Faultline server/) as unknown });
  });

  it('uses the status text when the error body is not JSON', async () => {
    stubFetch(() => Promise.resolve(new Response('<html>', { status: 502, statusText: 'Bad Gateway' })));

    await expect(new ApiClient(undefined).status()).rejects.toThrow('failed with HTTP 502: Bad Gateway');
  });

  it.each([
    ['recover', (client: ApiClient) => client.recover('inc/1'), '/api/v1/incidents/inc%2F1/recover'],
    ['resolve', (client: ApiClient) => client.resolve('inc/1'), '/api/v1/incidents/inc%2F1/resolve'],
    ['acknowledge', (client: ApiClient) => client.acknowledge('inc/1'), '/api/v1/incidents/inc%2F1/acknowledge'],
  ])('posts %s with the token and an escaped id', async (_name, act, path) => {
    const calls = stubFetch(() => Promise.resolve(new Response('{}', { status: 200 })));

    await act(new ApiClient('secret'));

    expect(calls.urls).toEqual([path]);
    expect(calls.inits[0]?.method).toBe('POST');
    expect(new Headers(calls.inits[0]?.headers).get('authorization')).toBe('Bearer secret');
  });

  it('sends no Authorization header without a token', async () => {
    const calls = stubFetch(() => Promise.resolve(new Response('{"incidents":[],"nextCursor":null}', { status: 200 })));

    await new ApiClient(undefined).incidents();

    expect(calls.urls).toEqual(['/api/v1/incidents?limit=500']);
    expect(new Headers(calls.inits[0]?.headers).has('authorization')).toBe(false);
  });
});
