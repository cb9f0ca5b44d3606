import { request as httpRequest } from 'node:http';
import { otlpProtoTypes } from '../../src/receiver/otlp-proto-types.js';

/** A valid trace id and span ids, as hex. */
export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const SPAN_ID = '00f067aa0ba902b7';
export const PARENT_SPAN_ID = '53995c3f42cd8ad8';

export interface JsonSpanFields {
  traceId?: unknown;
  spanId?: unknown;
  name?: unknown;
  [key: string]: unknown;
}

/** Builds an OTLP/JSON request of one resource with the given spans; missing ids get valid defaults. */
export function jsonRequest(spans: JsonSpanFields[], serviceName = 'checkout'): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeSpans: [{ scope: { name: 'test-scope' }, spans: spans.map((span) => ({ traceId: TRACE_ID, spanId: SPAN_ID, name: 'op', ...span })) }],
      },
    ],
  };
}

/** Encodes an `ExportTraceServiceRequest` given in protobufjs object form (ids as bytes). */
export function encodeProtobufRequest(request: Record<string, unknown>): Buffer {
  return Buffer.from(otlpProtoTypes().exportRequest.encode(otlpProtoTypes().exportRequest.fromObject(request)).finish());
}

/** Encodes a protobuf request of one valid span named `name`. */
export function protobufRequest(name = 'op'): Buffer {
  return encodeProtobufRequest({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeSpans: [{ spans: [{ traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.from(SPAN_ID, 'hex'), name, startTimeUnixNano: '1000', endTimeUnixNano: '2000' }] }],
      },
    ],
  });
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Sends a request and resolves with the response, even when the server responds before reading
 * the whole body and the upload then fails.
 */
export function sendHttp(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const client = httpRequest(url, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    client.on('error', (error) => {
      if (!answered) reject(error);
    });
    client.end(options.body);
  });
}

/** Posts a JSON body (an object is serialized) to the traces endpoint. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return sendHttp(url, { headers: { 'Content-Type': 'application/json', ...headers }, body: text });
}

/** Posts a protobuf body to the traces endpoint. */
export function postProtobuf(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<HttpResult> {
  return sendHttp(url, { headers: { 'Content-Type': 'application/x-protobuf', ...headers }, body });
}
