import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import type { Principal } from './jwt-authenticator.js';

/**
 * The access rule of a route: `open` needs no token, `viewer` needs the viewer or operator
 * role, `operator` needs the operator role. Roles apply only when auth is configured.
 */
export type RouteAccess = 'open' | 'viewer' | 'operator';

export type HttpMethod = 'GET' | 'POST';

/** A route handler's result: a JSON body, or a response it wrote itself (a stream or a file). */
export type RouteReply = { kind: 'json'; statusCode: number; body: unknown } | { kind: 'written' };

export interface RouteContext {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  /** Path parameters by name, URL-decoded. */
  params: Record<string, string>;
  /** The token's holder; undefined when auth is off or the route is open. */
  principal: Principal | undefined;
}

/**
 * One route. `pattern` is an OpenAPI path such as `/api/v1/incidents/{id}`; a `{name}`
 * segment matches one path segment, or the rest of the path when `restParam` names it.
 */
export interface Route {
  method: HttpMethod;
  pattern: string;
  access: RouteAccess;
  /** Query parameters the route takes; any other is rejected with 400. Default none. */
  query?: readonly string[];
  restParam?: string;
  handle(context: RouteContext): Promise<RouteReply> | RouteReply;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/** Matches request paths to routes; 404 for an unknown path, 405 with `Allow` for a known path and another method. */
export class Router {
  private readonly routes: readonly Route[];

  constructor(routes: readonly Route[]) {
    this.routes = routes;
  }

  /** Returns every route's method and pattern, in declaration order. */
  list(): { method: HttpMethod; pattern: string }[] {
    return this.routes.map((route) => ({ method: route.method, pattern: route.pattern }));
  }

  /** Finds the route of a request. HEAD is served by the GET route of the same path. */
  match(method: string, pathname: string): RouteMatch {
    const segments = pathname.split('/').slice(1);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchPattern(route, segments);
      if (params === undefined) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
      allowed.push(route.method);
    }
    if (allowed.length > 0) {
      const allow = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
      throw new ApiError(405, `method ${method} is not allowed on ${pathname}; use ${allow.join(' or ')}`, { allow: allow.join(', ') });
    }
    throw new ApiError(404, `no route for ${pathname}; GET /api/v1/openapi.json lists the routes`);
  }
}

/** Returns the decoded path parameters when `segments` fit the route's pattern. */
function matchPattern(route: Route, segments: readonly string[]): Record<string, string> | undefined {
  const parts = route.pattern.split('/').slice(1);
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = segments[index];
    if (segment === undefined) return undefined;

    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name === undefined) {
      if (segment !== part) return undefined;
      continue;
    }
    if (name === route.restParam && index === parts.length - 1) {
      params[name] = decodeSegment(segments.slice(index).join('/'));
      return params;
    }
    if (segment === '') return undefined;
    params[name] = decodeSegment(segment);
  }
  return segments.length === parts.length ? params : undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, `path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}

/** Rejects query parameters the route does not take. */
export function checkQuery(route: Route, url: URL): void {
  const allowed = route.query ?? [];
  const seen = new Set<string>();
  for (const key of url.searchParams.keys()) {
    if (seen.has(key)) throw new ApiError(400, `query parameter ${JSON.stringify(key)} is given more than once; give it once`);
    seen.add(key);
    if (allowed.includes(key)) continue;
    const hint = allowed.length === 0 ? `${route.pattern} takes no query parameters` : `use ${allowed.join(', ')}`;
    throw new ApiError(400, `unknown query parameter ${JSON.stringify(key)}; ${hint}`);
  }
}
