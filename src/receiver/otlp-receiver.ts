import type { Logger } from 'pino';
import { SliceScheduler } from '../common/slice-scheduler.js';
import type { ReceiverConfig } from './config.js';
import { DecodeQueue } from './decode-queue.js';
import { ExportHandler } from './export-handler.js';
import { OtlpGrpcServer } from './grpc-server.js';
import { OtlpHttpServer } from './http-server.js';
import { otlpProtoTypes } from './otlp-proto-types.js';
import type { ReceiverMetrics } from './receiver-metrics.js';
import type { SpanSink } from './span-sink.js';

/**
 * The OTLP trace receiver: an OTLP/gRPC and an OTLP/HTTP server, each started only when its
 * protocol is configured, both decoding into span records and handing them to one sink.
 */

/** Time in-flight requests get to complete at shutdown before their connections are closed. */
export const SHUTDOWN_GRACE_MS = 5_000;

export interface OtlpReceiverOptions {
  config: ReceiverConfig;
  sink: SpanSink;
  /** The service logger; the receiver logs through a `{ component: 'receiver' }` child. */
  logger: Logger;
  metrics: ReceiverMetrics;
  /** Time in-flight requests get at shutdown; default `SHUTDOWN_GRACE_MS`. */
  shutdownGraceMs?: number;
  /** Scheduler that runs protobuf decoding in steps. The service shares it with the trace buffer's analysis. Defaults to a scheduler of the receiver's own. */
  scheduler?: SliceScheduler;
}

/** Listen addresses of the servers as `host:port` with the real port. A protocol not started is absent. */
export interface ReceiverAddresses {
  grpc?: string;
  http?: string;
}

/**
 * The lifecycle of the receiver.
 * - `created`: `start` was not called yet.
 * - `running`: `start` was called; `done` settles when the configured servers listen.
 * - `stopped`: `shutdown` was called; `done` settles when in-flight requests complete.
 */
type ReceiverState =
  | { kind: 'created' }
  | { kind: 'running'; done: Promise<void> }
  | { kind: 'stopped'; done: Promise<void> };

export class OtlpReceiver {
  readonly #logger: Logger;
  readonly #grpc: OtlpGrpcServer | undefined;
  readonly #http: OtlpHttpServer | undefined;
  readonly #addresses: ReceiverAddresses = {};
  readonly #shutdownGraceMs: number;
  #state: ReceiverState = { kind: 'created' };

  constructor(options: OtlpReceiverOptions) {
    this.#logger = options.logger.child({ component: 'receiver' });
    this.#shutdownGraceMs = options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
    const handler = new ExportHandler({ sink: options.sink, metrics: options.metrics, logger: this.#logger });
    const decodeQueue = new DecodeQueue(options.scheduler ?? new SliceScheduler());
    const { grpc, http } = options.config.protocols;
    this.#grpc = grpc === undefined ? undefined : new OtlpGrpcServer({ config: grpc, handler, logger: this.#logger, decodeQueue });
    this.#http = http === undefined ? undefined : new OtlpHttpServer({ config: http, handler, logger: this.#logger, decodeQueue });
  }

  /** Starts the configured servers; later calls return the first call's promise. */
  start(): Promise<void> {
    if (this.#state.kind === 'created') this.#state = { kind: 'running', done: this.#start() };
    return this.#state.done;
  }

  /** Stops accepting requests and resolves once in-flight requests complete. Idempotent. */
  shutdown(): Promise<void> {
    if (this.#state.kind === 'stopped') return this.#state.done;
    const started = this.#state.kind === 'running' ? this.#state.done.catch(() => undefined) : Promise.resolve();
    this.#state = { kind: 'stopped', done: started.then(() => this.#shutdown()) };
    return this.#state.done;
  }

  /** Returns the bound addresses; empty before `start` resolves. */
  addresses(): ReceiverAddresses {
    return { ...this.#addresses };
  }

  async #start(): Promise<void> {
    otlpProtoTypes();
    if (this.#grpc !== undefined) this.#addresses.grpc = await this.#grpc.listen();
    if (this.#http !== undefined) this.#addresses.http = await this.#http.listen();
    this.#logger.info({ ...this.#addresses }, 'receiver started');
  }

  async #shutdown(): Promise<void> {
    await Promise.all([this.#grpc?.close(this.#shutdownGraceMs), this.#http?.close(this.#shutdownGraceMs)]);
    this.#logger.info('receiver stopped');
  }
}
