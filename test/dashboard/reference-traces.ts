/**
 * Sends traces shaped like the reference deployment to Faultline's OTLP/gRPC receiver with the
 * OpenTelemetry SDK: workflows (AutoMatrix) --HTTP--> router (RelayCore) --gRPC--> model
 * (NeuroWeaver). Each service has its own tracer provider and resource, and each callee's
 * server span is a child of its caller's client span, as context propagation would make it.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * - `healthy`: every span ends OK;
 * - `model_failure`: the model fails with gRPC INTERNAL and a ModelLoadError exception, and
 *   every caller up the chain fails with it.
 */
export type ReferenceOutcome = 'healthy' | 'model_failure';

const GRPC_INTERNAL = 13;
/** Longer than any test, so spans are exported only by forceFlush, one request per service and trace. */
const FLUSH_ONLY_DELAY_MS = 60_000;

export class ReferenceTraceSender {
  private readonly workflows: BasicTracerProvider;
  private readonly router: BasicTracerProvider;
  private readonly model: BasicTracerProvider;

  constructor(otlpGrpcAddress: string) {
    this.workflows = createProvider(otlpGrpcAddress, 'workflows', 'AutoMatrix');
    this.router = createProvider(otlpGrpcAddress, 'router', 'RelayCore');
    this.model = createProvider(otlpGrpcAddress, 'model', 'NeuroWeaver');
  }

  /** Sends one trace and waits until its spans were delivered, callee first; returns the trace id. */
  async send(outcome: ReferenceOutcome): Promise<string> {
    const failed = outcome === 'model_failure';
    const workflowsTracer = this.workflows.getTracer('dashboard-test');
    const routerTracer = this.router.getTracer('dashboard-test');

    const run = workflowsTracer.startSpan('POST /runs', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': '/runs' } }, ROOT_CONTEXT);
    const routeCall = childSpan(workflowsTracer, run, 'POST', SpanKind.CLIENT, { 'http.request.method': 'POST', 'server.address': '127.0.0.1', 'server.port': 7102 });
    const route = childSpan(routerTracer, routeCall, 'POST /v1/route', SpanKind.SERVER, { 'http.request.method': 'POST', 'http.route': '/v1/route' });
    const inferCall = childSpan(routerTracer, route, 'neuroweaver.Inference/Infer', SpanKind.CLIENT, { 'rpc.system': 'grpc', 'rpc.service': 'neuroweaver.Inference', 'server.address': '127.0.0.1', 'server.port': 7103 });
    const infer = childSpan(this.model.getTracer('dashboard-test'), inferCall, 'neuroweaver.Inference/Infer', SpanKind.SERVER, { 'rpc.system': 'grpc', 'rpc.service': 'neuroweaver.Inference' });

    if (failed) {
      const error = new Error('weights of model nw-large-v3 failed to load from shard 7');
      error.name = 'ModelLoadError';
      infer.recordException(error);
      infer.setAttributes({ 'error.type': 'ModelLoadError', 'rpc.grpc.status_code': GRPC_INTERNAL });
      infer.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    infer.end();
    await this.model.forceFlush();

    endCall(inferCall, failed, { 'rpc.grpc.status_code': failed ? GRPC_INTERNAL : 0 });
    endCall(route, failed, { 'http.response.status_code': failed ? 502 : 200 });
    await this.router.forceFlush();

    endCall(routeCall, failed, { 'http.response.status_code': failed ? 502 : 200 });
    endCall(run, failed, { 'http.response.status_code': failed ? 500 : 202 });
    await this.workflows.forceFlush();
    return run.spanContext().traceId;
  }

  /** Sends failing traces every `intervalMs` until the returned function is called; it resolves once sending stopped. */
  startFailures(intervalMs: number): () => Promise<void> {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        await this.send('model_failure');
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
    return async () => {
      stopped = true;
      await loop;
    };
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.workflows.shutdown(), this.router.shutdown(), this.model.shutdown()]);
  }
}

function createProvider(otlpGrpcAddress: string, service: string, system: string): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': system, 'service.instance.id': `${service}-1` }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://${otlpGrpcAddress}` }), { scheduledDelayMillis: FLUSH_ONLY_DELAY_MS })],
  });
}

function childSpan(tracer: Tracer, parent: Span, name: string, kind: SpanKind, attributes: Record<string, string | number>): Span {
  return tracer.startSpan(name, { kind, attributes }, trace.setSpan(ROOT_CONTEXT, parent));
}

function endCall(span: Span, failed: boolean, attributes: Record<string, number>): void {
  span.setAttributes(attributes);
  if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
