import type { IncidentChange, IncidentListener, ResolveReason } from '../correlation/incident.js';

/** Totals of incident changes since start, for the `faultline_incidents_*_total` metrics. */
export interface IncidentChangeTotals {
  opened: number;
  resolved: Record<ResolveReason, number>;
}

/** Counts the incidents the tracker opens and resolves. It only counts and never changes an incident. */
export class IncidentChangeCounter implements IncidentListener {
  private opened = 0;
  private readonly resolved: Record<ResolveReason, number> = { quiet: 0, recovered: 0, manual: 0, withdrawn: 0 };

  incidentChanged(change: IncidentChange): void {
    if (change.type === 'opened') this.opened += 1;
    if (change.type === 'resolved') this.resolved[change.reason] += 1;
  }

  /** Returns a copy of the totals. */
  totals(): IncidentChangeTotals {
    return { opened: this.opened, resolved: { ...this.resolved } };
  }
}
