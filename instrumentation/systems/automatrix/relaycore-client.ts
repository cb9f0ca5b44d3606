import http from 'node:http';
import { RelayCoreError } from './automatrix-errors.js';

/**
 * AutoMatrix's client of RelayCore's `POST /v1/route`. It uses `node:http`, which the
 * OpenTelemetry HTTP instrumentation traces as a client span and propagates the trace context
 * through. The default import is deliberate: under the ES-module loader hook the instrumentation
 * patched `http.request` but not a named `request` binding (instrumentation-http 0.223, Node 20),
 * so a named import sent requests without a client span or `traceparent`. With `sendMalformedRequests` on (the `client_bug` fault) it sends the prompt under a
 * wrong field name, which RelayCore rejects with 400.
 */

export interface RouteResult {
  provider: string;
  output: string;
}

export class RelayCoreClient {
  /** True while the `client_bug` fault is on. */
  sendMalformedRequests = false;
  readonly #routeUrl: URL;

  constructor(baseUrl: string) {
    this.#routeUrl = new URL('/v1/route', baseUrl);
  }

  /** Routes one prompt; rejects with RelayCoreError on an error status or a failed connection, or with the signal's reason when aborted. */
  route(model: string, prompt: string, signal: AbortSignal): Promise<RouteResult> {
    const body = JSON.stringify(this.sendMalformedRequests ? { model, input: prompt } : { model, prompt });
    return new Promise((resolve, reject) => {
      const outgoing = http.request(
        this.#routeUrl,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, signal },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const statusCode = incoming.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            if (statusCode !== 200) reject(new RelayCoreError(`relaycore responded ${statusCode}: ${errorMessageOf(text)}`, statusCode));
            else resolveParsed(text, resolve, reject);
          });
        },
      );
      outgoing.on('error', (error) => {
        if (signal.aborted) reject(signal.reason as Error);
        else reject(new RelayCoreError(`relaycore request failed: ${error.message}`, 0, { cause: error }));
      });
      outgoing.end(body);
    });
  }
}

function resolveParsed(text: string, resolve: (result: RouteResult) => void, reject: (error: Error) => void): void {
  let parsed: { provider?: unknown; output?: unknown };
  try {
    parsed = JSON.parse(text) as { provider?: unknown; output?: unknown };
  } catch (error) {
    reject(new RelayCoreError('relaycore responded 200 with a body that is not JSON', 200, { cause: error }));
    return;
  }
  resolve({ provider: String(parsed.provider), output: String(parsed.output) });
}

/** Returns the `error` field of a JSON error body, or the start of the raw body when it is not JSON. */
function errorMessageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    return text.slice(0, 200);
  }
  return text.slice(0, 200);
}
