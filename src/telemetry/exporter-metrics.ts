import type { Registry } from 'prom-client';
import type { ExporterSnapshot } from '../exporter/otlp-exporter.js';
import type { ReadingProvider } from './metrics-reading.js';
import { type Sample, samplesByKey, snapshotCounter, snapshotGauge } from './snapshot-metrics.js';

type ExporterFigure = [name: string, help: string, value: (exporter: ExporterSnapshot) => number];

const COUNTERS: readonly ExporterFigure[] = [
  [
    'faultline_exporter_sent_spans_total',
    'Spans in export requests the backend accepted, including spans it rejected through partial_success.',
    (exporter) => exporter.sentSpans,
  ],
  ['faultline_exporter_sent_batches_total', 'Export requests the backend accepted.', (exporter) => exporter.sentBatches],
  [
    'faultline_exporter_rejected_spans_total',
    'Spans the backend rejected through partial_success; they are not sent again.',
    (exporter) => exporter.partialSuccessRejectedSpans,
  ],
  ['faultline_exporter_retried_requests_total', 'Export attempts that failed with a retryable error and were retried.', (exporter) => exporter.retries],
];

const GAUGES: readonly ExporterFigure[] = [
  ['faultline_exporter_queue_batches', 'Batches waiting in the sending queue.', (exporter) => exporter.queue.batches],
  ['faultline_exporter_queue_spans', 'Spans in the batches waiting in the sending queue.', (exporter) => exporter.queue.spans],
  ['faultline_exporter_queue_capacity_batches', 'Batches the sending queue takes (sending_queue.queue_size).', (exporter) => exporter.queue.capacityBatches],
  ['faultline_exporter_in_flight_batches', 'Batches being sent or waiting for a retry.', (exporter) => exporter.inFlightBatches],
];

function perExporter(read: ReadingProvider, value: ExporterFigure[2]): Sample<'exporter'>[] {
  return Object.entries(read().exporters).map(([exporter, snapshot]) => ({ labels: { exporter }, value: value(snapshot) }));
}

/** Registers the OTLP exporters' metrics, labelled with each exporter's component id; no series when none is configured. */
export function registerExporterMetrics(registry: Registry, read: ReadingProvider): void {
  for (const [name, help, value] of COUNTERS) snapshotCounter(registry, { name, help, labelNames: ['exporter'], samples: () => perExporter(read, value) });
  for (const [name, help, value] of GAUGES) snapshotGauge(registry, { name, help, labelNames: ['exporter'], samples: () => perExporter(read, value) });

  snapshotCounter(registry, {
    name: 'faultline_exporter_dropped_spans_total',
    help: 'Spans dropped without reaching the backend. reason: queue_full, retries_exhausted, non_retryable or shutdown.',
    labelNames: ['exporter', 'reason'],
    samples: () =>
      Object.entries(read().exporters).flatMap(([exporter, snapshot]) => samplesByKey<'exporter' | 'reason'>('reason', snapshot.droppedSpans, { exporter })),
  });
}
