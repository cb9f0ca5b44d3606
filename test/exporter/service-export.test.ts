import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/faultline-config.js';
import { FaultlineService } from '../../src/service.js';
import { startReceiver, type ReceiverHarness } from '../support/otlp-receiver-harness.js';
import { silentLogger, until } from './downstream.js';

/** Faultline with an OTLP/gRPC exporter to `downstream`; one failing trace opens an incident. */
function configFor(downstream: string): string {
  return `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:0 }
processors:
  errorcorrelation:
    wait_duration: 5s
    incidents: { min_traces: 1, min_error_ratio: 0 }
exporters:
  otlp/downstream:
    endpoint: ${downstream}
    tls: { insecure: true }
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [errorcorrelation]
      exporters: [otlp/downstream]
`;
}

/** Sends, through the OpenTelemetry SDK, a healthy trace and a trace whose inner `inference` span fails. */
async function sendTraces(grpcAddress: string): Promise<{ failingTraceId: string; healthyTraceId: string }> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'model-server', 'service.namespace': 'NeuroWeaver' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://${grpcAddress}` }))],
  });
  const tracer = provider.getTracer('service-export-test');

  const healthy = tracer.startSpan('GET /models', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
  healthy.end();

  const entry = tracer.startSpan('POST /infer', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
  const inference = tracer.startSpan('inference', { kind: SpanKind.INTERNAL }, trace.setSpan(ROOT_CONTEXT, entry));
  inference.recordException({ name: 'ModelLoadError', message: 'weights missing' });
  inference.setStatus({ code: SpanStatusCode.ERROR, message: 'weights missing' });
  inference.end();
  entry.setStatus({ code: SpanStatusCode.ERROR });
  entry.end();

  await provider.forceFlush();
  await provider.shutdown();
  return { failingTraceId: entry.spanContext().traceId, healthyTraceId: healthy.spanContext().traceId };
}

describe('FaultlineService with an otlp exporter', () => {
  const downstreams: ReceiverHarness[] = [];

  afterEach(async () => {
    for (const downstream of downstreams.splice(0)) await downstream.receiver.shutdown();
  });

  it('forwards enriched OTLP spans', async () => {
    const downstream = await startReceiver();
    downstreams.push(downstream);
    const service = new FaultlineService(parseConfigText(configFor(downstream.grpcAddress)), silentLogger);
    await service.start();
    const grpcAddress = service.addresses().grpc ?? '';

    const { failingTraceId, healthyTraceId } = await sendTraces(grpcAddress);
    await service.shutdown();
    await until(() => downstream.sink.spans.length === 3);

    const incidentId = service.incidents({})[0]?.id;
    const failing = downstream.sink.spans.filter((span) => span.traceId === failingTraceId);
    const inference = failing.find((span) => span.name === 'inference');
    const entry = failing.find((span) => span.name === 'POST /infer');
    const healthy = downstream.sink.spans.find((span) => span.traceId === healthyTraceId);
    expect(incidentId).toBeDefined();
    expect(inference?.attributes).toMatchObject({
      'faultline.incident.id': incidentId,
      'faultline.role': 'root_cause',
      'faultline.root_cause.service': 'model-server',
    });
    expect(inference?.events[0]?.attributes['exception.type']).toBe('ModelLoadError');
    expect(entry?.attributes).toMatchObject({ 'faultline.incident.id': incidentId });
    expect(Object.keys(healthy?.attributes ?? {}).filter((key) => key.startsWith('faultline.'))).toEqual([]);
    expect(service.status()['exporters']).toMatchObject({ 'otlp/downstream': { sentSpans: 3 } });
  });

  it('reports no exporters when none configured', async () => {
    const text = configFor('127.0.0.1:1').replace('      exporters: [otlp/downstream]\n', '');
    const service = new FaultlineService(parseConfigText(text), silentLogger);

    expect(service.status()['exporters']).toBeUndefined();
    await service.shutdown();
  });
});
