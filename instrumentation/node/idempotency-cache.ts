import type { ActionOutcome } from './control-action.js';

/**
 * The results of recent idempotency keys, so that a repeated key gets the first run's
 * result instead of running the action again. Finished results are kept in least-recently-used
 * order up to a bound; keys still running are kept until they finish.
 */

/** The action and target a key was first used for; a repeat must name the same ones. */
export interface KeyScope {
  action: string;
  targetComponent: string;
}

/**
 * The cache entry of one key:
 * - `running`: the first request is still running its handler; `done` settles with its outcome;
 * - `finished`: the first request's handler returned `outcome`.
 * A key whose handler threw is forgotten, so a later request with it runs the handler again.
 */
export type KeyState =
  | { state: 'running'; scope: KeyScope; done: Promise<ActionOutcome> }
  | { state: 'finished'; scope: KeyScope; outcome: ActionOutcome };

/** The number of finished keys a control server remembers by default. */
export const DEFAULT_MAX_REMEMBERED_KEYS = 1000;

export class IdempotencyCache {
  private readonly running = new Map<string, Extract<KeyState, { state: 'running' }>>();
  private readonly finished = new Map<string, Extract<KeyState, { state: 'finished' }>>();

  /** `maxFinishedKeys` bounds the finished results kept; the least recently used go first. */
  constructor(private readonly maxFinishedKeys: number = DEFAULT_MAX_REMEMBERED_KEYS) {
    if (!Number.isInteger(maxFinishedKeys) || maxFinishedKeys < 1) {
      throw new RangeError(`maxFinishedKeys must be a positive integer, got ${maxFinishedKeys}`);
    }
  }

  /** The number of finished keys held. */
  get size(): number {
    return this.finished.size;
  }

  /** Returns what is known of `key`, and marks a finished key as recently used. */
  get(key: string): KeyState | undefined {
    const running = this.running.get(key);
    if (running !== undefined) return running;

    const finished = this.finished.get(key);
    if (finished === undefined) return undefined;
    this.finished.delete(key);
    this.finished.set(key, finished);
    return finished;
  }

  /**
   * Tracks the first run of `key`. The key is `running` while `done` is pending and `finished`
   * once it resolves. If `done` rejects, the key is forgotten.
   */
  track(key: string, scope: KeyScope, done: Promise<ActionOutcome>): void {
    this.running.set(key, { state: 'running', scope, done });
    done.then(
      (outcome) => {
        this.running.delete(key);
        this.remember(key, { state: 'finished', scope, outcome });
      },
      () => this.running.delete(key),
    );
  }

  private remember(key: string, entry: Extract<KeyState, { state: 'finished' }>): void {
    this.finished.set(key, entry);
    while (this.finished.size > this.maxFinishedKeys) {
      const oldest = this.finished.keys().next();
      if (oldest.done === true) return;
      this.finished.delete(oldest.value);
    }
  }
}
