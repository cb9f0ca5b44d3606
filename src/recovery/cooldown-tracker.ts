/** When each policy last acted on each target, so that a policy does not hit one target again within its cooldown. */
export class CooldownTracker {
  private readonly lastActionAtMs = new Map<string, number>();

  /** True when `policy` acted on `target` less than `cooldownMs` ago; a cooldown of 0 never blocks. */
  isCoolingDown(policy: string, target: string, cooldownMs: number, nowMs: number): boolean {
    const lastMs = this.lastActionAtMs.get(keyOf(policy, target));
    return lastMs !== undefined && cooldownMs > 0 && nowMs - lastMs < cooldownMs;
  }

  record(policy: string, target: string, atMs: number): void {
    this.lastActionAtMs.set(keyOf(policy, target), atMs);
  }
}

function keyOf(policy: string, target: string): string {
  return JSON.stringify([policy, target]);
}
