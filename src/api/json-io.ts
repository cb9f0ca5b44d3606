import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';

/** Request bodies above this are rejected with 413; the API's bodies are small JSON objects. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Serializes `body` as JSON, writing bigint counters as decimal strings. It tries without a
 * replacer first, because a replacer function runs for every value and makes large bodies
 * several times slower, and JSON.stringify throws a TypeError on the first bigint.
 */
export function toJson(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  }
}

export function sendJson(response: ServerResponse, statusCode: number, body: unknown, headers: Record<string, string> = {}): void {
  // Encoded once, so the length and the write do not each convert the string.
  const bytes = Buffer.from(toJson(body), 'utf8');
  response.writeHead(statusCode, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': bytes.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(bytes);
}

/**
 * Reads a JSON object body. An empty body reads as `{}`. Throws ApiError 413 past
 * `MAX_BODY_BYTES`, 415 for a content type other than JSON, and 400 for invalid JSON or a
 * body that is not an object.
 */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  const declaredBytes = Number(request.headers['content-length'] ?? 0);
  if (declaredBytes > MAX_BODY_BYTES) throw new ApiError(413, `request body is ${declaredBytes} bytes; the maximum is ${MAX_BODY_BYTES}`);

  const chunks: Buffer[] = [];
  let receivedBytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    receivedBytes += chunk.length;
    if (receivedBytes > MAX_BODY_BYTES) throw new ApiError(413, `request body exceeds the maximum of ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};

  const contentType = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new ApiError(415, `request body must be application/json, got content type ${JSON.stringify(contentType)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'request body must be a JSON object');
  return body as Record<string, unknown>;
}
