import type { Registry } from 'prom-client';
import type { AlertmanagerSnapshot } from '../alerting/alertmanager-notifier.js';
import type { ReadingProvider } from './metrics-reading.js';
import { snapshotCounter, snapshotGauge } from './snapshot-metrics.js';

type AlertmanagerFigure = [name: string, help: string, value: (alertmanager: AlertmanagerSnapshot) => number];

const COUNTERS: readonly AlertmanagerFigure[] = [
  ['faultline_alertmanager_sent_alerts_total', 'Alerts Alertmanager accepted.', (alertmanager) => alertmanager.sent],
  [
    'faultline_alertmanager_failed_alerts_total',
    'Alerts in batches that failed after every retry or that Alertmanager rejected.',
    (alertmanager) => alertmanager.failed,
  ],
  [
    'faultline_alertmanager_dropped_alerts_total',
    'Alerts not queued because the queue was full, or still queued when shutdown ended.',
    (alertmanager) => alertmanager.dropped,
  ],
];

const GAUGES: readonly AlertmanagerFigure[] = [
  ['faultline_alertmanager_pending_alerts', 'Alerts waiting to be sent to Alertmanager.', (alertmanager) => alertmanager.pending],
  ['faultline_alertmanager_firing_alerts', 'Unresolved incidents whose alerts fire.', (alertmanager) => alertmanager.firing],
];

/** Registers the Alertmanager notifier's metrics; they read 0 when the `alertmanager` extension is off. */
export function registerAlertmanagerMetrics(registry: Registry, read: ReadingProvider): void {
  const valueOf = (value: AlertmanagerFigure[2]): number => {
    const alertmanager = read().alertmanager;
    return alertmanager === undefined ? 0 : value(alertmanager);
  };
  for (const [name, help, value] of COUNTERS) snapshotCounter(registry, { name, help, samples: () => [{ labels: {}, value: valueOf(value) }] });
  for (const [name, help, value] of GAUGES) snapshotGauge(registry, { name, help, samples: () => [{ labels: {}, value: valueOf(value) }] });
}
