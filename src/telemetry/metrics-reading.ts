import type { AlertmanagerSnapshot } from '../alerting/alertmanager-notifier.js';
import type { ExporterSnapshot } from '../exporter/otlp-exporter.js';
import { type CorrelationFigures, readCorrelationFigures } from './correlation-figures.js';
import type { IncidentFigures, MetricsSource } from './metrics-source.js';
import type { TraceBufferSnapshot } from '../pipeline/trace-buffer.js';
import type { ReceiverMetricsSnapshot } from '../receiver/receiver-metrics.js';
import type { RecoverySnapshot } from '../recovery/recovery-counters.js';

/** Everything one scrape exports, read from the source once so that related series agree. */
export interface MetricsReading {
  receiver: ReceiverMetricsSnapshot;
  buffer: TraceBufferSnapshot;
  correlation: CorrelationFigures;
  incidents: IncidentFigures;
  recovery: RecoverySnapshot | undefined;
  alertmanager: AlertmanagerSnapshot | undefined;
  exporters: Record<string, ExporterSnapshot>;
}

export function readMetricsSource(source: MetricsSource): MetricsReading {
  return {
    receiver: source.receiver(),
    buffer: source.buffer(),
    correlation: readCorrelationFigures(source.correlation()),
    incidents: source.incidents(),
    recovery: source.recovery(),
    alertmanager: source.alertmanager(),
    exporters: source.exporters(),
  };
}

/** Returns the reading of the scrape in progress. */
export type ReadingProvider = () => MetricsReading;
