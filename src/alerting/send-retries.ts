import { ExponentialBackoff } from 'cockatiel';
import type { GeneratorFn, IBackoff } from 'cockatiel';
import { sleepMs } from '../common/abortable-sleep.js';
import { AlertmanagerRequestError } from './alertmanager-client.js';
import type { AlertRetryConfig } from './config.js';

/**
 * Retries of one batch: up to `max_attempts` requests, retrying only retryable failures, with
 * waits that double from `initial_backoff` up to `max_backoff`, with jitter.
 *
 * The delays come from cockatiel's ExponentialBackoff. The loop is written here because
 * cockatiel's retry policy (3.2.1) cannot cut a wait short, and a shutdown must not wait out a
 * backoff of up to `max_backoff` before its final attempt.
 */

/** One retry about to happen, for logs. */
export interface RetryEvent {
  /** The attempt that comes next, 2 for the first retry. */
  nextAttempt: number;
  delayMs: number;
  error: AlertmanagerRequestError;
}

export interface SendRetryOptions {
  retry: AlertRetryConfig;
  /**
   * Aborted when shutdown begins: a running wait ends at once for one last attempt, and a
   * failure after that is not retried.
   */
  hurry: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Grows the delay by a factor of 2 per retry up to the maximum, then draws the wait uniformly
 * between half and all of it, so that several Faultline instances retrying together spread out.
 */
const jitteredExponential: GeneratorFn<number> = (retries = 0, options) => {
  const delayMs = Math.min(options.maxDelay, options.initialDelay * options.exponent ** retries);
  return [delayMs / 2 + Math.random() * (delayMs / 2), retries + 1];
};

/**
 * Calls `send` until it succeeds, fails with an error that is not retryable, or reaches
 * `max_attempts`, then rethrows the last error.
 */
export async function sendWithRetries(send: () => Promise<void>, options: SendRetryOptions): Promise<void> {
  const factory = new ExponentialBackoff({
    generator: jitteredExponential,
    initialDelay: options.retry.initial_backoff,
    maxDelay: options.retry.max_backoff,
    exponent: 2,
  });
  let backoff: IBackoff<unknown> | undefined;

  for (let attempt = 1; ; attempt += 1) {
    const hurriedBeforeAttempt = options.hurry.aborted;
    try {
      await send();
      return;
    } catch (error) {
      const retryable = error instanceof AlertmanagerRequestError && error.retryable;
      if (!retryable || attempt >= options.retry.max_attempts || hurriedBeforeAttempt) throw error;

      backoff = backoff === undefined ? factory.next() : backoff.next(undefined);
      options.onRetry?.({ nextAttempt: attempt + 1, delayMs: backoff.duration, error });
      await sleepMs(backoff.duration, options.hurry);
    }
  }
}
