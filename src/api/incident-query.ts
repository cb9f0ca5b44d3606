import type { IncidentState } from '../correlation/incident.js';
import type { IncidentPosition } from '../correlation/incident-order.js';
import { ApiError } from './api-error.js';
import type { IncidentFilter } from './status-source.js';

/** Query parameters of `GET /api/v1/incidents`. */
export const INCIDENT_LIST_PARAMETERS = ['state', 'system', 'service', 'since', 'limit', 'cursor'] as const;

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 500;

const INCIDENT_STATES: readonly IncidentState[] = ['open', 'mitigating', 'escalated', 'resolved'];

export interface IncidentListQuery {
  filter: IncidentFilter;
  limit: number;
  after: IncidentPosition | undefined;
}

/** Reads and checks the list query; throws ApiError 400 naming the parameter and the value. */
export function readIncidentListQuery(url: URL): IncidentListQuery {
  const filter: IncidentFilter = {};
  const parameters = url.searchParams;

  const state = parameters.get('state');
  if (state !== null) {
    if (!(INCIDENT_STATES as readonly string[]).includes(state)) {
      throw new ApiError(400, `state must be one of ${INCIDENT_STATES.join(', ')}, got ${JSON.stringify(state)}`);
    }
    filter.state = state as IncidentState;
  }
  const system = parameters.get('system');
  if (system !== null) filter.system = system;
  const service = parameters.get('service');
  if (service !== null) filter.service = service;
  const since = parameters.get('since');
  if (since !== null) filter.openedSinceMs = readInteger('since', since, 0, Number.MAX_SAFE_INTEGER, 'a time in Unix milliseconds such as 1733337600000');

  const limitText = parameters.get('limit');
  const limit = limitText === null ? DEFAULT_PAGE_LIMIT : readInteger('limit', limitText, 1, MAX_PAGE_LIMIT, `an integer from 1 to ${MAX_PAGE_LIMIT}`);
  const cursor = parameters.get('cursor');
  return { filter, limit, after: cursor === null ? undefined : decodeCursor(cursor) };
}

function readInteger(name: string, text: string, min: number, max: number, rule: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ApiError(400, `${name} must be ${rule}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Encodes where the next page starts. Clients treat it as opaque; it stays valid across restarts. */
export function encodeCursor(position: IncidentPosition): string {
  return Buffer.from(JSON.stringify([position.openedAtMs, position.id])).toString('base64url');
}

function decodeCursor(cursor: string): IncidentPosition {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2 && Number.isSafeInteger(decoded[0]) && typeof decoded[1] === 'string') {
      return { openedAtMs: decoded[0] as number, id: decoded[1] };
    }
  } catch {
    // Falls through to the error below: the text was not base64url JSON.
  }
  throw new ApiError(400, `cursor ${JSON.stringify(cursor)} is invalid; pass the nextCursor of the previous page unchanged`);
}
