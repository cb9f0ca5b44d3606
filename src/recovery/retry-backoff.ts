import { DelegateBackoff, ExponentialBackoff } from 'cockatiel';
import type { GeneratorFn, IBackoff, IBackoffFactory } from 'cockatiel';
import type { RetryConfig } from './config.js';
import { ControlCallError, NoHealthyEndpointError } from './control-call-error.js';
import { sleepMs } from '../common/abortable-sleep.js';

/**
 * Retries of one recovery step: up to `max_attempts` calls, retrying only retryable gRPC codes,
 * waiting an exponential delay with jitter or the server's `grpc-retry-pushback-ms`.
 *
 * The delays come from cockatiel's backoff classes. The loop is written here because the
 * retry policy of cockatiel 3.2.1 does not cancel its backoff wait when its signal aborts, so
 * shutdown would wait out a backoff of up to `max_backoff`.
 */

/** The input of the backoff after a failed attempt. */
export interface RetryBackoffContext {
  error: unknown;
}

/** One retry about to happen, for logs. */
export interface RetryEvent {
  /** The attempt that comes next, 2 for the first retry. */
  nextAttempt: number;
  delayMs: number;
  error: unknown;
}

/** The engine stopped between attempts. */
export class RetryAbortedError extends Error {
  override readonly name = 'RetryAbortedError';

  constructor(options?: ErrorOptions) {
    super('retries stopped because the engine is shutting down', options);
  }
}

/**
 * Grows the delay by `multiplier` per retry up to `max_backoff`, then draws the wait uniformly
 * between half and all of it, so that clients retrying together spread out.
 */
const jitteredExponential: GeneratorFn<number> = (retries = 0, options) => {
  const delayMs = Math.min(options.maxDelay, options.initialDelay * options.exponent ** retries);
  return [delayMs / 2 + Math.random() * (delayMs / 2), retries + 1];
};

/** Builds the step's backoff: jittered exponential, or the server's pushback when it sent one. */
export function createStepBackoff(config: RetryConfig): IBackoffFactory<RetryBackoffContext> {
  const exponential = new ExponentialBackoff({
    generator: jitteredExponential,
    initialDelay: config.initial_backoff,
    maxDelay: config.max_backoff,
    exponent: config.multiplier,
  });

  // The exponential sequence advances on every retry, pushback or not, so a pushback does not reset it.
  return new DelegateBackoff<RetryBackoffContext, IBackoff<unknown> | undefined>((context, previous) => {
    const next = previous === undefined ? exponential.next() : previous.next(context);
    const pushbackMs = context.error instanceof ControlCallError ? context.error.pushbackMs : undefined;
    return { delay: pushbackMs ?? next.duration, state: next };
  });
}

/**
 * True for a failure worth another attempt: a retryable gRPC code without a negative pushback,
 * or a target with no healthy endpoint, which may come up before the next attempt.
 */
export function isRetryable(error: unknown): boolean {
  return (error instanceof ControlCallError && error.retryable) || error instanceof NoHealthyEndpointError;
}

export interface RetryOptions {
  config: RetryConfig;
  signal: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Calls `attemptFn` with attempt numbers from 1 until it succeeds, fails with an error that is
 * not retryable, or reaches `max_attempts`. Then it rethrows the last error. It throws
 * RetryAbortedError when `signal` aborts during a wait.
 */
export async function runWithRetries<T>(attemptFn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const factory = createStepBackoff(options.config);
  let backoff: IBackoff<RetryBackoffContext> | undefined;

  for (let attempt = 1; ; attempt += 1) {
    try {
      return await attemptFn(attempt);
    } catch (error) {
      if (!isRetryable(error) || attempt >= options.config.max_attempts || options.signal.aborted) throw error;
      backoff = backoff === undefined ? factory.next({ error }) : backoff.next({ error });
      options.onRetry?.({ nextAttempt: attempt + 1, delayMs: backoff.duration, error });
      await sleepMs(backoff.duration, options.signal);
      if (options.signal.aborted) throw new RetryAbortedError({ cause: error });
    }
  }
}
