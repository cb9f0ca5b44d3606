import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { gunzipSync } from 'node:zlib';
import { Metadata, Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { pino } from 'pino';
import { parseExporterConfig } from '../../src/exporter/config.js';
import { createExporter } from '../../src/exporter/create-exporter.js';
import { encodeExportRequest } from '../../src/exporter/otlp-span-encoder.js';
import type { ExportBatch, OtlpExporter } from '../../src/exporter/otlp-exporter.js';
import type { SpanRecord } from '../../src/model/span.js';
import { EXPORT_METHOD_PATH } from '../../src/receiver/grpc-server.js';
import { decodeProtobufRequest } from '../../src/receiver/otlp-protobuf-decoder.js';
import { span } from '../support/span-builder.js';

/**
 * Test doubles for a tracing backend: scripted OTLP/HTTP and OTLP/gRPC servers on 127.0.0.1
 * whose responses a test chooses, and helpers that build exporters and batches.
 */

export const silentLogger = pino({ level: 'silent' });

/** Builds an exporter from a config section, as the service does. */
export function exporterFor(id: string, settings: Record<string, unknown>): OtlpExporter {
  return createExporter(parseExporterConfig(id, settings), silentLogger);
}

/** Builds `count` spans of one trace with distinct span ids; `first` offsets the ids. */
export function testSpans(count: number, first = 1, traceId = '4bf92f3577b34da6a3ce929d0e0e4736'): SpanRecord[] {
  return Array.from({ length: count }, (_, index) =>
    span({ traceId, spanId: (first + index).toString(16).padStart(16, '0'), service: 'checkout', attributes: { index: first + index } }),
  );
}

export function batchOf(spans: SpanRecord[]): ExportBatch {
  return { body: encodeExportRequest({ spans, addedAttributes: [] }), spanCount: spans.length };
}

/** Returns a loopback port that was free a moment ago, for a backend a test starts later. */
export function reservePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `predicate` holds, checking on every event-loop turn, for at most `limitMs` of
 * real time. It uses `setImmediate` and `performance.now`, which the tests leave unfaked.
 */
export async function until(predicate: () => boolean, limitMs = 5000): Promise<void> {
  const startedAt = performance.now();
  while (!predicate()) {
    if (performance.now() - startedAt > limitMs) throw new Error(`condition not met within ${limitMs} ms of real time`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Lets pending I/O callbacks run for a few event-loop turns. */
export async function settle(turns = 50): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface ReceivedRequest {
  headers: IncomingHttpHeaders | Record<string, string>;
  spans: SpanRecord[];
  /** `Date.now()` when it arrived; fake timers make it exact. */
  atMs: number;
}

/** What a scripted server does with one request: respond, or hold it until the test releases it. */
export type ScriptedHttpResponse = { status: number; headers?: Record<string, string>; body?: Uint8Array } | 'hold';

export interface ScriptedHttpServer {
  url: string;
  requests: ReceivedRequest[];
  /** Responds to every held request with 200. */
  releaseHeld(): void;
  close(): Promise<void>;
}

/** A server key and certificate in PEM. */
export interface ServerTls {
  key: Buffer;
  cert: Buffer;
}

/** Starts an OTLP/HTTP server, or HTTPS with `tls`, whose n-th response is `script(n)`, counting from 0. */
export async function startScriptedHttpServer(script: (index: number) => ScriptedHttpResponse, tls?: ServerTls): Promise<ScriptedHttpServer> {
  const requests: ReceivedRequest[] = [];
  const held: (() => void)[] = [];
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const action = script(requests.length);
      requests.push({ headers: request.headers, spans: decodeProtobufRequest(body).spans, atMs: Date.now() });
      if (action === 'hold') {
        held.push(() => response.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end());
        return;
      }
      response.writeHead(action.status, { 'Content-Type': 'application/x-protobuf', ...action.headers }).end(action.body);
    });
  };
  const server: HttpServer = tls === undefined ? createHttpServer(handle) : createHttpsServer(tls, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    requests,
    releaseHeld: () => {
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The response of a scripted gRPC server: OK with response bytes, or a status with trailers. */
export type ScriptedGrpcResponse = { code: GrpcStatus.OK; body?: Uint8Array } | { code: GrpcStatus; details: string; trailers?: Record<string, string | Buffer> };

export interface ScriptedGrpcServer {
  address: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

const passThrough = (bytes: Buffer): Buffer => bytes;

const exportDefinition: ServiceDefinition = {
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

/** Starts an OTLP/gRPC server, with TLS when `tls` is given, whose n-th response is `script(n)`, counting from 0. */
export async function startScriptedGrpcServer(script: (index: number) => ScriptedGrpcResponse, tls?: ServerTls): Promise<ScriptedGrpcServer> {
  const requests: ReceivedRequest[] = [];
  const server = new Server();
  server.addService(exportDefinition, {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const action = script(requests.length);
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(call.metadata.getMap())) headers[key] = String(value);
      requests.push({ headers, spans: decodeProtobufRequest(call.request).spans, atMs: Date.now() });
      if (action.code === GrpcStatus.OK) {
        callback(null, Buffer.from('body' in action && action.body !== undefined ? action.body : new Uint8Array()));
        return;
      }
      const metadata = new Metadata();
      const trailers = 'trailers' in action ? action.trailers : undefined;
      for (const [key, value] of Object.entries(trailers ?? {})) metadata.set(key, value);
      callback({ code: action.code, details: 'details' in action ? action.details : '', metadata });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    const credentials = tls === undefined ? ServerCredentials.createInsecure() : ServerCredentials.createSsl(null, [{ private_key: tls.key, cert_chain: tls.cert }]);
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error === null ? resolve(bound) : reject(error)));
  });
  return { address: `127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

/** Serializes a `google.rpc.Status` whose details hold one RetryInfo with the given delay. */
export function statusWithRetryInfo(seconds: number, nanos: number): Buffer {
  const duration = protobuf.Writer.create().uint32(8).int64(seconds).uint32(16).int32(nanos).finish();
  const retryInfo = protobuf.Writer.create().uint32(10).bytes(duration).finish();
  const any = protobuf.Writer.create().uint32(10).string('type.googleapis.com/google.rpc.RetryInfo').uint32(18).bytes(retryInfo).finish();
  return Buffer.from(protobuf.Writer.create().uint32(8).int32(8).uint32(18).string('slow down').uint32(26).bytes(any).finish());
}

/**
 * Creates a self-signed certificate for 127.0.0.1 and localhost with the openssl command, in a
 * temporary folder. Returns the key and certificate, and the certificate's path for `ca_file`.
 */
export function createSelfSignedCertificate(): ServerTls & { certPath: string } {
  const folder = mkdtempSync(join(tmpdir(), 'faultline-exporter-tls-'));
  const keyPath = join(folder, 'key.pem');
  const certPath = join(folder, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), certPath };
}
