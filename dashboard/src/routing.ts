/** Filters of the incident list, kept in the hash as query parameters; empty matches everything. */
export interface IncidentFilter {
  state: string;
  system: string;
  service: string;
}

/** The views, addressed by the URL hash so a link or reload keeps the view. */
export type Route =
  | { view: 'overview' }
  | { view: 'incidents'; filter: IncidentFilter }
  | { view: 'incident'; id: string }
  | { view: 'graph' }
  | { view: 'not_found'; hash: string };

export function parseRoute(hash: string): Route {
  const [rawPath = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const path = rawPath.replace(/\/+$/, '');
  if (path === '' || path === '/') return { view: 'overview' };
  if (path === '/incidents') return { view: 'incidents', filter: readFilter(new URLSearchParams(query)) };
  if (path === '/graph') return { view: 'graph' };

  const incident = /^\/incidents\/([^/]+)$/.exec(path);
  if (incident?.[1] !== undefined) return { view: 'incident', id: decodeURIComponent(incident[1]) };
  return { view: 'not_found', hash };
}

function readFilter(params: URLSearchParams): IncidentFilter {
  return { state: params.get('state') ?? '', system: params.get('system') ?? '', service: params.get('service') ?? '' };
}

/** Returns the hash of the incident list with these filters; empty filters are left out. */
export function incidentListHref(filter: Partial<IncidentFilter>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    if (value !== undefined && value !== '') params.set(key, value);
  }
  const query = params.toString();
  return query === '' ? '#/incidents' : `#/incidents?${query}`;
}

export function incidentHref(id: string): string {
  return `#/incidents/${encodeURIComponent(id)}`;
}
