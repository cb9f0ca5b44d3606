import { describe, expect, it } from 'vitest';
import { encodeExportRequest } from '../../src/exporter/otlp-span-encoder.js';
import type { Attributes, SpanRecord } from '../../src/model/span.js';
import { decodeProtobufRequest } from '../../src/receiver/otlp-protobuf-decoder.js';
import { otlpProtoTypes } from '../../src/receiver/otlp-proto-types.js';
import { span } from '../support/span-builder.js';

/** Encodes spans and decodes them with the receiver's decoder, as a downstream Faultline would. */
function roundTrip(spans: SpanRecord[], addedAttributes: (Attributes | undefined)[] = []): SpanRecord[] {
  const bytes = encodeExportRequest({ spans, addedAttributes });
  return decodeProtobufRequest(bytes).spans;
}

describe('encodeExportRequest', () => {
  it('keeps every field a span record holds', () => {
    const original = span({
      spanId: '00f067aa0ba902b7',
      parentSpanId: '53995c3f42cd8ad8',
      service: 'relay-router',
      system: 'RelayCore',
      kind: 'client',
      status: 'error',
      statusMessage: 'upstream unavailable',
      grpcStatus: 14,
      peerService: 'model-server',
      serverPort: 7103,
      exception: { type: 'UnavailableError', message: 'connect ECONNREFUSED' },
      linkedTraceIds: ['0af7651916cd43dd8448eb211c80319c'],
      attributes: {
        'big.count': 9_007_199_254_740_993n,
        'negative.big': -9_007_199_254_740_993n,
        ratio: 0.25,
        flag: true,
        payload: new Uint8Array([1, 2, 3]),
        tags: ['a', 'b', 7],
        nested: { inner: 'value', depth: 2 },
        'naïve.key': 'ünïcödé ✓ '.repeat(20),
        largest: Number.MAX_SAFE_INTEGER,
        zero: 0,
        small: -1,
        unsafe: 2 ** 60,
      },
    });

    const [decoded] = roundTrip([original]);

    expect(decoded).toEqual(original);
  });

  it('groups spans by resource and scope again', () => {
    const first = span({ spanId: '1111111111111111', service: 'checkout' });
    const second = { ...span({ spanId: '2222222222222222', service: 'checkout' }), resource: first.resource };
    const other = span({ spanId: '3333333333333333', service: 'payments' });

    const decoded = roundTrip([first, other, second]);

    expect(decoded.map((record) => record.spanId)).toEqual(['1111111111111111', '2222222222222222', '3333333333333333']);
    expect(decoded[0]?.resource).toBe(decoded[1]?.resource);
    expect(decoded[2]?.resource.service).toBe('payments');
  });

  it('adds attributes, replacing same-named ones', () => {
    const original = span({ spanId: '1111111111111111', service: 'checkout', attributes: { 'faultline.role': 'stale', kept: 'yes' } });

    const [decoded] = roundTrip([original], [{ 'faultline.role': 'root_cause', 'faultline.error.kind': 'timeout' }]);

    expect(decoded?.attributes['faultline.role']).toBe('root_cause');
    expect(decoded?.attributes['faultline.error.kind']).toBe('timeout');
    expect(decoded?.attributes['kept']).toBe('yes');
    expect(original.attributes['faultline.role']).toBe('stale');
  });

  it('leaves spans without added attributes as they were', () => {
    const original = span({ spanId: '1111111111111111', service: 'checkout', attributes: { kept: 'yes' } });

    const [decoded] = roundTrip([original], [undefined]);

    expect(decoded?.attributes).toEqual(original.attributes);
  });

  it('writes a root span without a parent id', () => {
    const bytes = encodeExportRequest({ spans: [span({ spanId: '1111111111111111', service: 'checkout' })], addedAttributes: [] });

    const [decoded] = decodeProtobufRequest(bytes).spans;

    expect(decoded?.parentSpanId).toBe('');
  });

  it('writes a request the OTLP protobuf types read', () => {
    const original = span({ spanId: '1111111111111111', service: 'checkout', attributes: { retries: -3, ratio: Number.NaN } });
    const bytes = encodeExportRequest({ spans: [original], addedAttributes: [] });

    const request = otlpProtoTypes().exportRequest.toObject(otlpProtoTypes().exportRequest.decode(bytes), { longs: Number }) as {
      resourceSpans: { scopeSpans: { scope: { name: string }; spans: { name: string; attributes: { key: string; value: Record<string, unknown> }[] }[] }[] }[];
    };
    const scopeSpans = request.resourceSpans[0]?.scopeSpans[0];
    const attributes = new Map(scopeSpans?.spans[0]?.attributes.map((attribute) => [attribute.key, attribute.value]));

    expect(request.resourceSpans).toHaveLength(1);
    expect(scopeSpans?.scope.name).toBe('span-builder');
    expect(scopeSpans?.spans[0]?.name).toBe(original.name);
    expect(attributes.get('retries')).toEqual({ intValue: -3 });
    expect(attributes.get('ratio')).toEqual({ doubleValue: Number.NaN });
  });
});
