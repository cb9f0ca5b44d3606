import type { AlertmanagerSnapshot } from '../alerting/alertmanager-notifier.js';
import type { ExporterSnapshot } from '../exporter/otlp-exporter.js';
import type { IncidentState, ResolveReason } from '../correlation/incident.js';
import type { TraceBufferSnapshot } from '../pipeline/trace-buffer.js';
import type { ReceiverMetricsSnapshot } from '../receiver/receiver-metrics.js';
import type { RecoverySnapshot } from '../recovery/recovery-counters.js';

/** Incident figures: how many are held in each state now, and totals since start. */
export interface IncidentFigures {
  /** Incidents held now, by state; resolved ones count only while the tracker still keeps them (`max_resolved`). */
  byState: Record<IncidentState, number>;
  /** Incidents opened since start; incidents restored after a restart are not counted. */
  opened: number;
  /** Incidents resolved since start, by reason. */
  resolved: Record<ResolveReason, number>;
  /** Data the tracker did not keep because a cap was reached, counted since start. */
  dropped: { ungroupedFailures: number; untrackedServices: number; serviceGraphEntries: number };
}

/**
 * The state the Prometheus metrics read at scrape time. Each method returns a copy that later
 * work does not change; totals only grow.
 */
export interface MetricsSource {
  receiver(): ReceiverMetricsSnapshot;
  buffer(): TraceBufferSnapshot;
  /** The `errorcorrelation` stage's snapshot, as `CorrelationStage.snapshot()` returns it. */
  correlation(): Record<string, unknown>;
  incidents(): IncidentFigures;
  /** The recovery engine's figures, or undefined when the `recovery` extension is off. */
  recovery(): RecoverySnapshot | undefined;
  /** The Alertmanager notifier's counts, or undefined when the `alertmanager` extension is off. */
  alertmanager(): AlertmanagerSnapshot | undefined;
  /** Each OTLP exporter's figures by its component id (`otlp/jaeger`); empty when no exporter is configured. */
  exporters(): Record<string, ExporterSnapshot>;
}
