/**
 * A value computed on demand and reused for `maxAgeMs`, for status figures that are costly to
 * compute (they walk every tracked service) and that a dashboard reads every few seconds.
 */
export class ExpiringValue<T> {
  private cached: { value: T; computedAtMs: number } | undefined;

  constructor(
    private readonly maxAgeMs: number,
    private readonly compute: () => T,
  ) {}

  get(nowMs = Date.now()): T {
    if (this.cached !== undefined && nowMs - this.cached.computedAtMs < this.maxAgeMs) return this.cached.value;
    const value = this.compute();
    this.cached = { value, computedAtMs: nowMs };
    return value;
  }
}
