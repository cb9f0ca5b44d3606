import * as grpc from '@grpc/grpc-js';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { SelfTracing } from '../../src/telemetry/self-tracing.js';
import { ControlServer } from '../support/control-server.js';
import { createEngine, eventually, openIncident, policyFor, targetFor } from './engine-harness.js';
import type { EngineHarness } from './engine-harness.js';
import { makeIncident } from './fake-incident-control.js';

const SAMPLE_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

/** Starts a bare OTLP trace endpoint that keeps the raw request bodies. */
async function startOtlpSink(): Promise<{ server: grpc.Server; address: string; bodies: Buffer[] }> {
  const bodies: Buffer[] = [];
  const server = new grpc.Server();
  const passThrough = (value: Buffer): Buffer => value;
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: passThrough,
        requestDeserialize: passThrough,
        responseSerialize: passThrough,
        responseDeserialize: passThrough,
      },
    },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        bodies.push(call.request);
        callback(null, Buffer.alloc(0));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error === null ? resolve(bound) : reject(error)));
  });
  return { server, address: `http://127.0.0.1:${port}`, bodies };
}

describe('SelfTracing', () => {
  let harness: EngineHarness | undefined;
  let control: ControlServer | undefined;

  afterEach(async () => {
    await harness?.engine.shutdown();
    harness = undefined;
    await control?.stop();
  });

  async function runOneRecovery(tracing: SelfTracing): Promise<ControlServer> {
    control = await ControlServer.start();
    harness = createEngine(
      { targets: { worker: targetFor([control.address]) }, policies: [policyFor('restart', ['worker'], { verify: { window: '10ms' } })] },
      { tracing },
    );
    const current = harness;
    openIncident(current, makeIncident('inc-1', { lastSeenAtMs: 0, sampleTraceIds: [SAMPLE_TRACE_ID] }));
    await eventually(() => expect(current.control.statesOf('inc-1')).toEqual(['mitigating', 'resolved']));
    return control;
  }

  it('sends the call span context as traceparent', async () => {
    const exporter = new InMemorySpanExporter();
    const server = await runOneRecovery(new SelfTracing({ enabled: true, insecure: true }, new SimpleSpanProcessor(exporter)));

    const spans = exporter.getFinishedSpans();
    const recovery = spans.find((span) => span.name === 'recover worker');
    const call = spans.find((span) => span.name === 'faultline.control.v1.RecoveryControl/ExecuteAction');
    expect(recovery).toBeDefined();
    expect(call).toBeDefined();
    expect(call?.parentSpanContext?.spanId).toBe(recovery?.spanContext().spanId);
    expect(call?.spanContext().traceId).toBe(recovery?.spanContext().traceId);
    expect(server.requests[0]?.traceparent).toBe(`00-${call?.spanContext().traceId}-${call?.spanContext().spanId}-01`);
    expect(recovery?.links.map((link) => link.context.traceId)).toEqual([SAMPLE_TRACE_ID]);
    expect(recovery?.attributes['faultline.incident.id']).toBe('inc-1');
    expect(recovery?.attributes['faultline.recovery.outcome']).toBe('recovered');
    expect(call?.attributes['faultline.recovery.outcome']).toBe('applied');
    expect(call?.attributes['rpc.grpc.status_code']).toBe(0);
    expect(recovery?.resource.attributes['service.name']).toBe('faultline');
  });

  it('sends no traceparent when disabled', async () => {
    const server = await runOneRecovery(new SelfTracing({ enabled: false, insecure: false }));

    expect(server.requests[0]?.traceparent).toBeUndefined();
  });

  it('exports over OTLP gRPC on shutdown', async () => {
    const sink = await startOtlpSink();
    try {
      await runOneRecovery(new SelfTracing({ enabled: true, endpoint: sink.address, insecure: true }));
      await harness?.engine.shutdown();

      expect(sink.bodies.length).toBeGreaterThan(0);
      const exported = Buffer.concat(sink.bodies).toString('latin1');
      expect(exported).toContain('faultline');
      expect(exported).toContain('recover worker');
    } finally {
      sink.server.forceShutdown();
    }
  });
});
