import type { TrafficSummary } from '../correlation/traffic-counter.js';

/**
 * A system's health on `GET /api/v1/status`:
 * - `failing`: an unresolved incident has its root cause in the system;
 * - `degraded`: no incident, but a service of the system had failed traces in the window;
 * - `healthy`: neither.
 */
export type SystemHealth = 'healthy' | 'degraded' | 'failing';

export interface SystemStatus {
  /** The `service.namespace`; empty for services that send none. */
  system: string;
  health: SystemHealth;
  /** Traces in the tracker's current window, per service. */
  services: { service: string; failed: number; total: number }[];
  openIncidents: number;
}

/** Groups per-service traffic by system and rates each system, sorted by system name. */
export function summarizeSystems(traffic: readonly TrafficSummary[], activeIncidentsBySystem: Readonly<Record<string, number>>): SystemStatus[] {
  const systems = new Map<string, SystemStatus>();
  const systemOf = (name: string): SystemStatus => {
    let status = systems.get(name);
    if (status === undefined) {
      status = { system: name, health: 'healthy', services: [], openIncidents: activeIncidentsBySystem[name] ?? 0 };
      systems.set(name, status);
    }
    return status;
  };

  for (const summary of traffic) {
    systemOf(summary.system).services.push({ service: summary.service, failed: summary.failedTraces, total: summary.traces });
  }
  for (const name of Object.keys(activeIncidentsBySystem)) systemOf(name);

  for (const status of systems.values()) {
    if (status.openIncidents > 0) status.health = 'failing';
    else if (status.services.some((service) => service.failed > 0)) status.health = 'degraded';
    status.services.sort((left, right) => left.service.localeCompare(right.service));
  }
  return [...systems.values()].sort((left, right) => left.system.localeCompare(right.system));
}
