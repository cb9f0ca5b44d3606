import { ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { parseConfigText } from '../../src/config/faultline-config.js';
import { FaultlineService } from '../../src/service.js';

/**
 * A real FaultlineService on loopback ports chosen by the OS, with the status API on, for
 * tests that read its `/metrics`. Traces with a root span are released as complete on arrival,
 * so a verdict is counted by the time the exporter's request returns.
 */

/** Builds the config: every listener on a free loopback port, and an exporter only when `exportTo` is set. */
function configText(exportTo: string | undefined): string {
  const exporters = exportTo === undefined ? '' : `exporters:\n  otlphttp/peer: { traces_endpoint: '${exportTo}' }\n`;
  const pipelineExporters = exportTo === undefined ? '' : ', exporters: [otlphttp/peer]';
  return `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:0 }
      http: { endpoint: 127.0.0.1:0 }
processors:
  errorcorrelation:
    wait_duration: 5s
    incidents: { window: 1m, min_traces: 3, min_error_ratio: 0.1, resolve_after: 10m }
${exporters}extensions:
  status_api: { endpoint: 127.0.0.1:0 }
service:
  extensions: [status_api]
  pipelines:
    traces: { receivers: [otlp], processors: [errorcorrelation]${pipelineExporters} }
`;
}

export interface RunningFaultline {
  service: FaultlineService;
  /** host:port of the OTLP/gRPC receiver. */
  grpcAddress: string;
  /** Full URL of the OTLP/HTTP traces endpoint. */
  httpTracesUrl: string;
  /** Base URL of the status API, without a trailing slash. */
  statusUrl: string;
}

export interface FaultlineOptions {
  /** When set, an `otlphttp/peer` exporter forwards every analyzed trace to this traces URL. */
  exportTo?: string;
}

export async function startFaultline(options: FaultlineOptions = {}): Promise<RunningFaultline> {
  const service = new FaultlineService(parseConfigText(configText(options.exportTo)), pino({ level: 'silent' }));
  await service.start();
  const addresses = service.addresses();
  if (addresses.grpc === undefined || addresses.http === undefined || addresses.status_api === undefined) {
    throw new Error(`faultline started without every listener: ${JSON.stringify(addresses)}`);
  }
  return {
    service,
    grpcAddress: addresses.grpc,
    httpTracesUrl: `http://${addresses.http}/v1/traces`,
    statusUrl: `http://${addresses.status_api}`,
  };
}

export interface Scrape {
  status: number;
  contentType: string | null;
  text: string;
}

/** Reads `/metrics` from the status API. */
export async function scrapeMetrics(statusUrl: string): Promise<Scrape> {
  const response = await fetch(`${statusUrl}/metrics`);
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/**
 * Sends `count` one-span traces of service `checkout` through a real OpenTelemetry SDK
 * exporter, and resolves once the exporter's requests have returned. A failing trace's root
 * span has status ERROR and HTTP status 503.
 */
export async function sendTraces(exporter: SpanExporter, count: number, failing: boolean): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.namespace': 'Shop' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('metrics-test');
  for (let index = 0; index < count; index += 1) {
    const span = tracer.startSpan('POST /orders', { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': failing ? 503 : 200 } }, ROOT_CONTEXT);
    if (failing) span.setStatus({ code: SpanStatusCode.ERROR, message: 'inventory unavailable' });
    span.end();
  }
  await provider.forceFlush();
  await provider.shutdown();
}
