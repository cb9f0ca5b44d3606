import type { BreakerState } from './target-client.js';

/** Figures of the recovery engine for the status API and metrics. */

/** Times to recover kept for the snapshot, newest last; older ones are dropped. */
const MAX_TIMES_TO_RECOVER = 1000;

export interface RecoverySnapshot {
  /** Control calls by target, then by result (`applied`, `already_applied`, `in_progress`, `rejected`, a gRPC code name, ...). */
  attempts: Record<string, Record<string, number>>;
  recoveriesStarted: number;
  recoveriesSucceeded: number;
  recoveriesEscalated: number;
  /** Actions that waited for the per-minute cap since start. */
  actionsDeferred: number;
  /** Actions waiting for the per-minute cap now. */
  actionsWaiting: number;
  /** Recoveries running now. */
  recoveriesRunning: number;
  breakers: Record<string, BreakerState>;
  /** From incident opened to resolved by recovery, in milliseconds, newest last (at most 1000). */
  timesToRecoverMs: number[];
}

export class RecoveryCounters {
  private readonly attempts = new Map<string, Map<string, number>>();
  private readonly timesToRecoverMs: number[] = [];
  started = 0;
  succeeded = 0;
  escalated = 0;

  countAttempt(target: string, result: string): void {
    const byResult = this.attempts.get(target) ?? new Map<string, number>();
    byResult.set(result, (byResult.get(result) ?? 0) + 1);
    this.attempts.set(target, byResult);
  }

  countRecovered(timeToRecoverMs: number): void {
    this.succeeded += 1;
    this.timesToRecoverMs.push(timeToRecoverMs);
    if (this.timesToRecoverMs.length > MAX_TIMES_TO_RECOVER) this.timesToRecoverMs.shift();
  }

  snapshot(live: Pick<RecoverySnapshot, 'actionsDeferred' | 'actionsWaiting' | 'recoveriesRunning' | 'breakers'>): RecoverySnapshot {
    const attempts: Record<string, Record<string, number>> = {};
    for (const [target, byResult] of this.attempts) attempts[target] = Object.fromEntries(byResult);
    return {
      attempts,
      recoveriesStarted: this.started,
      recoveriesSucceeded: this.succeeded,
      recoveriesEscalated: this.escalated,
      timesToRecoverMs: [...this.timesToRecoverMs],
      ...live,
    };
  }
}
