import type { PendingTrace } from './pending-trace.js';

/**
 * Traces already released for analysis, kept so that a late span joins its trace instead of
 * starting a new one. Holds at most `capacity` traces (`verdict_cache_size`) and `maxBytes`
 * encoded bytes (`max_buffered_bytes`), and drops the one released longest ago first.
 */
export class ReleasedTraceCache {
  private readonly traces = new Map<string, PendingTrace>();
  /**
   * Reads the oldest key across calls. Every key before it was deleted, and a fresh iterator
   * would step over each deleted entry that V8 has not yet compacted away.
   */
  private oldestKeys: MapIterator<string> = this.traces.keys();
  private readonly capacity: number;
  private readonly maxBytes: number;
  private bytes = 0;

  constructor(capacity: number, maxBytes: number) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
  }

  get size(): number {
    return this.traces.size;
  }

  /** Encoded bytes of the cached traces. */
  get sizeBytes(): number {
    return this.bytes;
  }

  /** Stores a released trace as the most recent one, dropping the oldest past either limit. */
  add(trace: PendingTrace): void {
    this.take(trace.traceId);
    this.traces.set(trace.traceId, trace);
    this.bytes += trace.sizeBytes;
    while (this.traces.size > this.capacity || (this.bytes > this.maxBytes && this.traces.size > 0)) this.dropOldest();
  }

  private dropOldest(): void {
    let oldest = this.oldestKeys.next();
    if (oldest.done === true) {
      this.oldestKeys = this.traces.keys();
      oldest = this.oldestKeys.next();
    }
    if (oldest.done !== true) this.take(oldest.value);
  }

  peek(traceId: string): PendingTrace | undefined {
    return this.traces.get(traceId);
  }

  /** Removes and returns a cached trace, for example to reopen it for late spans. */
  take(traceId: string): PendingTrace | undefined {
    const trace = this.traces.get(traceId);
    if (trace === undefined) return undefined;
    this.traces.delete(traceId);
    this.bytes -= trace.sizeBytes;
    return trace;
  }
}
