import type { Logger } from 'pino';
import type { IncidentChange, IncidentListener } from './incident.js';

/** Logs incident lifecycle changes: opened and resolved at info, escalated at warn. */
export class IncidentLog implements IncidentListener {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger.child({ component: 'incidents' });
  }

  incidentChanged(change: IncidentChange): void {
    const { incident } = change;
    const fields = {
      incidentId: incident.id,
      rootCause: incident.rootCause,
      path: incident.propagationPath,
      failingTraces: incident.failingTraces,
      errorRatio: incident.errorRatio,
    };

    switch (change.type) {
      case 'opened':
        this.logger.info({ ...fields, fingerprints: incident.fingerprints, sampleTraceIds: incident.sampleTraceIds }, 'incident opened');
        return;
      case 'resolved':
        this.logger.info({ ...fields, reason: change.reason, durationMs: (incident.resolvedAtMs ?? Date.now()) - incident.openedAtMs }, 'incident resolved');
        return;
      case 'state_changed':
        if (incident.state === 'escalated') this.logger.warn({ ...fields, from: change.from }, 'incident escalated; recovery gave up');
        else this.logger.info({ ...fields, from: change.from, state: incident.state }, 'incident state changed');
        return;
      case 'updated':
        this.logger.debug(fields, 'incident updated');
        return;
    }
  }
}
