import type { Logger } from 'pino';

/** Shortest time between two warnings of one kind; repeats in between are only counted. */
export const WARNING_INTERVAL_MS = 10_000;

interface WarningState {
  lastLoggedAtMs: number;
  suppressed: number;
}

/**
 * Logs a warning of each kind at most once per interval, with the number of repeats left out
 * since the last one (`repeatsSuppressed`), so bad senders cannot flood the log.
 */
export class WarningThrottle {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #states = new Map<string, WarningState>();

  constructor(logger: Logger, intervalMs = WARNING_INTERVAL_MS, now: () => number = Date.now) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** Logs `message` at warn level unless a warning with the same `kind` was logged within the interval. */
  warn(kind: string, fields: Record<string, unknown>, message: string): void {
    const nowMs = this.#now();
    const state = this.#states.get(kind);
    if (state !== undefined && nowMs - state.lastLoggedAtMs < this.#intervalMs) {
      state.suppressed += 1;
      return;
    }
    this.#logger.warn({ ...fields, kind, repeatsSuppressed: state?.suppressed ?? 0 }, message);
    this.#states.set(kind, { lastLoggedAtMs: nowMs, suppressed: 0 });
  }
}
