import type { Incident } from './incident.js';

/**
 * Incidents sorted by the time each opened, so the status API can page through them newest
 * first without copying and sorting every incident on each request. Each entry points at the
 * tracker's incident object, so a filter reads it in place without a map lookup.
 */

/** The position of an incident in the order; the status API's incident cursor carries one. */
export interface IncidentPosition {
  openedAtMs: number;
  id: string;
}

/**
 * One incident in the order. The root cause's system and service never change, so they are
 * copied here, and a filter reads them from one object shape instead of the incident's.
 */
export interface OrderedIncident {
  readonly openedAtMs: number;
  readonly id: string;
  readonly system: string;
  readonly service: string;
  /** The tracker's incident: the live object while unresolved, the stored copy once resolved. */
  incident: Incident;
  /** True once the tracker no longer keeps the incident (a resolved incident past `max_resolved`). */
  dropped: boolean;
}

/** Dropped entries are removed once they are at least half the entries and at least this many. */
const MIN_DROPPED_TO_COMPACT = 64;

export class IncidentOrder {
  /** Oldest first; incidents opened in the same millisecond keep the order they were added in. */
  private entries: OrderedIncident[] = [];
  private droppedCount = 0;

  get size(): number {
    return this.entries.length;
  }

  /** Adds an incident. Opening is nearly always newest, so the search from the end stops at once. */
  add(incident: Incident): OrderedIncident {
    const entry: OrderedIncident = {
      openedAtMs: incident.openedAtMs,
      id: incident.id,
      system: incident.rootCause.system,
      service: incident.rootCause.service,
      incident,
      dropped: false,
    };
    let index = this.entries.length;
    while (index > 0 && (this.entries[index - 1]?.openedAtMs ?? 0) > entry.openedAtMs) index -= 1;
    this.entries.splice(index, 0, entry);
    return entry;
  }

  /** Marks an entry dropped, and removes dropped entries once they are half of all. */
  drop(entry: OrderedIncident): void {
    if (entry.dropped) return;
    entry.dropped = true;
    this.droppedCount += 1;
    if (this.droppedCount < MIN_DROPPED_TO_COMPACT || 2 * this.droppedCount < this.entries.length) return;

    this.entries = this.entries.filter((item) => !item.dropped);
    this.droppedCount = 0;
  }

  at(index: number): OrderedIncident | undefined {
    return this.entries[index];
  }

  /**
   * Returns the index of the first entry older than `after`, for walking newest first from
   * there; -1 when there is none. Without `after`, the index of the newest entry.
   */
  indexAfter(after?: IncidentPosition): number {
    if (after === undefined) return this.entries.length - 1;

    // The first index whose entry opened at or after `after.openedAtMs`.
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.entries[middle]?.openedAtMs ?? 0) < after.openedAtMs) low = middle + 1;
      else high = middle;
    }
    for (let index = low; index < this.entries.length; index += 1) {
      const entry = this.entries[index];
      if (entry === undefined || entry.openedAtMs !== after.openedAtMs) break;
      if (entry.id === after.id) return index - 1;
    }
    // The cursor's incident is gone; continue with the ones opened before it.
    return low - 1;
  }
}
