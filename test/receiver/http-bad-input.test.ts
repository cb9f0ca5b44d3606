import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestRejectReason } from '../../src/receiver/receiver-metrics.js';
import { startReceiver, type ReceiverHarness } from '../support/otlp-receiver-harness.js';
import {
  SPAN_ID,
  TRACE_ID,
  encodeProtobufRequest,
  jsonRequest,
  postJson,
  postProtobuf,
  protobufRequest,
  sendHttp,
  type HttpResult,
} from '../support/otlp-test-requests.js';

const MIB = 1024 * 1024;
const MAX_BODY_BYTES = 2 * MIB;
const MAX_DECOMPRESSED_BYTES = 4 * MIB;

/** Nests `depth` kvlist values around a string, in OTLP/JSON form. */
function nestedJsonValue(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { stringValue: 'leaf' };
  for (let level = 0; level < depth; level += 1) value = { kvlistValue: { values: [{ key: `level${level}`, value }] } };
  return value;
}

/** Writes a request whose attribute nests `depth` arrays as text, because JSON.stringify would overflow the stack. */
function deeplyNestedJsonText(depth: number): string {
  const open = '{"arrayValue":{"values":['.repeat(depth);
  const close = ']}}'.repeat(depth);
  const span = `{"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}","attributes":[{"key":"deep","value":${open}{"stringValue":"leaf"}${close}}]}`;
  return `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}`;
}

/** Nests `depth` array values around a string, in protobufjs object form. */
function nestedProtobufValue(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { stringValue: 'leaf' };
  for (let level = 0; level < depth; level += 1) value = { arrayValue: { values: [value] } };
  return value;
}

function protobufWithAttribute(value: Record<string, unknown>): Buffer {
  return encodeProtobufRequest({
    resourceSpans: [
      { scopeSpans: [{ spans: [{ traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.from(SPAN_ID, 'hex'), name: 'deep', attributes: [{ key: 'deep', value }] }] }] },
    ],
  });
}

/** Encodes a request whose span sends `trace_id` (a bytes field) as a varint. */
function wrongWireTypeRequest(): Buffer {
  const span = protobuf.Writer.create().uint32((1 << 3) | 0).uint32(5).finish();
  const scopeSpans = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(span).finish();
  const resourceSpans = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(scopeSpans).finish();
  return Buffer.from(protobuf.Writer.create().uint32((1 << 3) | 2).bytes(resourceSpans).finish());
}

/** gzip members of 1 MiB of zeros each, concatenated: a valid gzip stream that inflates to `mib` MiB. */
function gzipBomb(mib: number): Buffer {
  const member = gzipSync(Buffer.alloc(MIB));
  return Buffer.concat(Array.from({ length: mib }, () => member));
}

interface BadInputCase {
  name: string;
  send: (url: string) => Promise<HttpResult>;
  status: number;
  /** Counter of rejected requests the case must raise; absent when the request is accepted. */
  rejectedAs?: RequestRejectReason;
  /** Text the response body must contain. */
  bodyIncludes?: string;
  /** Spans the sink must receive. */
  spans?: number;
}

