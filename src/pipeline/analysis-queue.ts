import type { Logger } from 'pino';
import { SliceScheduler, type SlicedTask } from '../common/slice-scheduler.js';
import type { CompletedTrace, TraceConsumer } from './completed-trace.js';

/**
 * Released traces waiting for analysis. The trace buffer appends each trace it releases, and
 * the queue hands them to the consumer in release order, one trace per step of a
 * `SliceScheduler`. So a request that completes hundreds of traces, or a sweep that releases
 * them, never holds the event loop for their whole analysis, and other I/O (status API
 * requests, further OTLP requests) runs between turns. `drain` hands over everything at once,
 * for shutdown.
 */

/** Handed-over entries the queue keeps at the front of its array before it compacts. */
const COMPACT_AFTER_ENTRIES = 1024;

export interface AnalysisQueueOptions {
  consumer: TraceConsumer;
  /** The trace buffer's logger. Consumer failures are logged at the 1st, 10th, 100th, ... failure. */
  logger: Logger;
  /** Scheduler that runs the hand-over in steps, sharing each turn's budget with other background work. Defaults to a scheduler of its own. */
  scheduler?: SliceScheduler;
}

interface QueuedTrace {
  trace: CompletedTrace;
  sizeBytes: number;
}

export class AnalysisQueue {
  private readonly consumer: TraceConsumer;
  private readonly logger: Logger;
  private readonly scheduler: SliceScheduler;
  /** Traces in release order; entries before `head` were handed over already. */
  private entries: QueuedTrace[] = [];
  private head = 0;
  /** Whether the hand-over task is queued on the scheduler. */
  private scheduled = false;
  private queuedSpans = 0;
  private queuedBytes = 0;
  private failures = 0;
  private nextFailureLogAt = 1;
  private readonly handOver: SlicedTask = {
    runStep: () => {
      this.handOverNext();
      this.scheduled = this.length > 0;
      return !this.scheduled;
    },
    // handOverNext catches the consumer's errors, so a step does not throw.
    fail: () => {
      this.scheduled = false;
    },
  };

  constructor(options: AnalysisQueueOptions) {
    this.consumer = options.consumer;
    this.logger = options.logger;
    this.scheduler = options.scheduler ?? new SliceScheduler();
  }

  /** Traces waiting for analysis. */
  get length(): number {
    return this.entries.length - this.head;
  }

  /** Spans of the traces waiting for analysis. */
  get spanCount(): number {
    return this.queuedSpans;
  }

  /** Estimated bytes of the traces waiting for analysis, as the trace buffer counted them. */
  get sizeBytes(): number {
    return this.queuedBytes;
  }

  /** Calls to the consumer that threw. */
  get consumerFailures(): number {
    return this.failures;
  }

  /** Appends a released trace and queues the hand-over on the scheduler unless it is queued already. */
  push(trace: CompletedTrace, sizeBytes: number): void {
    this.entries.push({ trace, sizeBytes });
    this.queuedSpans += trace.spans.length;
    this.queuedBytes += sizeBytes;
    if (this.scheduled) return;
    this.scheduled = true;
    this.scheduler.schedule(this.handOver);
  }

  /** Hands every queued trace to the consumer now and takes the hand-over off the scheduler. */
  drain(): void {
    this.scheduler.cancel(this.handOver);
    this.scheduled = false;
    while (this.length > 0) this.handOverNext();
  }

  private handOverNext(): void {
    const entry = this.shift();
    if (entry === undefined) return;

    this.queuedSpans -= entry.trace.spans.length;
    this.queuedBytes -= entry.sizeBytes;
    try {
      this.consumer.consumeTrace(entry.trace);
    } catch (error) {
      this.recordConsumerFailure(error, entry.trace.traceId);
    }
  }

  /**
   * Removes the oldest entry. Once at least `COMPACT_AFTER_ENTRIES` entries were handed over and
   * they make up half the array, it copies the rest to a new array so memory stays bounded.
   */
  private shift(): QueuedTrace | undefined {
    const entry = this.entries[this.head];
    if (entry === undefined) return undefined;

    this.head += 1;
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER_ENTRIES && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return entry;
  }

  /** Counts a failure of the consumer and logs the 1st, 10th, 100th, ... so a bug cannot flood the log. */
  private recordConsumerFailure(error: unknown, traceId: string): void {
    this.failures += 1;
    if (this.failures < this.nextFailureLogAt) return;

    this.nextFailureLogAt *= 10;
    this.logger.error({ err: error, traceId, failures: this.failures }, 'trace consumer failed');
  }
}
