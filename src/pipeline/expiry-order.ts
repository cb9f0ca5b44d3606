import type { PendingTrace } from './pending-trace.js';

/**
 * Held traces in the order of their last update, least recently updated first, as a doubly
 * linked list through `PendingTrace.older` and `PendingTrace.newer`. Moving a trace to the end
 * and removing the oldest take constant time, and the sweep stops at the first trace not yet due.
 *
 * A linked list rather than a re-inserted Map: V8 keeps deleted Map entries in place until the
 * table is rehashed, so reading the first entry after many deletions steps over each of them.
 */
export class ExpiryOrder {
  private oldestTrace: PendingTrace | undefined;
  private newestTrace: PendingTrace | undefined;

  oldest(): PendingTrace | undefined {
    return this.oldestTrace;
  }

  /** Appends a trace that is not in the list as the most recently updated one. */
  append(trace: PendingTrace): void {
    trace.older = this.newestTrace;
    trace.newer = undefined;
    if (this.newestTrace === undefined) this.oldestTrace = trace;
    else this.newestTrace.newer = trace;
    this.newestTrace = trace;
  }

  /** Unlinks a trace that is in the list. */
  remove(trace: PendingTrace): void {
    if (trace.older === undefined) this.oldestTrace = trace.newer;
    else trace.older.newer = trace.newer;
    if (trace.newer === undefined) this.newestTrace = trace.older;
    else trace.newer.older = trace.older;
    trace.older = undefined;
    trace.newer = undefined;
  }

  /** Moves a trace in the list to the most recently updated end. */
  moveToNewest(trace: PendingTrace): void {
    if (this.newestTrace === trace) return;
    this.remove(trace);
    this.append(trace);
  }
}
