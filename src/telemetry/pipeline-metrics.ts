import type { Registry } from 'prom-client';
import type { Transport } from '../receiver/receiver-metrics.js';
import type { ReadingProvider } from './metrics-reading.js';
import { type Sample, samplesByKey, snapshotCounter, snapshotGauge } from './snapshot-metrics.js';

const TRANSPORTS: readonly Transport[] = ['grpc', 'http'];

/** Registers the OTLP receiver's counters, per transport. */
export function registerReceiverMetrics(registry: Registry, read: ReadingProvider): void {
  snapshotCounter(registry, {
    name: 'faultline_receiver_accepted_spans_total',
    help: 'Spans the OTLP receiver passed to the trace buffer and the buffer kept.',
    labelNames: ['transport'],
    samples: () => TRANSPORTS.map((transport) => ({ labels: { transport }, value: read().receiver[transport].acceptedSpans })),
  });
  snapshotCounter(registry, {
    name: 'faultline_receiver_refused_spans_total',
    help: 'Spans dropped from requests the OTLP receiver accepted, reported back as partial_success. reason: invalid_id or sink_rejected.',
    labelNames: ['transport', 'reason'],
    samples: () => TRANSPORTS.flatMap((transport) => samplesByKey<'transport' | 'reason'>('reason', read().receiver[transport].rejectedSpans, { transport })),
  });
  snapshotCounter(registry, {
    name: 'faultline_receiver_refused_requests_total',
    help: 'Whole OTLP requests the receiver rejected. reason: malformed, too_large, unsupported_media_type, back_pressure, not_found or cancelled.',
    labelNames: ['transport', 'reason'],
    samples: () => TRANSPORTS.flatMap((transport) => samplesByKey<'transport' | 'reason'>('reason', read().receiver[transport].rejectedRequests, { transport })),
  });
}

/** Registers the trace buffer's gauges of the traces and spans it contains now, and its totals since start. */
export function registerBufferMetrics(registry: Registry, read: ReadingProvider): void {
  const gauges: [name: string, help: string, value: () => number][] = [
    ['faultline_buffer_traces', 'Traces held in the buffer, waiting for their spans to arrive.', () => read().buffer.tracesHeld],
    ['faultline_buffer_spans', 'Spans held in the buffer, counted against max_buffered_spans.', () => read().buffer.spansHeld],
    ['faultline_buffer_bytes', 'Estimated bytes of the spans held, counted against max_buffered_bytes.', () => read().buffer.bytesHeld],
    ['faultline_buffer_cached_traces', 'Analyzed traces kept so that late spans join their verdict.', () => read().buffer.tracesCached],
    ['faultline_buffer_cached_bytes', 'Encoded bytes of the analyzed traces kept for late spans.', () => read().buffer.bytesCached],
  ];
  for (const [name, help, value] of gauges) snapshotGauge(registry, { name, help, samples: () => [{ labels: {}, value: value() }] });

  snapshotCounter(registry, {
    name: 'faultline_buffer_released_traces_total',
    help: 'Traces the buffer released for analysis. reason: complete, quiet (wait_duration passed), evicted or shutdown.',
    labelNames: ['reason'],
    samples: () => samplesByKey('reason', read().buffer.tracesReleased),
  });
  const counters: [name: string, help: string, value: () => number][] = [
    [
      'faultline_buffer_evicted_traces_total',
      'Traces released early because the buffer held max_traces; also counted in faultline_buffer_released_traces_total{reason="evicted"}.',
      () => read().buffer.tracesEvicted,
    ],
    [
      'faultline_buffer_refused_requests_total',
      'Requests the buffer took nothing from because max_buffered_spans or max_buffered_bytes was reached, or because it was shut down.',
      () => read().buffer.requestsRejectedFull,
    ],
    ['faultline_buffer_late_spans_total', 'Spans accepted for a trace that had already been analyzed; each reopens its trace.', () => read().buffer.lateSpans],
    ['faultline_buffer_consumer_errors_total', 'Releases of a trace to analysis that threw.', () => read().buffer.consumerFailures],
  ];
  for (const [name, help, value] of counters) snapshotCounter(registry, { name, help, samples: (): Sample<string>[] => [{ labels: {}, value: value() }] });

  snapshotCounter(registry, {
    name: 'faultline_buffer_refused_spans_total',
    help: 'Spans the buffer rejected. reason: trace_span_limit (max_spans_per_trace) or duplicate_span.',
    labelNames: ['reason'],
    samples: () => samplesByKey('reason', read().buffer.spansRejected),
  });
}