const cases: BadInputCase[] = [
  {
    name: 'truncated protobuf',
    send: (url) => postProtobuf(url, protobufRequest().subarray(0, -5)),
    status: 400,
    rejectedAs: 'malformed',
    bodyIncludes: 'invalid protobuf request',
  },
  {
    name: 'protobuf field of wrong wire type',
    send: (url) => postProtobuf(url, wrongWireTypeRequest()),
    status: 400,
    rejectedAs: 'malformed',
    bodyIncludes: 'Span.trace_id (1) has wire type 0, expected 2',
  },
  {
    name: 'protobuf with unknown fields',
    send: (url) => postProtobuf(url, Buffer.concat([protobufRequest(), Buffer.from(protobuf.Writer.create().uint32((99 << 3) | 0).uint32(7).finish())])),
    status: 200,
    spans: 1,
  },
  { name: 'empty protobuf request', send: (url) => postProtobuf(url, Buffer.alloc(0)), status: 200, spans: 0 },
  { name: 'empty JSON request object', send: (url) => postJson(url, {}), status: 200, spans: 0 },
  { name: 'empty JSON body', send: (url) => postJson(url, ''), status: 400, rejectedAs: 'malformed', bodyIncludes: 'not valid JSON' },
  { name: 'JSON array at top level', send: (url) => postJson(url, [jsonRequest([{}])]), status: 400, rejectedAs: 'malformed', bodyIncludes: 'must be a JSON object' },
  {
    name: 'JSON field of wrong type',
    send: (url) => postJson(url, jsonRequest([{ name: 7 }])),
    status: 400,
    rejectedAs: 'malformed',
    bodyIncludes: 'resourceSpans[0].scopeSpans[0].spans[0]: name must be a string',
  },
  {
    name: 'JSON trace id of wrong length',
    send: (url) => postJson(url, jsonRequest([{ traceId: 'abcd' }, { name: 'good' }])),
    status: 200,
    bodyIncludes: '"rejectedSpans":"1"',
    spans: 1,
  },
  {
    name: 'JSON span id not hex',
    send: (url) => postJson(url, jsonRequest([{ spanId: 'zz00000000000001' }])),
    status: 200,
    bodyIncludes: 'span_id must be hex',
    spans: 0,
  },
  {
    name: 'JSON enum names',
    send: (url) => postJson(url, jsonRequest([{ kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_ERROR' } }])),
    status: 200,
    spans: 1,
  },
  {
    name: 'JSON unknown fields',
    send: (url) => postJson(url, { ...jsonRequest([{ futureField: { a: 1 } }]), somethingNew: true }),
    status: 200,
    spans: 1,
  },
  {
    name: 'body over the size limit',
    send: (url) => postProtobuf(url, Buffer.alloc(MAX_BODY_BYTES + 1)),
    status: 413,
    rejectedAs: 'too_large',
    bodyIncludes: 'exceeds the limit',
  },
  {
    name: 'chunked body over the size limit',
    send: (url) => postProtobuf(url, Buffer.alloc(MAX_BODY_BYTES + MIB), { 'Transfer-Encoding': 'chunked' }),
    status: 413,
    rejectedAs: 'too_large',
  },
  {
    name: 'gzip bomb',
    send: (url) => postProtobuf(url, gzipBomb(1024), { 'Content-Encoding': 'gzip' }),
    status: 413,
    rejectedAs: 'too_large',
    bodyIncludes: 'decompressed request body exceeds',
  },
  {
    name: 'gzip JSON within limits',
    send: (url) =>
      sendHttp(url, { headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: gzipSync(JSON.stringify(jsonRequest([{}]))) }),
    status: 200,
    spans: 1,
  },
  { name: 'invalid gzip', send: (url) => postProtobuf(url, Buffer.from('not gzip at all'), { 'Content-Encoding': 'gzip' }), status: 400, rejectedAs: 'malformed', bodyIncludes: 'invalid gzip' },
  { name: 'unsupported content encoding', send: (url) => postProtobuf(url, protobufRequest(), { 'Content-Encoding': 'br' }), status: 415, rejectedAs: 'unsupported_media_type' },
  {
    name: 'wrong content type',
    send: (url) => sendHttp(url, { headers: { 'Content-Type': 'text/plain' }, body: 'hello' }),
    status: 415,
    rejectedAs: 'unsupported_media_type',
    bodyIncludes: 'unsupported content type',
  },
  { name: 'JSON with charset', send: (url) => postJson(url, jsonRequest([{}]), { 'Content-Type': 'application/json; charset=utf-8' }), status: 200, spans: 1 },
  {
    name: 'deeply nested JSON attribute',
    send: (url) => postJson(url, jsonRequest([{ attributes: [{ key: 'deep', value: nestedJsonValue(40) }] }])),
    status: 400,
    rejectedAs: 'malformed',
    bodyIncludes: 'nested deeper than 32 levels',
  },
  {
    name: 'very deeply nested JSON attribute',
    send: (url) => postJson(url, deeplyNestedJsonText(20_000)),
    status: 400,
    rejectedAs: 'malformed',
  },
  {
    name: 'deeply nested protobuf attribute',
    send: (url) => postProtobuf(url, protobufWithAttribute(nestedProtobufValue(40))),
    status: 400,
    rejectedAs: 'malformed',
    bodyIncludes: 'nested deeper than',
  },
  { name: 'nested attribute within the depth limit', send: (url) => postJson(url, jsonRequest([{ attributes: [{ key: 'deep', value: nestedJsonValue(30) }] }])), status: 200, spans: 1 },
  {
    name: 'huge attribute value within the limit',
    send: (url) => postJson(url, jsonRequest([{ attributes: [{ key: 'huge', value: { stringValue: 'x'.repeat(MAX_BODY_BYTES - 4096) } }] }])),
    status: 200,
    spans: 1,
  },
  { name: 'other path', send: (url) => postJson(url.replace('/v1/traces', '/v1/metrics'), {}), status: 404, rejectedAs: 'not_found' },
  { name: 'other method', send: (url) => sendHttp(url, { method: 'GET' }), status: 405, rejectedAs: 'not_found' },
];

describe('OtlpHttpServer bad input', () => {
  let harness: ReceiverHarness;

  beforeAll(async () => {
    harness = await startReceiver({ http: { max_request_body_size: MAX_BODY_BYTES, max_decompressed_size: MAX_DECOMPRESSED_BYTES } });
  });

  afterAll(async () => {
    await harness.receiver.shutdown();
  });

  beforeEach(() => {
    harness.sink.spans.length = 0;
  });

  it.each(cases)('answers $status to $name and keeps serving', async (testCase) => {
    const rejectedBefore = harness.metrics.snapshot().http.rejectedRequests;

    const result = await testCase.send(harness.httpUrl);

    expect(result.status).toBe(testCase.status);
    if (testCase.bodyIncludes !== undefined) expect(result.body.toString('latin1')).toContain(testCase.bodyIncludes);
    if (testCase.spans !== undefined) expect(harness.sink.spans).toHaveLength(testCase.spans);
    if (testCase.rejectedAs !== undefined) {
      expect(harness.metrics.snapshot().http.rejectedRequests[testCase.rejectedAs]).toBe(rejectedBefore[testCase.rejectedAs] + 1);
    }
    const followUp = await postProtobuf(harness.httpUrl, protobufRequest('after'));
    expect(followUp.status).toBe(200);
    expect(harness.sink.spans.at(-1)?.name).toBe('after');
  });

  it('inflates a gzip bomb only up to the limit', async () => {
    const bomb = gzipBomb(1024);
    const arrayBuffersBefore = process.memoryUsage().arrayBuffers;

    const result = await postProtobuf(harness.httpUrl, bomb, { 'Content-Encoding': 'gzip' });

    expect(result.status).toBe(413);
    expect(process.memoryUsage().arrayBuffers - arrayBuffersBefore).toBeLessThan(256 * MIB);
  });
});
