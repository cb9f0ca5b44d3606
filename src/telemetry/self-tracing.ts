import * as grpc from '@grpc/grpc-js';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, defaultTextMapSetter, trace, INVALID_SPANID } from '@opentelemetry/api';
import type { Link, Span, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Incident } from '../correlation/incident.js';

/**
 * Faultline's own spans for the recovery engine: one span per recovery, linked to the
 * incident's sample traces, and a client child span per control call. The call span's context
 * travels in the call's `traceparent` header, so the system's handler span joins Faultline's
 * trace. Disabled, it creates no spans and sends no headers.
 */

export interface SelfTracingSettings {
  enabled: boolean;
  /** The OTLP gRPC endpoint, for example `http://127.0.0.1:4317`; required when enabled. */
  endpoint?: string | undefined;
  /** True exports without TLS. */
  insecure: boolean;
}

/** Attributes of one control call, set on its span. */
export interface ControlCallAttributes {
  target: string;
  endpoint: string | undefined;
  action: string;
  stepIndex: number;
  attempt: number;
  idempotencyKey: string;
}

/** The end of a control call or a recovery, for the span status. */
export interface SpanEnding {
  outcome: string;
  /** The gRPC status code of a call; 0 when the server sent a response. */
  grpcCode?: number | undefined;
  /** Set when the call or recovery failed. */
  error?: Error | undefined;
}

export interface ControlCallSpan {
  /** Headers to send with the call: `traceparent` (and `tracestate`) when enabled, none otherwise. */
  readonly headers: Record<string, string>;
  end(ending: SpanEnding): void;
}

export interface RecoverySpan {
  startControlCall(attributes: ControlCallAttributes): ControlCallSpan;
  end(ending: SpanEnding): void;
}

const propagator = new W3CTraceContextPropagator();

const NOOP_CALL_SPAN: ControlCallSpan = { headers: {}, end: () => undefined };
const NOOP_RECOVERY_SPAN: RecoverySpan = { startControlCall: () => NOOP_CALL_SPAN, end: () => undefined };

export class SelfTracing {
  private readonly provider: BasicTracerProvider | undefined;
  private readonly tracer: Tracer | undefined;
  private shutdownPromise: Promise<void> | undefined;

  /** `processor` replaces the OTLP exporter, for tests. */
  constructor(settings: SelfTracingSettings, processor?: SpanProcessor) {
    if (!settings.enabled) return;
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'faultline' }),
      spanProcessors: [processor ?? new BatchSpanProcessor(createExporter(settings))],
    });
    this.tracer = this.provider.getTracer('faultline.recovery');
  }

  /** Starts the span of one recovery, linked to the incident's sample traces. */
  startRecovery(incident: Incident, policy: string): RecoverySpan {
    const tracer = this.tracer;
    if (tracer === undefined) return NOOP_RECOVERY_SPAN;
    const span = tracer.startSpan(`recover ${incident.rootCause.service}`, {
      kind: SpanKind.INTERNAL,
      root: true,
      links: incident.sampleTraceIds.map(toSampleLink),
      attributes: {
        'faultline.incident.id': incident.id,
        'faultline.root_cause.service': incident.rootCause.service,
        'faultline.root_cause.system': incident.rootCause.system,
        'faultline.error.kind': incident.rootCause.errorKind,
        'faultline.recovery.policy': policy,
      },
    });
    return {
      startControlCall: (attributes) => startCallSpan(tracer, span, attributes),
      end: (ending) => endSpan(span, ending),
    };
  }

  /** Flushes and stops the exporter. Idempotent. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.provider?.shutdown() ?? Promise.resolve();
    return this.shutdownPromise;
  }
}

function createExporter(settings: SelfTracingSettings): OTLPTraceExporter {
  return new OTLPTraceExporter({
    url: settings.endpoint,
    credentials: settings.insecure ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(),
  });
}

/**
 * Builds a link to a sample failing trace of the incident.
 * NOTE: incidents keep trace ids only, so the link's span id is the invalid all-zero id.
 * Backends that need a span id to follow a link show the trace id alone.
 */
function toSampleLink(traceId: string): Link {
  return {
    context: { traceId, spanId: INVALID_SPANID, traceFlags: TraceFlags.SAMPLED },
    attributes: { 'faultline.link.type': 'incident_sample_trace' },
  };
}

function startCallSpan(tracer: Tracer, parent: Span, attributes: ControlCallAttributes): ControlCallSpan {
  const parentContext = trace.setSpan(ROOT_CONTEXT, parent);
  const span = tracer.startSpan(
    'faultline.control.v1.RecoveryControl/ExecuteAction',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'rpc.system': 'grpc',
        'rpc.service': 'faultline.control.v1.RecoveryControl',
        'rpc.method': 'ExecuteAction',
        'faultline.recovery.target': attributes.target,
        'faultline.recovery.action': attributes.action,
        'faultline.recovery.step_index': attributes.stepIndex,
        'faultline.recovery.attempt': attributes.attempt,
        'faultline.recovery.idempotency_key': attributes.idempotencyKey,
        ...(attributes.endpoint === undefined ? {} : { 'server.address': attributes.endpoint }),
      },
    },
    parentContext,
  );
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
  return { headers, end: (ending) => endSpan(span, ending) };
}

function endSpan(span: Span, ending: SpanEnding): void {
  span.setAttribute('faultline.recovery.outcome', ending.outcome);
  if (ending.grpcCode !== undefined) span.setAttribute('rpc.grpc.status_code', ending.grpcCode);
  if (ending.error !== undefined) {
    span.recordException(ending.error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: ending.error.message });
  }
  span.end();
}
