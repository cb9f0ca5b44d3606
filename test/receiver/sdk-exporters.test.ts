import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../src/model/span.js';
import { startReceiver, type ReceiverHarness } from '../support/otlp-receiver-harness.js';

/** HrTime [seconds, nanoseconds] and the exact nanoseconds it stands for. */
const START: [number, number] = [1_764_000_000, 123_456_789];
const START_NS = 1_764_000_000_123_456_789n;
const EVENT: [number, number] = [1_764_000_000, 223_456_789];
const EVENT_NS = 1_764_000_000_223_456_789n;
const END: [number, number] = [1_764_000_001, 987_654_321];
const END_NS = 1_764_000_001_987_654_321n;

const LINKED_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const LINKED_SPAN_ID = 'b7ad6b7169203331';

type ExporterCase = { transport: string; create: (harness: ReceiverHarness) => SpanExporter };

const exporters: ExporterCase[] = [
  { transport: 'grpc', create: (harness) => new GrpcExporter({ url: `http://${harness.grpcAddress}` }) },
  { transport: 'grpc gzip', create: (harness) => new GrpcExporter({ url: `http://${harness.grpcAddress}`, compression: 'gzip' as never }) },
  { transport: 'http protobuf', create: (harness) => new ProtoExporter({ url: harness.httpUrl }) },
  { transport: 'http json', create: (harness) => new JsonExporter({ url: harness.httpUrl }) },
];

/** Sends one trace of a failing server span and its client child through `exporter`. */
async function sendTrace(exporter: SpanExporter): Promise<{ server: Span; client: Span }> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'relay-router',
      'service.namespace': 'RelayCore',
      'service.instance.id': 'relay-1',
    }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('conformance-scope', '1.2.3');
  const server = tracer.startSpan(
    'POST /route',
    {
      kind: SpanKind.SERVER,
      startTime: START,
      attributes: {
        'text.value': 'hello',
        'int.value': 42,
        'double.value': 2.5,
        'bool.value': true,
        'strings.value': ['a', 'b'],
        'ints.value': [1, 2, 3],
        'bools.value': [true, false],
        'http.response.status_code': 503,
      },
      links: [
        {
          context: { traceId: LINKED_TRACE_ID, spanId: LINKED_SPAN_ID, traceFlags: 1 },
          attributes: { 'link.reason': 'batch' },
        },
      ],
    },
    ROOT_CONTEXT,
  );
  server.addEvent('routing.start', { 'route.attempt': 1 }, EVENT);
  server.recordException(new TypeError('provider down'), EVENT);
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed' });
  const client = tracer.startSpan(
    'neuroweaver.Infer',
    { kind: SpanKind.CLIENT, startTime: START, attributes: { 'rpc.service': 'neuroweaver.Inference', 'server.address': 'nw', 'server.port': 50051 } },
    trace.setSpan(ROOT_CONTEXT, server),
  );
  client.end(END);
  server.end(END);
  await provider.forceFlush();
  await provider.shutdown();
  return { server, client };
}

function recordNamed(spans: readonly SpanRecord[], name: string): SpanRecord {
  const record = spans.find((span) => span.name === name);
  if (record === undefined) throw new Error(`span ${name} did not arrive; got ${spans.map((span) => span.name).join(', ')}`);
  return record;
}

describe('OtlpReceiver with OpenTelemetry JS exporters', () => {
  let harness: ReceiverHarness;

  beforeAll(async () => {
    harness = await startReceiver();
  });

  afterAll(async () => {
    await harness.receiver.shutdown();
  });

  it.each(exporters)('receives a trace intact over $transport', async ({ create }) => {
    harness.sink.spans.length = 0;

    const { server, client } = await sendTrace(create(harness));

    const serverRecord = recordNamed(harness.sink.spans, 'POST /route');
    const clientRecord = recordNamed(harness.sink.spans, 'neuroweaver.Infer');
    expect(harness.sink.spans).toHaveLength(2);
    expect(serverRecord.traceId).toBe(server.spanContext().traceId);
    expect(serverRecord.spanId).toBe(server.spanContext().spanId);
    expect(serverRecord.parentSpanId).toBe('');
    expect(clientRecord.traceId).toBe(server.spanContext().traceId);
    expect(clientRecord.spanId).toBe(client.spanContext().spanId);
    expect(clientRecord.parentSpanId).toBe(server.spanContext().spanId);
    expect(serverRecord.kind).toBe('server');
    expect(clientRecord.kind).toBe('client');
    expect(serverRecord.startTimeUnixNano).toBe(START_NS);
    expect(serverRecord.endTimeUnixNano).toBe(END_NS);
    expect(serverRecord.durationMs).toBeCloseTo(1864.197532, 6);
    expect(serverRecord.scopeName).toBe('conformance-scope');
    expect(serverRecord.attributes).toEqual({
      'text.value': 'hello',
      'int.value': 42,
      'double.value': 2.5,
      'bool.value': true,
      'strings.value': ['a', 'b'],
      'ints.value': [1, 2, 3],
      'bools.value': [true, false],
      'http.response.status_code': 503,
    });
    expect(serverRecord.events.map((event) => event.name)).toEqual(['routing.start', 'exception']);
    expect(serverRecord.events[0]).toEqual({ name: 'routing.start', timeUnixNano: EVENT_NS, attributes: { 'route.attempt': 1 } });
    expect(serverRecord.links).toEqual([{ traceId: LINKED_TRACE_ID, spanId: LINKED_SPAN_ID, attributes: { 'link.reason': 'batch' } }]);
    expect(serverRecord.signals.status).toBe('error');
    expect(serverRecord.signals.statusMessage).toBe('upstream failed');
    expect(serverRecord.signals.httpStatusCode).toBe(503);
    expect(serverRecord.signals.exception?.type).toBe('TypeError');
    expect(serverRecord.signals.exception?.message).toBe('provider down');
    expect(serverRecord.signals.exception?.stacktrace).toContain('TypeError: provider down');
    expect(clientRecord.peer).toMatchObject({ rpcService: 'neuroweaver.Inference', address: 'nw', port: 50051 });
    expect(serverRecord.resource).toMatchObject({ service: 'relay-router', system: 'RelayCore', instance: 'relay-1' });
    expect(serverRecord.resource.attributes['service.name']).toBe('relay-router');
    expect(clientRecord.resource).toBe(serverRecord.resource);
  });
});
