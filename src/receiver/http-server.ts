import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { HttpProtocolConfig } from './config.js';
import type { DecodedRequest } from './decoded-request.js';
import { joinHostPort, parseEndpoint } from '../config/endpoint.js';
import { RETRY_AFTER_SECONDS, type ExportHandler, type ExportOutcome } from './export-handler.js';
import { encodeExportResponse, encodeRpcStatus, exportResponseJson, rpcStatusJson } from './export-response.js';
import { decodeJsonRequest } from './otlp-json-decoder.js';
import type { DecodeQueue } from './decode-queue.js';
import { MalformedRequestError, RequestCancelledError } from './receiver-errors.js';
import type { RequestRejectReason } from './receiver-metrics.js';
import { readRequestBody, type BodyLimits } from './request-body.js';

/**
 * OTLP/HTTP trace receiver: `POST /v1/traces` with an `application/x-protobuf` or
 * `application/json` body, gzip-compressed or not. Responses use the request's content type, as
 * the OTLP/HTTP specification requires.
 */

export const TRACES_PATH = '/v1/traces';

/** The body formats OTLP/HTTP defines. */
type BodyFormat = 'protobuf' | 'json';

const CONTENT_TYPES: Record<BodyFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** A response that rejects the request whole. */
interface Rejection {
  httpStatus: number;
  grpcCode: GrpcStatus;
  reason: RequestRejectReason;
  message: string;
  headers?: Record<string, string>;
}

/**
 * Time a client has to send a whole request, headers and body. A slower request gets 408 and
 * its connection is closed, so a stalled upload cannot hold memory for long.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface OtlpHttpServerOptions {
  config: HttpProtocolConfig;
  handler: ExportHandler;
  logger: Logger;
  /** Queue that decodes protobuf requests in steps between other event-loop work. The gRPC server shares it. */
  decodeQueue: DecodeQueue;
}

/** The HTTP half of the receiver; `OtlpReceiver` starts and stops it. */
export class OtlpHttpServer {
  readonly #config: HttpProtocolConfig;
  readonly #handler: ExportHandler;
  readonly #logger: Logger;
  readonly #decodeQueue: DecodeQueue;
  readonly #limits: BodyLimits;
  readonly #server: Server;
  #closing = false;

  constructor(options: OtlpHttpServerOptions) {
    this.#config = options.config;
    this.#handler = options.handler;
    this.#logger = options.logger;
    this.#decodeQueue = options.decodeQueue;
    this.#limits = { maxBodyBytes: options.config.max_request_body_size, maxDecompressedBytes: options.config.max_decompressed_size };
    this.#server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (request, response) => void this.#serve(request, response));
  }

  /** Starts listening and returns the bound address as `host:port`. */
  async listen(): Promise<string> {
    const endpoint = parseEndpoint(this.#config.endpoint);
    if (endpoint === undefined) throw new Error(`invalid HTTP endpoint ${JSON.stringify(this.#config.endpoint)}`);
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(endpoint.port, endpoint.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    return joinHostPort(address.address, address.port);
  }

  /**
   * Stops accepting connections and resolves once in-flight requests complete, or after
   * `graceMs`, when connections still open (a client that never finishes its body) are closed.
   */
  async close(graceMs: number): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const timer = setTimeout(() => {
      this.#logger.warn({ graceMs }, 'closing HTTP connections still open after the shutdown grace period');
      this.#server.closeAllConnections();
    }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      await this.#answer(request, response);
    } catch (error) {
      this.#logger.error({ err: error }, 'export request failed unexpectedly');
      if (!response.headersSent) send(response, 500, 'json', rpcStatusJson(GrpcStatus.INTERNAL, 'internal error'), {});
    } finally {
      if (this.#closing) response.once('finish', () => this.#server.closeIdleConnections());
    }
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0];
    const format = bodyFormatOf(request.headers['content-type']);
    if (path !== TRACES_PATH) {
      return this.#reject(response, format ?? 'json', notFound(`no handler for path ${JSON.stringify(path)}, send traces to ${TRACES_PATH}`, 404));
    }
    if (request.method !== 'POST') {
      return this.#reject(response, format ?? 'json', {
        ...notFound(`method ${String(request.method)} is not allowed on ${TRACES_PATH}, use POST`, 405),
        headers: { Allow: 'POST' },
      });
    }
    if (format === undefined) {
      const contentType = request.headers['content-type'] ?? '(none)';
      return this.#reject(response, 'json', unsupported(`unsupported content type ${JSON.stringify(contentType)}, use application/x-protobuf or application/json`));
    }
    const encoding = (request.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip') {
      return this.#reject(response, format, unsupported(`unsupported content encoding ${JSON.stringify(encoding)}, use gzip or none`));
    }

