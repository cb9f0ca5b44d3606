import { readFileSync } from 'node:fs';
import { Client, credentials, Metadata, status as GrpcStatus, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { EXPORT_METHOD_PATH, RETRY_PUSHBACK_HEADER } from '../receiver/grpc-server.js';
import type { OtlpGrpcSettings } from './config.js';
import type { ExportTransport } from './export-transport.js';
import { classifyGrpcFailure, parsePushbackMs, retryInfoDelayMs, successOf, type SendResult } from './send-result.js';

/** Trailer with a serialized `google.rpc.Status`, where a server puts RetryInfo. */
const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

/** grpc-js' number for gzip in `grpc.default_compression_algorithm` (its `CompressionAlgorithms` enum). */
const GZIP_ALGORITHM = 2;

const passThrough = (bytes: Buffer): Buffer => bytes;

function credentialsOf(tls: OtlpGrpcSettings['tls']): ChannelCredentials {
  if (tls.insecure) return credentials.createInsecure();
  const rootCerts = tls.ca_file === undefined ? null : readFileSync(tls.ca_file);
  const key = tls.key_file === undefined ? null : readFileSync(tls.key_file);
  const cert = tls.cert_file === undefined ? null : readFileSync(tls.cert_file);
  return credentials.createSsl(rootCerts, key, cert);
}

/** Sends OTLP/gRPC `TraceService/Export` calls over one channel, with the request kept as bytes. */
export class GrpcTransport implements ExportTransport {
  readonly endpoint: string;
  readonly #client: Client;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(settings: OtlpGrpcSettings) {
    this.endpoint = settings.endpoint;
    this.#headers = settings.headers;
    this.#timeoutMs = settings.timeout;
    const options = settings.compression === 'gzip' ? { 'grpc.default_compression_algorithm': GZIP_ALGORITHM } : {};
    this.#client = new Client(settings.endpoint, credentialsOf(settings.tls), options);
  }

  send(body: Uint8Array, signal: AbortSignal): Promise<SendResult> {
    if (signal.aborted) return Promise.resolve({ kind: 'retryable', reason: 'export cancelled', retryAfterMs: undefined });

    const metadata = new Metadata();
    for (const [name, value] of Object.entries(this.#headers)) metadata.set(name.toLowerCase(), value);
    return new Promise((resolve) => {
      const onAbort = (): void => call.cancel();
      const call = this.#client.makeUnaryRequest<Buffer, Buffer>(
        EXPORT_METHOD_PATH,
        passThrough,
        passThrough,
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        metadata,
        { deadline: Date.now() + this.#timeoutMs },
        (error, response) => {
          signal.removeEventListener('abort', onAbort);
          resolve(error === null ? successOf(response ?? Buffer.alloc(0)) : failureOf(error));
        },
      );
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.#client.close();
  }
}

function failureOf(error: ServiceError): SendResult {
  const details = error.metadata.get(STATUS_DETAILS_TRAILER)[0];
  const pushback = error.metadata.get(RETRY_PUSHBACK_HEADER)[0];
  return classifyGrpcFailure(
    error.code ?? GrpcStatus.UNKNOWN,
    error.details,
    retryInfoDelayMs(Buffer.isBuffer(details) ? details : undefined),
    parsePushbackMs(typeof pushback === 'string' ? pushback : undefined),
  );
}
