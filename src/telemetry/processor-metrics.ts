import type { Registry } from 'prom-client';
import type { ReadingProvider } from './metrics-reading.js';
import { PercentileSummary } from './percentile-summary.js';
import { samplesByKey, snapshotCounter, snapshotGauge } from './snapshot-metrics.js';

const MS_PER_SECOND = 1000;

function secondsOf(valueMs: number | undefined): number | undefined {
  return valueMs === undefined ? undefined : valueMs / MS_PER_SECOND;
}

/** Registers the `errorcorrelation` processor's metrics: verdicts, their latency, and what the tracker dropped. */
export function registerProcessorMetrics(registry: Registry, read: ReadingProvider): void {
  snapshotCounter(registry, {
    name: 'faultline_processor_verdicts_total',
    help: 'First verdicts of analyzed traces. outcome: healthy, handled (errors the caller handled) or failed.',
    labelNames: ['outcome'],
    samples: () => samplesByKey('outcome', read().correlation.verdicts),
  });

  new PercentileSummary({
    name: 'faultline_processor_verdict_latency_seconds',
    help: "Time from a trace's last span to its first verdict, over the latest 10000 verdicts. Has no _sum.",
    registry,
    read: () => {
      const { verdicts, verdictLatency } = read().correlation;
      return {
        quantiles: new Map([
          [0.5, secondsOf(verdictLatency.p50Ms)],
          [0.99, secondsOf(verdictLatency.p99Ms)],
        ]),
        count: verdicts.healthy + verdicts.handled + verdicts.failed,
      };
    },
  });

  const counters: [name: string, help: string, value: () => number][] = [
    ['faultline_processor_revised_verdicts_total', 'Verdicts made again because late spans joined an analyzed trace.', () => read().correlation.revisedVerdicts],
    ['faultline_processor_analysis_errors_total', 'Traces whose analysis threw; each is dropped.', () => read().correlation.analysisErrors],
    [
      'faultline_processor_ungrouped_failures_total',
      'Failing traces not grouped into an incident because the tracker already held 10000 root-cause groups.',
      () => read().incidents.dropped.ungroupedFailures,
    ],
    [
      'faultline_processor_untracked_services_total',
      'Service traffic entries not counted because the tracker already tracked 10000 services.',
      () => read().incidents.dropped.untrackedServices,
    ],
    [
      'faultline_processor_dropped_graph_entries_total',
      'Service graph nodes and edges not kept because the graph was full.',
      () => read().incidents.dropped.serviceGraphEntries,
    ],
  ];
  for (const [name, help, value] of counters) snapshotCounter(registry, { name, help, samples: () => [{ labels: {}, value: value() }] });

  snapshotGauge(registry, {
    name: 'faultline_processor_known_service_addresses',
    help: 'Service addresses learned from spans, used to name a callee that reported no span.',
    samples: () => [{ labels: {}, value: read().correlation.knownServiceAddresses }],
  });
}

/** Registers the incident gauges and totals. */
export function registerIncidentMetrics(registry: Registry, read: ReadingProvider): void {
  snapshotGauge(registry, {
    name: 'faultline_incidents',
    help: 'Incidents held now, by state. Resolved incidents count while the tracker keeps them (max_resolved).',
    labelNames: ['state'],
    samples: () => samplesByKey('state', read().incidents.byState),
  });
  snapshotCounter(registry, {
    name: 'faultline_incidents_opened_total',
    help: 'Incidents opened since start; incidents restored after a restart are not counted.',
    samples: () => [{ labels: {}, value: read().incidents.opened }],
  });
  snapshotCounter(registry, {
    name: 'faultline_incidents_resolved_total',
    help: 'Incidents resolved since start. reason: quiet, recovered, manual or withdrawn.',
    labelNames: ['reason'],
    samples: () => samplesByKey('reason', read().incidents.resolved),
  });
}
