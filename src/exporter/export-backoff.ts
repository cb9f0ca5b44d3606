import { ExponentialBackoff, type GeneratorFn, type IBackoffFactory } from 'cockatiel';
import type { RetryOnFailureSettings } from './config.js';

/**
 * The waits between the attempts of one export request, as the Collector's `retry_on_failure`
 * computes them: the interval starts at `initial_interval`, grows by `multiplier` per retry up
 * to `max_interval`, and each wait is drawn uniformly from interval × (1 ± `randomization_factor`).
 * The sequence comes from cockatiel's `ExponentialBackoff` with this generator.
 */

interface RandomizedState {
  intervalMs: number;
}

/**
 * Creates the backoff factory of an exporter. `next()` on it gives a request's first wait,
 * and `next(undefined)` on that wait gives the one after it.
 */
export function createExportBackoff(settings: RetryOnFailureSettings, random: () => number = Math.random): IBackoffFactory<unknown> {
  const generator: GeneratorFn<RandomizedState> = (state, options) => {
    const intervalMs = state === undefined ? options.initialDelay : Math.min(options.maxDelay, state.intervalMs * options.exponent);
    const spread = settings.randomization_factor * intervalMs;
    const delayMs = intervalMs - spread + random() * 2 * spread;
    return [delayMs, { intervalMs }];
  };
  return new ExponentialBackoff({
    generator,
    initialDelay: settings.initial_interval,
    maxDelay: settings.max_interval,
    exponent: settings.multiplier,
  });
}
