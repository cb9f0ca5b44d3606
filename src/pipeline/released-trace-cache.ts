import type { PendingTrace } from './pending-trace.js';

/**
 * Traces already released for analysis, kept so that a late span joins its trace instead of
 * starting a new one. Holds at most `capacity` traces (`verdict_cache_size`) and drops the one
 * released longest ago first.
 */
export class ReleasedTraceCache {
  private readonly traces = new Map<string, PendingTrace>();
  /**
   * Reads the oldest key across calls. Every key before it was deleted, and a fresh iterator
   * would step over each deleted entry that V8 has not yet compacted away.
   */
  private oldestKeys: MapIterator<string> = this.traces.keys();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.traces.size;
  }

  /** Stores a released trace as the most recent one, dropping the oldest past capacity. */
  add(trace: PendingTrace): void {
    this.traces.delete(trace.traceId);
    this.traces.set(trace.traceId, trace);
    if (this.traces.size <= this.capacity) return;

    let oldest = this.oldestKeys.next();
    if (oldest.done === true) {
      this.oldestKeys = this.traces.keys();
      oldest = this.oldestKeys.next();
    }
    if (oldest.done !== true) this.traces.delete(oldest.value);
  }

  peek(traceId: string): PendingTrace | undefined {
    return this.traces.get(traceId);
  }

  /** Removes and returns a cached trace, for example to reopen it for late spans. */
  take(traceId: string): PendingTrace | undefined {
    const trace = this.traces.get(traceId);
    if (trace !== undefined) this.traces.delete(traceId);
    return trace;
  }
}
