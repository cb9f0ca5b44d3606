import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeProtobufRequest } from '../../src/receiver/otlp-protobuf-decoder.js';
import { MalformedRequestError } from '../../src/receiver/receiver-errors.js';
import { SPAN_ID, TRACE_ID, encodeProtobufRequest } from '../support/otlp-test-requests.js';

const LEN = 2;
const VARINT = 0;

function field(fieldNumber: number, wireType: number): number {
  return (fieldNumber << 3) | wireType;
}

function message(write: (writer: protobuf.Writer) => protobuf.Writer): Uint8Array {
  return write(protobuf.Writer.create()).finish();
}

function validSpanBytes(name: string): Uint8Array {
  return message((writer) =>
    writer
      .uint32(field(1, LEN))
      .bytes(Buffer.from(TRACE_ID, 'hex'))
      .uint32(field(2, LEN))
      .bytes(Buffer.from(SPAN_ID, 'hex'))
      .uint32(field(5, LEN))
      .string(name),
  );
}

/** Wraps span bytes in ScopeSpans, ResourceSpans and the request, with extra ResourceSpans fields after. */
function requestBytes(span: Uint8Array, resourceSpansTail: Uint8Array = new Uint8Array()): Buffer {
  const scopeSpans = message((writer) => writer.uint32(field(2, LEN)).bytes(span));
  const resourceSpans = Buffer.concat([message((writer) => writer.uint32(field(2, LEN)).bytes(scopeSpans)), resourceSpansTail]);
  return Buffer.from(message((writer) => writer.uint32(field(1, LEN)).bytes(resourceSpans)));
}

function spanWithAttribute(value: Record<string, unknown>) {
  const request = encodeProtobufRequest({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.from(SPAN_ID, 'hex'), attributes: [{ key: 'a', value }] }] }] }],
  });
  return decodeProtobufRequest(request).spans[0];
}

