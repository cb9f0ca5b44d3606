import { type Registry, Summary } from 'prom-client';

/** The metric object prom-client renders; its value type is not exported by name. */
type SummaryObject = Awaited<ReturnType<Summary['get']>>;

/** Percentiles computed elsewhere, and the count of observations since start. */
export interface PercentileReading {
  /** Quantile (0..1) to value, in the metric's unit; undefined when there are no samples yet. */
  quantiles: ReadonlyMap<number, number | undefined>;
  /** Observations since start; only grows. */
  count: number;
}

export interface PercentileSummaryOptions {
  name: string;
  help: string;
  registry: Registry;
  read: () => PercentileReading;
}

/**
 * A Prometheus summary whose quantiles come from percentiles another component already
 * computes, instead of from observations fed to prom-client. It exports the quantile samples
 * and `_count` but no `_sum`, because the source keeps no sum.
 */
export class PercentileSummary extends Summary {
  private readonly read: () => PercentileReading;

  constructor(options: PercentileSummaryOptions) {
    super({ name: options.name, help: options.help, registers: [options.registry] });
    this.read = options.read;
  }

  override async get(): Promise<SummaryObject> {
    const base = await super.get();
    const reading = this.read();
    const values: SummaryObject['values'] = [];
    for (const [quantile, value] of reading.quantiles) {
      if (value !== undefined) values.push({ labels: { quantile }, value });
    }
    values.push({ metricName: `${base.name}_count`, labels: {}, value: reading.count });
    return { ...base, values };
  }
}
