import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import protobuf from 'protobufjs';
import { tracesUrlOf, type OtlpHttpSettings } from './config.js';
import type { ExportTransport } from './export-transport.js';
import { classifyHttpFailure, successOf, type SendResult } from './send-result.js';

const gzipAsync = promisify(gzip);

/** Largest response body read; a longer one is cut, because only `partial_success` or an error message matters. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Maximum length of an error message kept from a response body. */
const MAX_MESSAGE_CHARS = 256;

/** Sends OTLP/HTTP protobuf requests (`POST <traces URL>`, `application/x-protobuf`) over kept-alive connections. */
export class HttpTransport implements ExportTransport {
  readonly endpoint: string;
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #gzip: boolean;
  readonly #agent: HttpAgent;

  constructor(settings: OtlpHttpSettings) {
    this.#url = new URL(tracesUrlOf(settings));
    this.endpoint = withoutCredentials(this.#url);
    this.#headers = settings.headers;
    this.#timeoutMs = settings.timeout;
    this.#gzip = settings.compression === 'gzip';
    const { tls } = settings;
    this.#agent =
      this.#url.protocol === 'https:'
        ? new HttpsAgent({
            keepAlive: true,
            ca: tls.ca_file === undefined ? undefined : readFileSync(tls.ca_file),
            cert: tls.cert_file === undefined ? undefined : readFileSync(tls.cert_file),
            key: tls.key_file === undefined ? undefined : readFileSync(tls.key_file),
          })
        : new HttpAgent({ keepAlive: true });
  }

  async send(body: Uint8Array, signal: AbortSignal): Promise<SendResult> {
    if (signal.aborted) return { kind: 'retryable', reason: 'export cancelled', retryAfterMs: undefined };

    const payload = this.#gzip ? await gzipAsync(body) : body;
    const headers: Record<string, string> = {
      ...this.#headers,
      'Content-Type': 'application/x-protobuf',
      'Content-Length': String(payload.byteLength),
    };
    if (this.#gzip) headers['Content-Encoding'] = 'gzip';
    return this.#post(payload, headers, signal);
  }

  close(): void {
    this.#agent.destroy();
  }

  #post(payload: Uint8Array, headers: Record<string, string>, signal: AbortSignal): Promise<SendResult> {
    const send = this.#url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: SendResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const request = send(this.#url, { method: 'POST', headers, agent: this.#agent, signal }, (response) => {
        readBody(response)
          .then((responseBody) => finish(resultOf(response, responseBody)))
          .catch((error: unknown) => finish(networkFailure(error)));
      });
      const timer = setTimeout(() => {
        finish({ kind: 'retryable', reason: `request timed out after ${this.#timeoutMs} ms`, retryAfterMs: undefined });
        request.destroy();
      }, this.#timeoutMs);
      const onAbort = (): void => finish({ kind: 'retryable', reason: 'export cancelled', retryAfterMs: undefined });
      signal.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) => finish(networkFailure(error)));
      request.end(payload);
    });
  }
}

/** Returns the URL as text with any user name and password removed, because it appears in logs and the status. */
function withoutCredentials(url: URL): string {
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  return shown.href;
}

function readBody(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    response.on('data', (chunk: Buffer) => {
      if (length >= MAX_RESPONSE_BYTES) return;
      chunks.push(chunk);
      length += chunk.length;
    });
    response.on('end', () => resolve(Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES)));
    response.on('error', reject);
  });
}

function resultOf(response: IncomingMessage, body: Buffer): SendResult {
  const statusCode = response.statusCode ?? 0;
  if (statusCode >= 200 && statusCode < 300) return successOf(body);
  const retryAfter = response.headers['retry-after'];
  return classifyHttpFailure(statusCode, errorMessageOf(response, body), retryAfter, Date.now());
}

/**
 * Reads the message of an error response: a `google.rpc.Status` for protobuf bodies, as
 * OTLP/HTTP servers send, otherwise the start of the text.
 */
function errorMessageOf(response: IncomingMessage, body: Buffer): string {
  if (body.length === 0) return '';
  const contentType = response.headers['content-type'] ?? '';
  if (!contentType.startsWith('application/x-protobuf')) return body.toString('utf8', 0, MAX_MESSAGE_CHARS).trim();
  try {
    const reader = protobuf.Reader.create(body);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      // google.rpc.Status { int32 code = 1; string message = 2; ... }
      if (tag === ((2 << 3) | 2)) return reader.string().slice(0, MAX_MESSAGE_CHARS);
      reader.skipType(tag & 7);
    }
  } catch {
    return 'response body is not a google.rpc.Status';
  }
  return '';
}

/** Maps a connection failure (refused, reset, DNS) to a retryable result, because it may heal. */
function networkFailure(error: unknown): SendResult {
  const reason = error instanceof Error ? error.message : String(error);
  return { kind: 'retryable', reason, retryAfterMs: undefined };
}
