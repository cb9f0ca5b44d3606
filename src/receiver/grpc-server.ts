import {
  Metadata,
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ServerErrorResponse,
  type ServiceDefinition,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { GrpcProtocolConfig } from './config.js';
import type { DecodedRequest } from './decoded-request.js';
import { joinHostPort, parseEndpoint } from '../config/endpoint.js';
import { RETRY_AFTER_SECONDS, type ExportHandler } from './export-handler.js';
import { encodeExportResponse } from './export-response.js';
import type { DecodeQueue } from './decode-queue.js';
import { MalformedRequestError, RequestCancelledError } from './receiver-errors.js';

/**
 * OTLP/gRPC trace receiver serving `opentelemetry.proto.collector.trace.v1.TraceService/Export`.
 * grpc-js hands over the raw message bytes (already gunzipped when the client sent
 * `grpc-encoding: gzip`) and this file decodes them, so decode errors map to status codes here.
 */

export const EXPORT_METHOD_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Trailer with the time in milliseconds gRPC clients wait before retrying (gRPC retry design A6). */
export const RETRY_PUSHBACK_HEADER = 'grpc-retry-pushback-ms';

const MIB = 1024 * 1024;

const passThrough = (bytes: Buffer): Buffer => bytes;

/** Unary `Export`, with the request and response kept as bytes. */
const traceServiceDefinition: ServiceDefinition = {
  Export: {
    path: EXPORT_METHOD_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};

export interface OtlpGrpcServerOptions {
  config: GrpcProtocolConfig;
  handler: ExportHandler;
  logger: Logger;
  /** Queue that decodes requests in steps between other event-loop work. The HTTP server shares it. */
  decodeQueue: DecodeQueue;
}

/** The gRPC half of the receiver; `OtlpReceiver` starts and stops it. */
export class OtlpGrpcServer {
  readonly #config: GrpcProtocolConfig;
  readonly #handler: ExportHandler;
  readonly #logger: Logger;
  readonly #decodeQueue: DecodeQueue;
  readonly #server: Server;

  constructor(options: OtlpGrpcServerOptions) {
    this.#config = options.config;
    this.#handler = options.handler;
    this.#logger = options.logger;
    this.#decodeQueue = options.decodeQueue;
    // grpc-js returns RESOURCE_EXHAUSTED itself for a larger message, compressed or inflated.
    this.#server = new Server({ 'grpc.max_receive_message_length': options.config.max_recv_msg_size_mib * MIB });
    this.#server.addService(traceServiceDefinition, {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => this.#export(call, callback),
    });
  }

  /** Starts listening and returns the bound address as `host:port`. */
  async listen(): Promise<string> {
    const endpoint = parseEndpoint(this.#config.endpoint);
    if (endpoint === undefined) throw new Error(`invalid gRPC endpoint ${JSON.stringify(this.#config.endpoint)}`);
    const address = joinHostPort(endpoint.host, endpoint.port);
    const port = await new Promise<number>((resolve, reject) => {
      this.#server.bindAsync(address, ServerCredentials.createInsecure(), (error, boundPort) => {
        if (error === null) resolve(boundPort);
        else reject(new Error(`cannot listen on ${address}: ${error.message}`, { cause: error }));
      });
    });
    return joinHostPort(endpoint.host, port);
  }

  /** Stops accepting calls and resolves once in-flight calls complete, or cancels them after `graceMs`. */
  async close(graceMs: number): Promise<void> {
    const timer = setTimeout(() => {
      this.#logger.warn({ graceMs }, 'cancelling gRPC calls still open after the shutdown grace period');
      this.#server.forceShutdown();
    }, graceMs);
    timer.unref();
    await new Promise<void>((resolve) => {
      this.#server.tryShutdown(() => resolve());
    });
    clearTimeout(timer);
  }

  #export(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
    const cancelled = new AbortController();
    call.once('cancelled', () => cancelled.abort());
    this.#decodeAndExport(call.request, cancelled.signal, callback).catch((error: unknown) => {
      this.#logger.error({ err: error }, 'export request failed unexpectedly');
      callback(statusError(GrpcStatus.INTERNAL, 'internal error'));
    });
  }

  async #decodeAndExport(request: Buffer, cancelled: AbortSignal, callback: sendUnaryData<Buffer>): Promise<void> {
    let decoded: DecodedRequest;
    try {
      decoded = await this.#decodeQueue.decode(request, cancelled);
    } catch (error) {
      if (error instanceof RequestCancelledError) {
        // The call is over, so no response is sent. The sender retries after its own deadline.
        this.#handler.reject('grpc', 'cancelled', error.message);
        return;
      }
      if (!(error instanceof MalformedRequestError)) throw error;
      this.#handler.reject('grpc', 'malformed', error.message);
      callback(statusError(GrpcStatus.INVALID_ARGUMENT, error.message));
      return;
    }

    const outcome = this.#handler.export('grpc', decoded, request.length);
    if (outcome.kind === 'back_pressure') {
      const trailers = new Metadata();
      trailers.set(RETRY_PUSHBACK_HEADER, String(RETRY_AFTER_SECONDS * 1000));
      callback(statusError(GrpcStatus.UNAVAILABLE, outcome.message, trailers));
      return;
    }
    callback(null, Buffer.from(encodeExportResponse(outcome)));
  }
}

function statusError(code: GrpcStatus, details: string, metadata?: Metadata): Partial<ServerErrorResponse> {
  return { code, details, metadata };
}
