import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body the systems read; their requests are small JSON objects. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/** A request body that is too large or not a JSON object; the server responds 400 or 413. */
export class InvalidJsonBodyError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 413,
  ) {
    super(message);
    this.name = 'InvalidJsonBodyError';
  }
}

/** Reads a request body of at most `MAX_JSON_BODY_BYTES` and parses it as a JSON object. */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_JSON_BODY_BYTES) throw new InvalidJsonBodyError(`request body exceeds ${MAX_JSON_BODY_BYTES} bytes`, 413);
    chunks.push(buffer);
  }

  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text === '' ? '{}' : text);
  } catch {
    throw new InvalidJsonBodyError('request body is not valid JSON', 400);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidJsonBodyError('request body must be a JSON object', 400);
  }
  return parsed as Record<string, unknown>;
}

/** Sends `body` as JSON with the given status. */
export function sendJson(response: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Sends `{"error": message}` with the given status. */
export function sendError(response: ServerResponse, statusCode: number, message: string): void {
  sendJson(response, statusCode, { error: message });
}
