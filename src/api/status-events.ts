import type { Logger } from 'pino';
import type { IncidentChange, IncidentListener } from '../correlation/incident.js';
import type { AuditListener, AuditRecord } from '../store/audit-store.js';

/** A change the status API streams: an incident change, or a recovery audit record. */
export type StatusEvent = { kind: 'incident'; change: IncidentChange } | { kind: 'recovery'; record: AuditRecord };

export type StatusEventListener = (event: StatusEvent) => void;

/**
 * Passes incident changes (from the incident tracker) and audit records (from the recovery
 * engine's store) on to the status API's event streams. A subscriber that throws is logged
 * and does not stop the others or the caller.
 */
export class StatusEventFanout implements IncidentListener, AuditListener {
  private readonly listeners = new Set<StatusEventListener>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger.child({ component: 'status_events' });
  }

  subscribe(listener: StatusEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  incidentChanged(change: IncidentChange): void {
    this.publish({ kind: 'incident', change });
  }

  auditRecorded(record: AuditRecord): void {
    this.publish({ kind: 'recovery', record });
  }

  private publish(event: StatusEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn({ err: error, event: event.kind }, 'status event listener failed');
      }
    }
  }
}
