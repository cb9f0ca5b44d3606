import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/api-client.js';
import { describeError, UnauthorizedError } from '../api/api-errors.js';
import type { ServerSentEvent } from '../api/sse-parser.js';
import type { AuditRecord, IncidentEvent, IncidentView } from '../api/wire-types.js';

type Listener = () => void;

/** Audit records come in bursts (a call's start and finish, then a decision); one re-read covers a burst. */
const RECOVERY_REFRESH_DELAY_MS = 300;
type RecordListener = (record: AuditRecord) => void;

/**
 * The incidents the dashboard shows, kept current: a full fetch when the event stream opens
 * (and after every reconnect), then `incident` events applied one by one. `recovery` events go
 * to the views that subscribed, because only the detail view shows the audit records.
 */
export class LiveIncidents {
  private readonly byId = new Map<string, IncidentView>();
  private readonly listeners = new Set<Listener>();
  private readonly recordListeners = new Set<RecordListener>();
  private readonly pendingRefreshes = new Map<string, ReturnType<typeof setTimeout>>();
  /** For each list request open now, the ids that events changed since it was sent. */
  private readonly refreshes = new Set<Set<string>>();
  /** The message of the last failed fetch, or undefined after a successful one. */
  loadError: string | undefined;
  /** True once the first fetch finished. */
  loaded = false;
  /** Incremented on every change, so hooks can re-render. */
  version = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly onUnauthorized: () => void,
    private readonly announce: (message: string) => void,
  ) {}

  /** Incidents, newest first. */
  list(): IncidentView[] {
    return [...this.byId.values()].sort((a, b) => b.openedAtMs - a.openedAtMs);
  }

  get(id: string): IncidentView | undefined {
    return this.byId.get(id);
  }

  /**
   * Replaces every incident with the server's list. Incidents that events changed while the
   * request was open keep the event's copy, which is newer than the list.
   */
  async refresh(): Promise<void> {
    const changedByEvents = new Set<string>();
    this.refreshes.add(changedByEvents);
    try {
      const page = await this.client.incidents();
      const kept = [...changedByEvents].flatMap((id) => this.byId.get(id) ?? []);
      this.byId.clear();
      for (const incident of page.incidents) this.byId.set(incident.id, incident);
      for (const incident of kept) this.byId.set(incident.id, incident);
      this.loadError = undefined;
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        this.onUnauthorized();
        return;
      }
      this.loadError = describeError(error);
    } finally {
      this.refreshes.delete(changedByEvents);
    }
    this.loaded = true;
    this.changed();
  }

  /** Applies one event of `GET /api/v1/events`; unknown events and bad data are ignored. */
  handleEvent(event: ServerSentEvent): void {
    const data = parseJson(event.data);
    if (data === undefined) return;

    if (event.event === 'incident') this.applyIncidentEvent(data as IncidentEvent);
    if (event.event === 'recovery') this.applyRecord(data as AuditRecord);
  }

  /** Stops the re-reads still scheduled. */
  close(): void {
    for (const timer of this.pendingRefreshes.values()) clearTimeout(timer);
    this.pendingRefreshes.clear();
  }

  /** Stores an incident the page received another way, such as the response of an action. */
  put(incident: IncidentView): void {
    this.byId.set(incident.id, incident);
    for (const changed of this.refreshes) changed.add(incident.id);
    this.changed();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribeRecords(listener: RecordListener): () => void {
    this.recordListeners.add(listener);
    return () => this.recordListeners.delete(listener);
  }

  /**
   * Passes a recovery audit record to the subscribed views, and re-reads its incident soon
   * after: a recovery moving to its next step or ending sends no incident event, so the
   * incident's `recovery` field would otherwise stay at the step it had.
   */
  private applyRecord(record: AuditRecord): void {
    for (const listener of this.recordListeners) listener(record);
    if (typeof record.incidentId !== 'string' || this.pendingRefreshes.has(record.incidentId)) return;

    const timer = setTimeout(() => {
      this.pendingRefreshes.delete(record.incidentId);
      this.client
        .incident(record.incidentId)
        .then((detail) => this.put(detail.incident))
        .catch(() => {
          // The next event or the refresh on reconnect reads it again; a failed re-read changes nothing shown.
        });
    }, RECOVERY_REFRESH_DELAY_MS);
    this.pendingRefreshes.set(record.incidentId, timer);
  }

  private applyIncidentEvent(event: IncidentEvent): void {
    const incident = event.incident as IncidentView | undefined;
    if (incident === undefined || typeof incident.id !== 'string') return;

    const isNew = !this.byId.has(incident.id);
    this.byId.set(incident.id, incident);
    for (const changed of this.refreshes) changed.add(incident.id);
    if (event.type === 'opened' || isNew) {
      const { service, system, errorKind } = incident.rootCause;
      this.announce(`New incident: ${errorKind} in ${service}${system === '' ? '' : ` (${system})`}`);
    }
    this.changed();
  }

  private changed(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }
}

/** Re-renders the calling component whenever the store changes. */
export function useLiveIncidents(store: LiveIncidents): LiveIncidents {
  const [, setVersion] = useState(store.version);
  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);
  return store;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
