/**
 * Follows Faultline's incidents by polling the status API: keeps the latest view and the
 * recovery history of every incident seen since the watch began, and records each change on
 * the timeline.
 */
import type { AuditRecord } from '../../src/store/audit-store.js';
import type { ServerSentEvent } from './event-stream-client.js';
import type { IncidentView, StatusClient } from './status-client.js';
import type { Timeline, TimelineEvent } from './timeline.js';

/** Detail reads after an incident resolved, so the last audit records (written just after the resolve) are seen. */
const DETAIL_READS_AFTER_RESOLVE = 4;

export interface WatchedIncident {
  incident: IncidentView;
  /** The recovery history read so far, oldest first; empty when the server has no detail route. */
  history: AuditRecord[];
  /** Detail reads since the incident was seen resolved. */
  readsAfterResolve: number;
}

export interface IncidentWatcherOptions {
  pollIntervalMs: number;
  /** Incidents opened before this time, in Unix milliseconds, are ignored unless still unresolved. */
  sinceMs: number;
}

export class IncidentWatcher {
  private readonly watched = new Map<string, WatchedIncident>();
  /** Events found during the running poll; recorded in time order when it ends. */
  private found: { event: TimelineEvent; atMs: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** The message of the last failed poll, cleared by a poll that worked. */
  lastError: string | undefined;

  constructor(
    private readonly client: StatusClient,
    private readonly timeline: Timeline,
    private readonly options: IncidentWatcherOptions,
  ) {}

  /** Polls every `pollIntervalMs` until stopped; one poll runs at a time. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => (this.polling = undefined));
    }, this.options.pollIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  /** Returns every incident seen, in the order first seen. */
  incidents(): WatchedIncident[] {
    return [...this.watched.values()];
  }

  get(incidentId: string): WatchedIncident | undefined {
    return this.watched.get(incidentId);
  }

  /** Reads the incident list and the detail of each incident that may still change. */
  async poll(): Promise<void> {
    try {
      const incidents = await this.client.incidents();
      for (const incident of incidents.slice().reverse()) this.update(incident);
      for (const watched of this.watched.values()) if (needsDetail(watched)) await this.readDetail(watched);
      this.lastError = undefined;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
    }
    this.flush();
  }

  /**
   * Applies one event of `GET /api/v1/events`: an `incident` event updates the incident at once,
   * and a `recovery` event adds its audit record to an incident already seen. Events repeat
   * nothing that a poll found, because both paths compare states and audit ids.
   */
  applyEvent(event: ServerSentEvent): void {
    try {
      if (event.event === 'incident') this.update((JSON.parse(event.data) as { incident: IncidentView }).incident);
      if (event.event === 'recovery') this.addAudit(JSON.parse(event.data) as AuditRecord);
    } catch (error) {
      this.lastError = `event ${event.event} not applied: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.flush();
  }

  private addAudit(record: AuditRecord): void {
    const watched = this.watched.get(record.incidentId);
    if (watched === undefined || watched.history.some((known) => known.id === record.id)) return;
    watched.history.push(record);
    watched.history.sort((left, right) => left.id - right.id);
    this.recordAudit(record);
  }

  private record(event: TimelineEvent, atMs: number = Date.now()): void {
    this.found.push({ event, atMs });
  }

  /** Records the poll's events oldest first, as the status API and the audit log date them. */
  private flush(): void {
    const found = this.found.sort((left, right) => left.atMs - right.atMs);
    this.found = [];
    for (const { event, atMs } of found) this.timeline.record(event, atMs);
  }

  private update(incident: IncidentView): void {
    const previous = this.watched.get(incident.id);
    if (previous === undefined) {
      if (incident.openedAtMs < this.options.sinceMs && incident.state === 'resolved') return;
      this.watched.set(incident.id, { incident, history: [], readsAfterResolve: 0 });
      this.recordOpened(incident);
      if (incident.state !== 'open') this.recordStateChange(incident, 'open');
      return;
    }

    const from = previous.incident.state;
    previous.incident = incident;
    if (from !== incident.state) this.recordStateChange(incident, from);
  }

  private recordOpened(incident: IncidentView): void {
    const { service, system, errorKind } = incident.rootCause;
    this.record({ type: 'incident_opened', incidentId: incident.id, service, system, errorKind, path: incident.propagationPath }, incident.openedAtMs);
  }

  private recordStateChange(incident: IncidentView, from: string): void {
    if (incident.state === 'resolved') {
      const resolvedAtMs = incident.resolvedAtMs ?? Date.now();
      this.record({ type: 'incident_resolved', incidentId: incident.id, openForMs: resolvedAtMs - incident.openedAtMs }, resolvedAtMs);
      return;
    }
    this.record({ type: 'incident_state_changed', incidentId: incident.id, from, to: incident.state });
  }

  private async readDetail(watched: WatchedIncident): Promise<void> {
    if (watched.incident.state === 'resolved') watched.readsAfterResolve += 1;
    const detail = await this.client.incidentDetail(watched.incident.id);
    if (detail === undefined) return;

    for (const record of detail.recoveryHistory) this.addAudit(record);
  }

  private recordAudit(record: AuditRecord): void {
    if (record.event === 'call_finished') {
      this.record(
        {
          type: 'action_taken',
          incidentId: record.incidentId,
          action: record.action ?? '(unknown action)',
          target: record.target ?? '(unknown target)',
          outcome: record.outcome,
          attempt: record.attempt ?? 1,
          latencyMs: record.latencyMs,
        },
        record.atMs,
      );
      return;
    }
    if (record.event === 'decision') {
      this.record({ type: 'recovery_decision', incidentId: record.incidentId, decision: record.outcome, message: record.message ?? '' }, record.atMs);
    }
  }
}

function needsDetail(watched: WatchedIncident): boolean {
  return watched.incident.state !== 'resolved' || watched.readsAfterResolve < DETAIL_READS_AFTER_RESOLVE;
}

/** Returns the finished control calls of an incident, oldest first. */
export function finishedCalls(watched: WatchedIncident): AuditRecord[] {
  return watched.history.filter((record) => record.event === 'call_finished');
}

/** Tells whether the incident's recovery history contains a decision with `outcome`. */
export function hasDecision(watched: WatchedIncident, outcome: string): boolean {
  return watched.history.some((record) => record.event === 'decision' && record.outcome === outcome);
}
