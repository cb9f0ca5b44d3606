import { setMaxListeners } from 'node:events';
import type { IBackoff, IBackoffFactory } from 'cockatiel';
import type { Logger } from 'pino';
import { sleepMs } from '../common/abortable-sleep.js';
import { WarningThrottle } from '../receiver/warning-throttle.js';
import type { RetryOnFailureSettings, SendingQueueSettings } from './config.js';
import { createExportBackoff } from './export-backoff.js';
import type { ExportTransport } from './export-transport.js';
import type { SendResult } from './send-result.js';

/** Abort listeners one consumer may hold at once: its transport's, the HTTP client's, and its backoff wait's. */
const ABORT_LISTENERS_PER_CONSUMER = 3;

/**
 * One configured exporter: a bounded queue of encoded batches, `num_consumers` senders that
 * each take the oldest batch, and OTLP retries with exponential backoff and jitter. Nothing
 * here blocks the pipeline: a batch that does not fit is dropped and counted.
 *
 * Data flow: span batcher -> `enqueue(batch)` -> queue -> sender -> transport -> backend.
 */

/** Encoded `ExportTraceServiceRequest` bytes and the number of spans in them. */
export interface ExportBatch {
  body: Uint8Array;
  spanCount: number;
}

/**
 * Why spans were dropped:
 * - `queue_full`: the queue held `queue_size` batches when the batch arrived;
 * - `retries_exhausted`: a retryable failure lasted past `max_elapsed_time`, or retries are off;
 * - `non_retryable`: the backend rejected the request permanently (for example 400 or INVALID_ARGUMENT);
 * - `shutdown`: the batch was still queued, waiting or in flight when the shutdown deadline passed.
 */
export type DropReason = 'queue_full' | 'retries_exhausted' | 'non_retryable' | 'shutdown';

/** Exporter figures for the status API and self-metrics. Counts are totals since construction. */
export interface ExporterSnapshot {
  type: string;
  endpoint: string;
  queue: { batches: number; spans: number; capacityBatches: number };
  /** Batches being sent or waiting for a retry. */
  inFlightBatches: number;
  /** Spans in requests the backend took, `partialSuccessRejectedSpans` included. */
  sentSpans: number;
  sentBatches: number;
  /** Spans the backend refused through `partial_success`; they are not sent again. */
  partialSuccessRejectedSpans: number;
  /** Attempts that failed with a retryable error and were retried. */
  retries: number;
  droppedSpans: Record<DropReason, number>;
}

/**
 * - `running`: takes batches and sends them;
 * - `draining`: takes no new batch and sends the queued ones until the shutdown deadline;
 * - `stopped`: every batch was sent or dropped and the transport is closed.
 */
type ExporterState = 'running' | 'draining' | 'stopped';

export interface OtlpExporterOptions {
  /** The component id, such as `otlp/jaeger`. */
  name: string;
  type: string;
  sendingQueue: SendingQueueSettings;
  retryOnFailure: RetryOnFailureSettings;
  transport: ExportTransport;
  logger: Logger;
}

