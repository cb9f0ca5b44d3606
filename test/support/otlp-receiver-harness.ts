import { pino } from 'pino';
import type { SpanRecord } from '../../src/model/span.js';
import { receiverConfigSchema } from '../../src/receiver/config.js';
import { OtlpReceiver } from '../../src/receiver/otlp-receiver.js';
import { ReceiverMetrics } from '../../src/receiver/receiver-metrics.js';
import type { ConsumeResult, SpanSink } from '../../src/receiver/span-sink.js';

/** A sink that keeps every span it takes; a test sets `nextResult` to make it full or reject spans. */
export class RecordingSink implements SpanSink {
  readonly spans: SpanRecord[] = [];
  /** Result for the next calls; `accepted` with 0 rejections takes every span. */
  nextResult: ConsumeResult = { status: 'accepted', rejectedSpans: 0, rejectReason: '' };

  consume(spans: SpanRecord[]): ConsumeResult {
    if (this.nextResult.status === 'accepted') this.spans.push(...spans);
    return this.nextResult;
  }
}

export interface ReceiverHarness {
  receiver: OtlpReceiver;
  sink: RecordingSink;
  metrics: ReceiverMetrics;
  grpcAddress: string;
  httpAddress: string;
  httpUrl: string;
}

/** Protocol settings a test overrides, in the YAML layout of `receivers.otlp.protocols`. */
export interface HarnessProtocols {
  grpc?: Record<string, unknown>;
  http?: Record<string, unknown>;
}

/** Starts a receiver with both protocols on 127.0.0.1 with free ports and a recording sink. */
export async function startReceiver(protocols: HarnessProtocols = {}): Promise<ReceiverHarness> {
  const config = receiverConfigSchema.parse({
    protocols: {
      grpc: { endpoint: '127.0.0.1:0', ...protocols.grpc },
      http: { endpoint: '127.0.0.1:0', ...protocols.http },
    },
  });
  const sink = new RecordingSink();
  const metrics = new ReceiverMetrics();
  const receiver = new OtlpReceiver({ config, sink, metrics, logger: pino({ level: 'silent' }) });
  await receiver.start();
  const { grpc, http } = receiver.addresses();
  if (grpc === undefined || http === undefined) throw new Error('receiver did not report both addresses');
  return { receiver, sink, metrics, grpcAddress: grpc, httpAddress: http, httpUrl: `http://${http}/v1/traces` };
}
