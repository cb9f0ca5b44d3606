/**
 * The global cap on actions per minute, over a sliding window of 60 seconds. Over the cap, an
 * action waits in a first-in first-out queue until budget frees. No action is dropped.
 */

const WINDOW_MS = 60_000;

/** The caller stopped waiting because the engine is shutting down. */
export class RateLimiterClosedError extends Error {
  override readonly name = 'RateLimiterClosedError';

  constructor() {
    super('action rate limiter closed while the action waited');
  }
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class ActionRateLimiter {
  /** Start times of the actions within the last minute, oldest first, in Unix milliseconds. */
  private readonly startedAtMs: number[] = [];
  private readonly waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private deferredTotal = 0;

  constructor(private readonly maxActionsPerMinute: number) {}

  /** Actions that had to wait, since start. */
  get deferredCount(): number {
    return this.deferredTotal;
  }

  /** Actions waiting now. */
  get waitingCount(): number {
    return this.waiters.length;
  }

  /**
   * Takes one action's budget. With budget left, `deferred` is false and `ready` is resolved.
   * Otherwise the action waits its turn: `ready` resolves once budget frees, or rejects with
   * RateLimiterClosedError on close.
   */
  reserve(): { deferred: boolean; ready: Promise<void> } {
    if (this.closed) return { deferred: false, ready: Promise.reject(new RateLimiterClosedError()) };
    this.dropExpired(Date.now());
    if (this.waiters.length === 0 && this.startedAtMs.length < this.maxActionsPerMinute) {
      this.startedAtMs.push(Date.now());
      return { deferred: false, ready: Promise.resolve() };
    }

    this.deferredTotal += 1;
    const ready = new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
    this.scheduleRelease();
    return { deferred: true, ready };
  }

  /** Rejects every waiting action and stops the timer. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new RateLimiterClosedError());
  }

  private dropExpired(nowMs: number): void {
    while (this.startedAtMs.length > 0 && (this.startedAtMs[0] ?? 0) <= nowMs - WINDOW_MS) this.startedAtMs.shift();
  }

  private scheduleRelease(): void {
    if (this.timer !== undefined || this.waiters.length === 0) return;
    const oldestMs = this.startedAtMs[0] ?? Date.now();
    const waitMs = Math.max(0, oldestMs + WINDOW_MS - Date.now());
    this.timer = setTimeout(() => this.release(), waitMs);
    this.timer.unref();
  }

  private release(): void {
    this.timer = undefined;
    const nowMs = Date.now();
    this.dropExpired(nowMs);
    while (this.waiters.length > 0 && this.startedAtMs.length < this.maxActionsPerMinute) {
      this.startedAtMs.push(nowMs);
      this.waiters.shift()?.resolve();
    }
    this.scheduleRelease();
  }
}
