import { describe, expect, it } from 'vitest';
import type { IBackoff } from 'cockatiel';
import { parseExporterConfig, type RetryOnFailureSettings } from '../../src/exporter/config.js';
import { createExportBackoff } from '../../src/exporter/export-backoff.js';

/** Returns the default `retry_on_failure` settings, as an exporter section without the key gets them. */
function retryOnFailureDefaults(): RetryOnFailureSettings {
  return parseExporterConfig('otlp', { endpoint: 'backend:4317' }).settings.retry_on_failure;
}

/** Returns the first `count` waits of a backoff. */
function waits(random: () => number, count: number, overrides: Partial<RetryOnFailureSettings> = {}): number[] {
  const factory = createExportBackoff({ ...retryOnFailureDefaults(), ...overrides }, random);
  const result: number[] = [];
  let backoff: IBackoff<unknown> | undefined;
  for (let index = 0; index < count; index += 1) {
    backoff = backoff === undefined ? factory.next(undefined) : backoff.next(undefined);
    result.push(backoff.duration);
  }
  return result;
}

describe('createExportBackoff', () => {
  it('grows by the multiplier up to max_interval', () => {
    expect(waits(() => 0.5, 6, { initial_interval: 1000, max_interval: 4000, multiplier: 2 })).toEqual([1000, 2000, 4000, 4000, 4000, 4000]);
  });

  const jitterCases = [
    { name: 'lowest draw', random: () => 0, expected: [500, 750] },
    { name: 'highest draw', random: () => 1, expected: [1500, 2250] },
  ];

  it.each(jitterCases)('spreads each wait by randomization_factor at the $name', ({ random, expected }) => {
    expect(waits(random, 2, { initial_interval: 1000, multiplier: 1.5, randomization_factor: 0.5 })).toEqual(expected);
  });

  it('draws no jitter when randomization_factor is 0', () => {
    expect(waits(() => 0.9, 3, { initial_interval: 100, multiplier: 3, max_interval: 10_000, randomization_factor: 0 })).toEqual([100, 300, 900]);
  });
});
