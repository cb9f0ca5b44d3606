import { describe, expect, it } from 'vitest';
import { incidentHref, incidentListHref, parseRoute, type Route } from '../../dashboard/src/routing.js';

const ANY = { state: '', system: '', service: '' };

describe('parseRoute', () => {
  it.each<[string, Route]>([
    ['', { view: 'overview' }],
    ['#/', { view: 'overview' }],
    ['#/incidents', { view: 'incidents', filter: ANY }],
    ['#/incidents/', { view: 'incidents', filter: ANY }],
    ['#/incidents?state=open&system=NeuroWeaver&service=mod', { view: 'incidents', filter: { state: 'open', system: 'NeuroWeaver', service: 'mod' } }],
    ['#/incidents/inc-1-2', { view: 'incident', id: 'inc-1-2' }],
    ['#/incidents/a%2Fb', { view: 'incident', id: 'a/b' }],
    ['#/graph', { view: 'graph' }],
    ['#/nowhere', { view: 'not_found', hash: '#/nowhere' }],
  ])('parses %j', (hash, expected) => {
    expect(parseRoute(hash)).toEqual(expected);
  });

  it.each([
    [{}, '#/incidents'],
    [{ state: 'open', service: '' }, '#/incidents?state=open'],
    [{ system: 'Relay Core' }, '#/incidents?system=Relay+Core'],
  ])('writes list filters %j into the hash', (filter, expected) => {
    expect(incidentListHref(filter)).toBe(expected);
    expect(parseRoute(expected)).toEqual({ view: 'incidents', filter: { ...ANY, ...filter } });
  });

  it('round-trips an incident id', () => {
    expect(parseRoute(incidentHref('inc/1 2'))).toEqual({ view: 'incident', id: 'inc/1 2' });
  });
});