describe('decodeProtobufRequest', () => {
  it('reads a resource that follows its spans on the wire', () => {
    const resource = message((writer) =>
      writer.uint32(field(1, LEN)).fork().uint32(field(1, LEN)).string('service.name').uint32(field(2, LEN)).fork().uint32(field(1, LEN)).string('late').ldelim().ldelim(),
    );
    const tail = message((writer) => writer.uint32(field(1, LEN)).bytes(resource));

    const decoded = decodeProtobufRequest(requestBytes(validSpanBytes('op'), tail));

    expect(decoded.spans[0]?.resource.service).toBe('late');
  });

  it('skips unknown fields and ignored known fields of every wire type', () => {
    const extras = message((writer) =>
      writer
        .uint32(field(3, LEN))
        .string('vendor=1')
        .uint32(field(10, VARINT))
        .uint32(4)
        .uint32(field(16, 5))
        .fixed32(257)
        .uint32(field(40, 1))
        .fixed64(9)
        .uint32(field(41, 5))
        .fixed32(1)
        .uint32(field(42, LEN))
        .string('future'),
    );
    const span = Buffer.concat([validSpanBytes('op'), extras]);

    const decoded = decodeProtobufRequest(requestBytes(span));

    expect(decoded.spans.map((record) => record.name)).toEqual(['op']);
  });

  it.each([
    { name: 'int beyond 2^53', value: { intValue: '-9007199254740993' }, expected: -9_007_199_254_740_993n },
    { name: 'negative int', value: { intValue: -7 }, expected: -7 },
    { name: 'double', value: { doubleValue: -0.5 }, expected: -0.5 },
    { name: 'bytes', value: { bytesValue: Buffer.from([1, 2]) }, expected: new Uint8Array([1, 2]) },
    { name: 'empty array', value: { arrayValue: {} }, expected: [] },
    { name: 'empty value', value: {}, expected: undefined },
  ])('reads an attribute of $name', ({ value, expected }) => {
    expect(spanWithAttribute(value)?.attributes['a']).toEqual(expected);
  });

  it.each([
    { name: 'a string sent as a varint', span: message((writer) => writer.uint32(field(5, VARINT)).uint32(1)), error: 'Span.name (5) has wire type 0, expected 2' },
    { name: 'a kind sent as bytes', span: message((writer) => writer.uint32(field(6, LEN)).string('x')), error: 'Span.kind (6) has wire type 2, expected 0' },
    { name: 'a time sent as fixed32', span: message((writer) => writer.uint32(field(7, 5)).fixed32(1)), error: 'Span.start_time_unix_nano (7) has wire type 5, expected 1' },
    { name: 'an invalid wire type', span: message((writer) => writer.uint32(field(30, 7))), error: 'invalid wire type 7' },
    { name: 'a length past the end', span: message((writer) => writer.uint32(field(5, LEN)).uint32(200)), error: 'index out of range' },
  ])('rejects $name', ({ span, error }) => {
    const request = requestBytes(span);

    expect(() => decodeProtobufRequest(request)).toThrow(MalformedRequestError);
    expect(() => decodeProtobufRequest(request)).toThrow(error);
  });

  it('accepts a Uint8Array that is not a Buffer', () => {
    const bytes = requestBytes(validSpanBytes('copy'));

    const decoded = decodeProtobufRequest(new Uint8Array(bytes));

    expect(decoded.spans[0]?.traceId).toBe(TRACE_ID);
  });

  it('rejects a span with an all-zero span id and keeps the others', () => {
    const request = encodeProtobufRequest({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.alloc(8), name: 'zero' },
                { traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.from(SPAN_ID, 'hex'), name: 'kept' },
              ],
            },
          ],
        },
      ],
    });

    const decoded = decodeProtobufRequest(request);

    expect(decoded.spans.map((span) => span.name)).toEqual(['kept']);
    expect(decoded.invalidSpans).toBe(1);
    expect(decoded.firstInvalidReason).toBe('span "zero": span_id must not be all zero');
  });

  describe('repeated strings and ids', () => {
    function spanOf(traceId: Buffer, index: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
      const spanId = Buffer.alloc(8);
      spanId.writeUInt32BE(index + 1, 4);
      return { traceId, spanId, name: `op-${index % 7}`, ...extra };
    }

    function decodeSpans(spans: Record<string, unknown>[]) {
      return decodeProtobufRequest(encodeProtobufRequest({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
    }

    it('reads values past the cache size', () => {
      const traceId = Buffer.from(TRACE_ID, 'hex');
      const spans = Array.from({ length: 200 }, (_, span) =>
        spanOf(traceId, span, {
          attributes: Array.from({ length: 100 }, (_, attribute) => ({ key: `key-${attribute}`, value: { stringValue: `value-${span}-${attribute}` } })),
        }),
      );

      for (let round = 0; round < 2; round += 1) {
        const decoded = decodeSpans(spans);
        expect(decoded.spans).toHaveLength(200);
        decoded.spans.forEach((span, index) => {
          expect(span.name).toBe(`op-${index % 7}`);
          expect(span.attributes['key-0']).toBe(`value-${index}-0`);
          expect(span.attributes['key-99']).toBe(`value-${index}-99`);
        });
      }
    });

    it.each([
      { name: 'non-ASCII', value: 'résumé ✓' },
      { name: 'longer than the cached length', value: 'x'.repeat(65) },
      { name: 'long non-ASCII', value: 'ü'.repeat(40) },
      { name: 'empty', value: '' },
    ])('reads a $name value the same way twice', ({ value }) => {
      const traceId = Buffer.from(TRACE_ID, 'hex');
      const attributes = [{ key: 'text', value: { stringValue: value } }];

      const decoded = decodeSpans([spanOf(traceId, 0, { attributes, name: value }), spanOf(traceId, 1, { attributes, name: value })]);

      expect(decoded.spans.map((span) => [span.name, span.attributes.text])).toEqual([
        [value, value],
        [value, value],
      ]);
    });

    it('reads each span\'s own trace id when ids alternate', () => {
      const first = Buffer.alloc(16, 0xaa);
      const second = Buffer.alloc(16, 0xbb);

      const decoded = decodeSpans([spanOf(first, 0), spanOf(first, 1), spanOf(second, 2), spanOf(first, 3)]);

      expect(decoded.spans.map((span) => span.traceId)).toEqual([first, first, second, first].map((id) => id.toString('hex')));
    });

    it('tells a trace id from a shorter prefix', () => {
      const short = Buffer.alloc(8, 0xcc);
      const long = Buffer.concat([short, Buffer.alloc(8, 0xcc)]);

      const decoded = decodeSpans([spanOf(short, 0), spanOf(long, 1)]);

      expect(decoded.invalidSpans).toBe(1);
      expect(decoded.spans.map((span) => span.traceId)).toEqual([long.toString('hex')]);
    });

    it('reads spans with and without events', () => {
      const traceId = Buffer.from(TRACE_ID, 'hex');
      const event = { name: 'retry', timeUnixNano: '5' };
      const link = { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2) };

      const decoded = decodeSpans([spanOf(traceId, 0), spanOf(traceId, 1, { events: [event], links: [link] }), spanOf(traceId, 2)]);

      expect(decoded.spans.map((span) => [span.events.length, span.links.length])).toEqual([
        [0, 0],
        [1, 1],
        [0, 0],
      ]);
      expect(decoded.spans[1]?.events[0]?.name).toBe('retry');
    });
  });
});
