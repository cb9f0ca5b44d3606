import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';

/** Limits on one HTTP request body, in bytes. */
export interface BodyLimits {
  /** Largest body as sent, before decompression. */
  maxBodyBytes: number;
  /** Largest body after gzip decompression. */
  maxDecompressedBytes: number;
}

/**
 * The outcome of reading a body.
 * - `complete`: the whole body, decompressed.
 * - `too_large`: a limit was passed; reading stopped there (respond 413).
 * - `invalid_gzip`: the body is not valid gzip (respond 400).
 * - `aborted`: the client went away; nothing can be answered.
 */
export type BodyResult =
  | { kind: 'complete'; body: Buffer }
  | { kind: 'too_large'; message: string }
  | { kind: 'invalid_gzip'; message: string }
  | { kind: 'aborted' };

/**
 * Reads a request body, inflating it on the fly when `gzip` is set. Each limit is checked as
 * bytes arrive, so neither an oversize body nor a gzip bomb is held in memory beyond its limit
 * plus one chunk. On `too_large` the request stream is left paused; the caller responds and
 * closes the connection.
 */
export function readRequestBody(request: IncomingMessage, limits: BodyLimits, gzip: boolean): Promise<BodyResult> {
  const declaredLength = Number(request.headers['content-length'] ?? Number.NaN);
  if (declaredLength > limits.maxBodyBytes) {
    request.pause();
    return Promise.resolve(tooLarge(`request body of ${declaredLength} bytes exceeds the limit of ${limits.maxBodyBytes} bytes`));
  }
  return gzip ? readGzipBody(request, limits) : readPlainBody(request, limits);
}

function tooLarge(message: string): BodyResult {
  return { kind: 'too_large', message };
}

function bodyLimitMessage(limits: BodyLimits): string {
  return `request body exceeds the limit of ${limits.maxBodyBytes} bytes`;
}

function readPlainBody(request: IncomingMessage, limits: BodyLimits): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;

    const onData = (chunk: Buffer): void => {
      receivedBytes += chunk.length;
      if (receivedBytes > limits.maxBodyBytes) {
        detach();
        request.pause();
        resolve(tooLarge(bodyLimitMessage(limits)));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      detach();
      resolve({ kind: 'complete', body: Buffer.concat(chunks, receivedBytes) });
    };
    const onAbort = (): void => {
      if (request.complete) return;
      detach();
      resolve({ kind: 'aborted' });
    };
    const detach = (): void => {
      request.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
    };

    request.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}

function readGzipBody(request: IncomingMessage, limits: BodyLimits): Promise<BodyResult> {
  return new Promise((resolve) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    let inflatedBytes = 0;
    let settled = false;

    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      request.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      if (result.kind !== 'complete') {
        request.pause();
        gunzip.destroy();
      }
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      receivedBytes += chunk.length;
      if (receivedBytes > limits.maxBodyBytes) {
        settle(tooLarge(bodyLimitMessage(limits)));
        return;
      }
      if (!gunzip.write(chunk)) {
        request.pause();
        gunzip.once('drain', () => request.resume());
      }
    };
    const onEnd = (): void => {
      gunzip.end();
    };
    const onAbort = (): void => {
      if (request.complete) return;
      settle({ kind: 'aborted' });
    };

    gunzip.on('data', (chunk: Buffer) => {
      inflatedBytes += chunk.length;
      if (inflatedBytes > limits.maxDecompressedBytes) {
        settle(tooLarge(`decompressed request body exceeds the limit of ${limits.maxDecompressedBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    gunzip.on('end', () => settle({ kind: 'complete', body: Buffer.concat(chunks, inflatedBytes) }));
    gunzip.on('error', (error) => settle({ kind: 'invalid_gzip', message: `invalid gzip body: ${error.message}` }));
    request.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}
