import { alertmanagerSchema, type AlertmanagerConfig } from '../../src/alerting/config.js';
import type { Incident } from '../../src/correlation/incident.js';

/** 2024-12-04T18:40:00Z, the time incidents open at in these tests. */
export const OPENED_AT_MS = 1_733_337_600_000;

/** Builds an open incident of RelayCore's router; fields given in `overrides` replace the defaults. */
export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-1733337600000-1',
    key: 'RelayCore/router/unavailable',
    state: 'open',
    rootCause: { service: 'router', system: 'RelayCore', errorKind: 'unavailable', operations: ['POST /route'] },
    fingerprints: ['fp-router'],
    propagationPath: [
      { service: 'scheduler', system: 'AutoMatrix' },
      { service: 'router', system: 'RelayCore' },
    ],
    openedAtMs: OPENED_AT_MS,
    lastSeenAtMs: OPENED_AT_MS,
    resolvedAtMs: undefined,
    failingTraces: 6,
    errorRatio: 0.25,
    sampleTraceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
    ...overrides,
  };
}

/** Parses an `extensions.alertmanager` section for `endpoint`, with `overrides` on top. */
export function alertmanagerConfig(endpoint: string, overrides: Record<string, unknown> = {}): AlertmanagerConfig {
  return alertmanagerSchema.parse({ endpoint, ...overrides });
}
