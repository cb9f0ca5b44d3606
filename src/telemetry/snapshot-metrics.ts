import { Counter, Gauge, type LabelValues, type Registry } from 'prom-client';

/**
 * Counters and gauges whose values are copied from a snapshot at scrape time instead of being
 * updated where the event happens. The hot path keeps its plain number fields, and a scrape
 * costs one snapshot per component.
 */

/** One exported value with its label values. */
export interface Sample<T extends string> {
  labels: LabelValues<T>;
  value: number;
}

export interface SnapshotMetricOptions<T extends string> {
  /** Full metric name, with the unit and, for a counter, the `_total` suffix. */
  name: string;
  help: string;
  labelNames?: readonly T[];
  /** Returns the current values. A counter's values must come from totals that only grow. */
  samples: () => Iterable<Sample<T>>;
}

/** Registers a counter that exports the totals `samples` returns at each scrape. */
export function snapshotCounter<T extends string>(registry: Registry, options: SnapshotMetricOptions<T>): Counter<T> {
  const counter: Counter<T> = new Counter<T>({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames ?? [],
    registers: [registry],
    collect: () => {
      counter.reset();
      for (const sample of options.samples()) counter.inc(sample.labels, sample.value);
    },
  });
  return counter;
}

/** Registers a gauge that exports the values `samples` returns at each scrape. */
export function snapshotGauge<T extends string>(registry: Registry, options: SnapshotMetricOptions<T>): Gauge<T> {
  const gauge: Gauge<T> = new Gauge<T>({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames ?? [],
    registers: [registry],
    collect: () => {
      gauge.reset();
      for (const sample of options.samples()) gauge.set(sample.labels, sample.value);
    },
  });
  return gauge;
}

/** Returns one sample per entry of a record of counts, with the key as the value of `labelName`. */
export function samplesByKey<T extends string>(labelName: T, counts: Readonly<Record<string, number>>, labels: LabelValues<T> = {}): Sample<T>[] {
  return Object.entries(counts).map(([key, value]) => ({ labels: { ...labels, [labelName]: key } as LabelValues<T>, value }));
}
