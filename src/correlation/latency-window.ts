/** Keeps the last `capacity` samples in a ring and reports their percentiles. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private count = 0;

  constructor(capacity: number) {
    this.samples = new Float64Array(capacity);
  }

  record(valueMs: number): void {
    this.samples[this.next] = valueMs;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
  }

  /** Returns the nearest-rank percentiles of the samples held, in ms, or undefined values when empty. */
  percentiles(): { p50Ms: number | undefined; p99Ms: number | undefined; samples: number } {
    if (this.count === 0) return { p50Ms: undefined, p99Ms: undefined, samples: 0 };
    const sorted = this.samples.slice(0, this.count).sort();
    const at = (fraction: number): number => sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
    return { p50Ms: at(0.5), p99Ms: at(0.99), samples: this.count };
  }
}
