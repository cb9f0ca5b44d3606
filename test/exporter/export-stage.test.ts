import { afterEach, describe, expect, it } from 'vitest';
import { errorCorrelationSchema } from '../../src/correlation/config.js';
import { CorrelationStage } from '../../src/correlation/correlation-stage.js';
import { IncidentTracker } from '../../src/correlation/incident-tracker.js';
import { parseExporterConfig } from '../../src/exporter/config.js';
import { ExportStage, type AnalysisStage } from '../../src/exporter/export-stage.js';
import type { SpanRecord } from '../../src/model/span.js';
import type { CompletedTrace } from '../../src/pipeline/completed-trace.js';
import { startReceiver, type ReceiverHarness } from '../support/otlp-receiver-harness.js';
import { span } from '../support/span-builder.js';
import { silentLogger, until } from './downstream.js';

const FAILING_TRACE = '0af7651916cd43dd8448eb211c80319c';
const HEALTHY_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** Builds a trace whose model-server span failed first and whose relay-router entry span failed because of it. */
function failingSpans(): SpanRecord[] {
  return [
    span({ traceId: FAILING_TRACE, spanId: 'a000000000000001', service: 'relay-router', system: 'RelayCore', kind: 'server', status: 'error' }),
    span({
      traceId: FAILING_TRACE,
      spanId: 'a000000000000002',
      parentSpanId: 'a000000000000001',
      service: 'model-server',
      system: 'NeuroWeaver',
      kind: 'server',
      status: 'error',
      exception: { type: 'ModelLoadError', message: 'model weights missing' },
    }),
  ];
}

function healthySpans(): SpanRecord[] {
  return [
    span({ traceId: HEALTHY_TRACE, spanId: 'b000000000000001', service: 'workflow-api', kind: 'server' }),
    span({ traceId: HEALTHY_TRACE, spanId: 'b000000000000002', parentSpanId: 'b000000000000001', service: 'step-runner' }),
  ];
}

function completed(traceId: string, spans: SpanRecord[], revision = 0): CompletedTrace {
  return { traceId, spans, firstSpanAtMs: Date.now(), lastSpanAtMs: Date.now(), reason: 'complete', revision };
}

interface StageHarness {
  stage: ExportStage;
  analysis: CorrelationStage;
  tracker: IncidentTracker;
  downstream: ReceiverHarness;
}

describe('ExportStage', () => {
  const downstreams: ReceiverHarness[] = [];

  afterEach(async () => {
    for (const downstream of downstreams.splice(0)) await downstream.receiver.shutdown();
  });

  async function startStage(analysisOverride?: AnalysisStage): Promise<StageHarness> {
    const downstream = await startReceiver();
    downstreams.push(downstream);
    // One failing trace opens an incident, so the first failing trace carries its id.
    const settings = errorCorrelationSchema.parse({ incidents: { min_traces: 1, min_error_ratio: 0 } });
    const tracker = new IncidentTracker({ settings: settings.incidents, listeners: [], logger: silentLogger });
    const analysis = new CorrelationStage(settings, tracker, silentLogger);
    const stage = new ExportStage({
      exporters: [parseExporterConfig('otlp/downstream', { endpoint: downstream.grpcAddress, tls: { insecure: true } })],
      analysis: analysisOverride ?? analysis,
      incidents: tracker,
      rememberedTraces: 100,
      logger: silentLogger,
    });
    return { stage, analysis, tracker, downstream };
  }

  it('enriches spans of a failed trace', async () => {
    const { stage, analysis, tracker, downstream } = await startStage();

    stage.consumeTrace(completed(FAILING_TRACE, failingSpans()));
    await stage.shutdown();
    await until(() => downstream.sink.spans.length === 2);

    const verdict = analysis.verdict(FAILING_TRACE);
    const incident = tracker.list()[0];
    const byId = new Map(downstream.sink.spans.map((received) => [received.spanId, received.attributes]));
    expect(incident).toBeDefined();
    expect(byId.get('a000000000000002')).toMatchObject({
      'faultline.incident.id': incident?.id,
      'faultline.role': 'root_cause',
      'faultline.root_cause.service': 'model-server',
      'faultline.error.kind': verdict?.rootCauses[0]?.errorKind,
      'faultline.error.fingerprint': verdict?.rootCauses[0]?.fingerprint,
    });
    expect(byId.get('a000000000000001')).toMatchObject({ 'faultline.role': 'propagated', 'faultline.incident.id': incident?.id });
    expect(stage.snapshot()['otlp/downstream']).toMatchObject({ sentSpans: 2 });
  });

  it('forwards healthy traces unchanged', async () => {
    const { stage, downstream } = await startStage();
    const spans = healthySpans();

    stage.consumeTrace(completed(HEALTHY_TRACE, spans));
    await stage.shutdown();
    await until(() => downstream.sink.spans.length === 2);

    expect(downstream.sink.spans).toEqual(spans);
  });

  it('forwards only late spans once', async () => {
    const { stage, downstream } = await startStage();
    const spans = healthySpans();
    const late = span({ traceId: HEALTHY_TRACE, spanId: 'b000000000000003', parentSpanId: 'b000000000000001', service: 'audit-log' });

    stage.consumeTrace(completed(HEALTHY_TRACE, spans));
    stage.consumeTrace(completed(HEALTHY_TRACE, [...spans, late], 1));
    await stage.shutdown();
    await until(() => downstream.sink.spans.length >= 3);

    expect(downstream.sink.spans.map((received) => received.spanId).sort()).toEqual(['b000000000000001', 'b000000000000002', 'b000000000000003']);
  });

  it('forwards spans when analysis throws', async () => {
    const failingAnalysis: AnalysisStage = {
      consumeTrace: () => {
        throw new Error('analyzer bug');
      },
      verdict: () => undefined,
    };
    const { stage, downstream } = await startStage(failingAnalysis);
    const spans = failingSpans();

    expect(() => stage.consumeTrace(completed(FAILING_TRACE, spans))).toThrow('analyzer bug');
    await stage.shutdown();
    await until(() => downstream.sink.spans.length === 2);

    expect(downstream.sink.spans).toEqual(spans);
  });
});