    const body = await readRequestBody(request, this.#limits, encoding === 'gzip');
    switch (body.kind) {
      case 'aborted':
        return;
      case 'too_large':
        return this.#reject(response, format, { httpStatus: 413, grpcCode: GrpcStatus.RESOURCE_EXHAUSTED, reason: 'too_large', message: body.message, headers: { Connection: 'close' } });
      case 'invalid_gzip':
        return this.#reject(response, format, malformed(body.message));
      case 'complete':
        return this.#export(response, format, body.body);
    }
  }

  async #export(response: ServerResponse, format: BodyFormat, body: Buffer): Promise<void> {
    let decoded: DecodedRequest;
    try {
      // NOTE: a JSON body is parsed and decoded in one piece. Only protobuf decoding yields between steps.
      decoded = format === 'json' ? decodeJsonRequest(body.toString('utf8')) : await this.#decodeQueue.decode(body, closedEarly(response));
    } catch (error) {
      if (error instanceof RequestCancelledError) {
        this.#handler.reject('http', 'cancelled', error.message);
        return;
      }
      if (!(error instanceof MalformedRequestError)) throw error;
      return this.#reject(response, format, malformed(error.message));
    }

    const outcome: ExportOutcome = this.#handler.export('http', decoded, body.length);
    if (outcome.kind === 'back_pressure') {
      const headers = { 'Retry-After': String(RETRY_AFTER_SECONDS) };
      return sendStatus(response, format, { httpStatus: 503, grpcCode: GrpcStatus.UNAVAILABLE, reason: 'back_pressure', message: outcome.message, headers });
    }
    const payload = format === 'json' ? exportResponseJson(outcome) : encodeExportResponse(outcome);
    send(response, 200, format, payload, {});
  }

  #reject(response: ServerResponse, format: BodyFormat, rejection: Rejection): void {
    this.#handler.reject('http', rejection.reason, rejection.message);
    sendStatus(response, format, rejection);
  }
}

/** Returns a signal that aborts when the connection closes before the response was sent. */
function closedEarly(response: ServerResponse): AbortSignal {
  const closed = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) closed.abort();
  });
  return closed.signal;
}

/** Reads the body format from `Content-Type`, ignoring parameters such as `charset`. */
function bodyFormatOf(contentType: string | undefined): BodyFormat | undefined {
  const mediaType = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType === CONTENT_TYPES.protobuf) return 'protobuf';
  if (mediaType === CONTENT_TYPES.json) return 'json';
  return undefined;
}

function notFound(message: string, httpStatus: 404 | 405): Rejection {
  return { httpStatus, grpcCode: GrpcStatus.UNIMPLEMENTED, reason: 'not_found', message };
}

function unsupported(message: string): Rejection {
  return { httpStatus: 415, grpcCode: GrpcStatus.INVALID_ARGUMENT, reason: 'unsupported_media_type', message };
}

function malformed(message: string): Rejection {
  return { httpStatus: 400, grpcCode: GrpcStatus.INVALID_ARGUMENT, reason: 'malformed', message };
}

function sendStatus(response: ServerResponse, format: BodyFormat, rejection: Rejection): void {
  const payload = format === 'json' ? rpcStatusJson(rejection.grpcCode, rejection.message) : encodeRpcStatus(rejection.grpcCode, rejection.message);
  send(response, rejection.httpStatus, format, payload, rejection.headers ?? {});
}

function send(response: ServerResponse, httpStatus: number, format: BodyFormat, payload: string | Uint8Array, headers: Record<string, string>): void {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  response.writeHead(httpStatus, { ...headers, 'Content-Type': CONTENT_TYPES[format], 'Content-Length': String(body.length) });
  response.end(body);
}
