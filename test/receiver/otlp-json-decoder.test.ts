import { describe, expect, it } from 'vitest';
import { decodeJsonRequest } from '../../src/receiver/otlp-json-decoder.js';
import { MalformedRequestError } from '../../src/receiver/receiver-errors.js';
import { SPAN_ID, TRACE_ID, jsonRequest, type JsonSpanFields } from '../support/otlp-test-requests.js';

function decodeOne(span: JsonSpanFields) {
  const decoded = decodeJsonRequest(JSON.stringify(jsonRequest([span])));
  const [record] = decoded.spans;
  if (record === undefined) throw new Error(`span rejected: ${decoded.firstInvalidReason}`);
  return record;
}

function attributeOf(value: Record<string, unknown>): unknown {
  return decodeOne({ attributes: [{ key: 'a', value }] }).attributes['a'];
}

describe('decodeJsonRequest', () => {
  describe('attribute values', () => {
    it.each([
      { name: 'string', value: { stringValue: 'x' }, expected: 'x' },
      { name: 'bool', value: { boolValue: true }, expected: true },
      { name: 'int as string', value: { intValue: '-12' }, expected: -12 },
      { name: 'int as number', value: { intValue: 12 }, expected: 12 },
      { name: 'int beyond 2^53', value: { intValue: '9223372036854775807' }, expected: 9_223_372_036_854_775_807n },
      { name: 'double', value: { doubleValue: 1.5 }, expected: 1.5 },
      { name: 'double NaN', value: { doubleValue: 'NaN' }, expected: Number.NaN },
      { name: 'double Infinity', value: { doubleValue: '-Infinity' }, expected: Number.NEGATIVE_INFINITY },
      { name: 'bytes in base64', value: { bytesValue: 'AP8=' }, expected: new Uint8Array([0, 255]) },
      { name: 'array', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } }, expected: ['a', 2] },
      { name: 'kvlist', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } }, expected: { k: false } },
      { name: 'empty array', value: { arrayValue: {} }, expected: [] },
      { name: 'snake_case key', value: { string_value: 'snake' }, expected: 'snake' },
      { name: 'empty value', value: {}, expected: undefined },
    ])('reads $name', ({ value, expected }) => {
      expect(attributeOf(value)).toEqual(expected);
    });

    it('keeps a __proto__ key as an attribute', () => {
      const record = decodeOne({ attributes: [{ key: '__proto__', value: { stringValue: 'x' } }] });

      expect(Object.getPrototypeOf(record.attributes)).toBe(Object.prototype);
      expect(Object.keys(record.attributes)).toEqual(['__proto__']);
    });
  });

  describe('span fields', () => {
    it('reads snake_case keys and upper-case hex ids', () => {
      const record = decodeOne({
        traceId: undefined,
        spanId: undefined,
        trace_id: TRACE_ID.toUpperCase(),
        span_id: SPAN_ID.toUpperCase(),
        parent_span_id: 'AAAAAAAAAAAAAAAA',
        start_time_unix_nano: '1700000000000000001',
        end_time_unix_nano: 1_700_000_000_000,
      });

      expect(record.traceId).toBe(TRACE_ID);
      expect(record.spanId).toBe(SPAN_ID);
      expect(record.parentSpanId).toBe('aaaaaaaaaaaaaaaa');
      expect(record.startTimeUnixNano).toBe(1_700_000_000_000_000_001n);
      expect(record.endTimeUnixNano).toBe(1_700_000_000_000n);
    });

    it.each([
      { kind: 2, status: 2, expected: { kind: 'server', status: 'error' } },
      { kind: 'SPAN_KIND_CONSUMER', status: 'STATUS_CODE_OK', expected: { kind: 'consumer', status: 'ok' } },
      { kind: 99, status: 99, expected: { kind: 'unspecified', status: 'unset' } },
    ])('maps kind $kind and status $status', ({ kind, status, expected }) => {
      const record = decodeOne({ kind, status: { code: status } });

      expect(record.kind).toBe(expected.kind);
      expect(record.signals.status).toBe(expected.status);
    });

    it('treats null fields as absent', () => {
      const record = decodeOne({ parentSpanId: null, status: null, attributes: null, kind: null });

      expect(record.parentSpanId).toBe('');
      expect(record.signals.status).toBe('unset');
      expect(record.kind).toBe('unspecified');
    });
  });

  describe('invalid spans', () => {
    it.each([
      { name: 'empty trace id', span: { traceId: '' }, reason: 'trace_id must be 16 bytes, got 0 bytes' },
      { name: 'all-zero trace id', span: { traceId: '0'.repeat(32) }, reason: 'trace_id must not be all zero' },
      { name: 'short span id', span: { spanId: 'abcd' }, reason: 'span_id must be 8 bytes, got 2 bytes' },
      { name: 'non-hex span id', span: { spanId: 'g'.repeat(16) }, reason: 'span_id must be hex' },
      { name: 'odd-length parent id', span: { parentSpanId: 'abc' }, reason: 'parent_span_id must be 8 bytes, got 3 hex digits' },
      { name: 'invalid link', span: { links: [{ traceId: TRACE_ID, spanId: '' }] }, reason: 'link span_id must be 8 bytes' },
    ])('rejects a span with $name', ({ span, reason }) => {
      const decoded = decodeJsonRequest(JSON.stringify(jsonRequest([span, { name: 'valid' }])));

      expect(decoded.spans.map((record) => record.name)).toEqual(['valid']);
      expect(decoded.invalidSpans).toBe(1);
      expect(decoded.firstInvalidReason).toContain(reason);
    });
  });

  describe('malformed requests', () => {
    it.each([
      { name: 'a JSON string', text: '"text"', message: 'body must be a JSON object, got the string "text"' },
      { name: 'resourceSpans as an object', text: '{"resourceSpans":{}}', message: 'resourceSpans must be an array, got an object' },
      { name: 'a span as a number', text: '{"resourceSpans":[{"scopeSpans":[{"spans":[1]}]}]}', message: 'spans[0]: element must be an object, got number 1' },
      { name: 'an unknown kind name', text: JSON.stringify(jsonRequest([{ kind: 'SERVER' }])), message: 'kind must be one of SPAN_KIND_UNSPECIFIED' },
      { name: 'a fractional time', text: JSON.stringify(jsonRequest([{ startTimeUnixNano: 1.5 }])), message: 'startTimeUnixNano must be a non-negative integer' },
      { name: 'a negative time string', text: JSON.stringify(jsonRequest([{ endTimeUnixNano: '-1' }])), message: 'endTimeUnixNano must be' },
      { name: 'a trace id as a number', text: JSON.stringify(jsonRequest([{ traceId: 5 }])), message: 'traceId must be a string, got number 5' },
      { name: 'bytes not in base64', text: JSON.stringify(jsonRequest([{ attributes: [{ key: 'b', value: { bytesValue: '***' } }] }])), message: 'bytesValue must be a base64 string' },
      { name: 'an int of text', text: JSON.stringify(jsonRequest([{ attributes: [{ key: 'i', value: { intValue: '1e3' } }] }])), message: 'intValue must be an integer' },
    ])('rejects $name', ({ text, message }) => {
      expect(() => decodeJsonRequest(text)).toThrow(MalformedRequestError);
      expect(() => decodeJsonRequest(text)).toThrow(message);
    });
  });

  it('shares one resource identity across the spans of a ResourceSpans', () => {
    const decoded = decodeJsonRequest(JSON.stringify(jsonRequest([{ name: 'a' }, { name: 'b' }], 'billing')));

    expect(decoded.spans[0]?.resource.service).toBe('billing');
    expect(decoded.spans[0]?.resource).toBe(decoded.spans[1]?.resource);
  });
});