export class OtlpExporter {
  readonly name: string;
  readonly #type: string;
  readonly #queueSettings: SendingQueueSettings;
  readonly #retry: RetryOnFailureSettings;
  readonly #transport: ExportTransport;
  readonly #logger: Logger;
  readonly #warnings: WarningThrottle;
  readonly #backoff: IBackoffFactory<unknown>;
  /** Aborts in-flight requests and backoff waits when the shutdown deadline passes. */
  readonly #abort = new AbortController();
  readonly #queue: ExportBatch[] = [];
  #queuedSpans = 0;
  #inFlight = 0;
  #state: ExporterState = 'running';
  #drained: (() => void) | undefined;
  readonly #counters = {
    sentSpans: 0,
    sentBatches: 0,
    partialSuccessRejectedSpans: 0,
    retries: 0,
    droppedSpans: { queue_full: 0, retries_exhausted: 0, non_retryable: 0, shutdown: 0 } satisfies Record<DropReason, number>,
  };

  constructor(options: OtlpExporterOptions) {
    this.name = options.name;
    this.#type = options.type;
    this.#queueSettings = options.sendingQueue;
    this.#retry = options.retryOnFailure;
    this.#transport = options.transport;
    this.#logger = options.logger.child({ component: 'exporter', exporter: options.name });
    this.#warnings = new WarningThrottle(this.#logger);
    this.#backoff = createExportBackoff(options.retryOnFailure);
    // Each consumer's request and backoff wait listen on the one shutdown signal, so more than
    // Node's default of 10 listeners is expected and no leak.
    setMaxListeners(ABORT_LISTENERS_PER_CONSUMER * this.#queueSettings.num_consumers + 1, this.#abort.signal);
  }

  /** Queues a batch and starts sending it when a sender is free; drops it when the queue is full or the exporter stopped. */
  enqueue(batch: ExportBatch): void {
    if (this.#state !== 'running') {
      this.#drop(batch, 'shutdown', 'exporter is shut down');
      return;
    }
    if (this.#queue.length >= this.#queueSettings.queue_size) {
      this.#drop(batch, 'queue_full', `sending queue holds queue_size (${this.#queueSettings.queue_size}) batches`);
      return;
    }

    this.#queue.push(batch);
    this.#queuedSpans += batch.spanCount;
    this.#startSenders();
  }

  /**
   * Sends what is queued until `deadlineMs` from now, then cancels the rest and counts it as
   * dropped for `shutdown`. Idempotent: later calls wait for the first.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    if (this.#state !== 'running') return this.#waitUntilIdle();
    this.#state = 'draining';

    const timer = setTimeout(() => this.#abort.abort(), deadlineMs);
    await this.#waitUntilIdle();
    clearTimeout(timer);
    // Anything still queued after an abort is dropped here; senders stop taking batches once aborted.
    for (const batch of this.#queue.splice(0)) this.#drop(batch, 'shutdown', 'shutdown deadline passed');
    this.#queuedSpans = 0;
    this.#state = 'stopped';
    this.#transport.close();
    this.#logger.info({ sentSpans: this.#counters.sentSpans, droppedSpans: this.#counters.droppedSpans }, 'exporter stopped');
  }

  snapshot(): ExporterSnapshot {
    return {
      type: this.#type,
      endpoint: this.#transport.endpoint,
      queue: { batches: this.#queue.length, spans: this.#queuedSpans, capacityBatches: this.#queueSettings.queue_size },
      inFlightBatches: this.#inFlight,
      sentSpans: this.#counters.sentSpans,
      sentBatches: this.#counters.sentBatches,
      partialSuccessRejectedSpans: this.#counters.partialSuccessRejectedSpans,
      retries: this.#counters.retries,
      droppedSpans: { ...this.#counters.droppedSpans },
    };
  }

  /** Resolves once the queue is empty and no batch is in flight, or the abort left only queued batches. */
  #waitUntilIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#drained;
      this.#drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  #isIdle(): boolean {
    return this.#inFlight === 0 && (this.#queue.length === 0 || this.#abort.signal.aborted);
  }

  #startSenders(): void {
    while (this.#inFlight < this.#queueSettings.num_consumers && this.#queue.length > 0 && !this.#abort.signal.aborted) {
      const batch = this.#queue.shift();
      if (batch === undefined) return;
      this.#queuedSpans -= batch.spanCount;
      this.#inFlight += 1;
      void this.#sendWithRetries(batch).finally(() => {
        this.#inFlight -= 1;
        this.#startSenders();
        this.#notifyIfIdle();
      });
    }
    this.#notifyIfIdle();
  }

  #notifyIfIdle(): void {
    if (this.#drained === undefined || !this.#isIdle()) return;
    const drained = this.#drained;
    this.#drained = undefined;
    drained();
  }

  /** Sends one batch until it succeeds, fails permanently, runs out of retry time, or the shutdown deadline passes. */
  async #sendWithRetries(batch: ExportBatch): Promise<void> {
    const firstAttemptAtMs = Date.now();
    let backoff: IBackoff<unknown> | undefined;

    for (let attempt = 1; ; attempt += 1) {
      const result = await this.#transport.send(batch.body, this.#abort.signal);
      if (result.kind === 'success') {
        this.#recordSuccess(batch, result);
        return;
      }
      if (this.#abort.signal.aborted) {
        this.#drop(batch, 'shutdown', 'shutdown deadline passed', result.reason);
        return;
      }
      if (result.kind === 'permanent') {
        this.#drop(batch, 'non_retryable', 'backend rejected the request', result.reason);
        return;
      }

      backoff = backoff === undefined ? this.#backoff.next(undefined) : backoff.next(undefined);
      const delayMs = Math.max(backoff.duration, result.retryAfterMs ?? 0);
      if (!this.#retryAllowed(firstAttemptAtMs, delayMs)) {
        this.#drop(batch, 'retries_exhausted', 'export failed and retries are exhausted', result.reason);
        return;
      }
      this.#counters.retries += 1;
      this.#logger.debug({ attempt, delayMs, reason: result.reason }, 'export failed, retrying');
      await sleepMs(delayMs, this.#abort.signal);
      if (this.#abort.signal.aborted) {
        this.#drop(batch, 'shutdown', 'shutdown deadline passed', result.reason);
        return;
      }
    }
  }

  /** True when retries are on and the next attempt, after `delayMs`, starts within `max_elapsed_time`. */
  #retryAllowed(firstAttemptAtMs: number, delayMs: number): boolean {
    if (!this.#retry.enabled) return false;
    if (this.#retry.max_elapsed_time === 0) return true;
    return Date.now() + delayMs - firstAttemptAtMs <= this.#retry.max_elapsed_time;
  }

  #recordSuccess(batch: ExportBatch, result: Extract<SendResult, { kind: 'success' }>): void {
    this.#counters.sentBatches += 1;
    this.#counters.sentSpans += batch.spanCount;
    if (result.rejectedSpans === 0 && result.errorMessage === '') return;

    this.#counters.partialSuccessRejectedSpans += result.rejectedSpans;
    this.#warnings.warn(
      'partial_success',
      { rejectedSpans: result.rejectedSpans, errorMessage: result.errorMessage },
      'backend rejected part of an export request',
    );
  }

  #drop(batch: ExportBatch, reason: DropReason, message: string, cause?: string): void {
    this.#counters.droppedSpans[reason] += batch.spanCount;
    this.#warnings.warn(reason, { spans: batch.spanCount, reason, cause, endpoint: this.#transport.endpoint }, `spans dropped: ${message}`);
  }
}
