import { Histogram, type Registry } from 'prom-client';
import type { RecoverySnapshot } from '../recovery/recovery-counters.js';
import type { BreakerState } from '../recovery/target-client.js';
import type { ReadingProvider } from './metrics-reading.js';
import { type Sample, samplesByKey, snapshotCounter, snapshotGauge } from './snapshot-metrics.js';

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half_open', 'isolated'];

/** Bucket bounds of the time to recover, in seconds: from one verification window to an hour. */
const TIME_TO_RECOVER_BUCKETS_SECONDS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

const MS_PER_SECOND = 1000;

function attemptSamples(recovery: RecoverySnapshot | undefined): Sample<'target' | 'outcome'>[] {
  if (recovery === undefined) return [];
  return Object.entries(recovery.attempts).flatMap(([target, byOutcome]) => samplesByKey<'target' | 'outcome'>('outcome', byOutcome, { target }));
}

function breakerSamples(recovery: RecoverySnapshot | undefined): Sample<'target' | 'state'>[] {
  if (recovery === undefined) return [];
  return Object.entries(recovery.breakers).flatMap(([target, current]) =>
    BREAKER_STATES.map((state) => ({ labels: { target, state }, value: state === current ? 1 : 0 })),
  );
}

/**
 * Registers a histogram of the time from incident opened to resolved by recovery. The engine
 * keeps the latest 1000 times and a total, so each scrape observes the times added since the
 * previous one. More than 1000 recoveries between two scrapes would lose the oldest of them.
 */
function registerTimeToRecover(registry: Registry, read: ReadingProvider): void {
  let observedRecoveries = 0;
  const histogram: Histogram = new Histogram({
    name: 'faultline_recovery_time_to_recover_seconds',
    help: 'Time from an incident opening to its resolution by a verified recovery step.',
    buckets: TIME_TO_RECOVER_BUCKETS_SECONDS,
    registers: [registry],
    collect: () => {
      const recovery = read().recovery;
      if (recovery === undefined) return;

      const added = recovery.recoveriesSucceeded - observedRecoveries;
      if (added <= 0) return;
      const times = recovery.timesToRecoverMs;
      for (const timeMs of times.slice(Math.max(0, times.length - added))) histogram.observe(timeMs / MS_PER_SECOND);
      observedRecoveries = recovery.recoveriesSucceeded;
    },
  });
}

/** Registers the recovery engine's metrics; they export no samples, or zeros, when recovery is off. */
export function registerRecoveryMetrics(registry: Registry, read: ReadingProvider): void {
  snapshotCounter(registry, {
    name: 'faultline_recovery_attempts_total',
    help: 'Control calls per target. outcome: applied, already_applied, in_progress, rejected, breaker_open, no_healthy_endpoint, stopped, error, or the lower-case gRPC status code of a failed call.',
    labelNames: ['target', 'outcome'],
    samples: () => attemptSamples(read().recovery),
  });
  snapshotGauge(registry, {
    name: 'faultline_recovery_breaker_state',
    help: "Circuit breaker state per target: 1 for the current state (closed, open, half_open or isolated), 0 for the others.",
    labelNames: ['target', 'state'],
    samples: () => breakerSamples(read().recovery),
  });
  registerTimeToRecover(registry, read);

  const counters: [name: string, help: string, value: (recovery: RecoverySnapshot) => number][] = [
    ['faultline_recovery_started_recoveries_total', 'Recoveries started by a policy match or by hand, and recoveries resumed after a restart.', (recovery) => recovery.recoveriesStarted],
    ['faultline_recovery_succeeded_recoveries_total', 'Recoveries that resolved their incident after a verified step.', (recovery) => recovery.recoveriesSucceeded],
    ['faultline_recovery_escalated_recoveries_total', 'Recoveries that ran out of steps and escalated the incident.', (recovery) => recovery.recoveriesEscalated],
    ['faultline_recovery_deferred_actions_total', 'Actions that waited because the per-minute action cap was reached.', (recovery) => recovery.actionsDeferred],
  ];
  for (const [name, help, value] of counters) {
    snapshotCounter(registry, { name, help, samples: () => [{ labels: {}, value: valueOrZero(read().recovery, value) }] });
  }

  const gauges: [name: string, help: string, value: (recovery: RecoverySnapshot) => number][] = [
    ['faultline_recovery_running_recoveries', 'Recoveries running now.', (recovery) => recovery.recoveriesRunning],
    ['faultline_recovery_waiting_actions', 'Actions waiting now for the per-minute action cap.', (recovery) => recovery.actionsWaiting],
  ];
  for (const [name, help, value] of gauges) {
    snapshotGauge(registry, { name, help, samples: () => [{ labels: {}, value: valueOrZero(read().recovery, value) }] });
  }
}

function valueOrZero(recovery: RecoverySnapshot | undefined, value: (recovery: RecoverySnapshot) => number): number {
  return recovery === undefined ? 0 : value(recovery);
}
