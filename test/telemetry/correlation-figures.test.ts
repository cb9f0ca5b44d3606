import { describe, expect, it } from 'vitest';
import { type CorrelationFigures, readCorrelationFigures } from '../../src/telemetry/correlation-figures.js';

const EMPTY: CorrelationFigures = {
  verdicts: { healthy: 0, handled: 0, failed: 0 },
  revisedVerdicts: 0,
  analysisErrors: 0,
  verdictLatency: { p50Ms: undefined, p99Ms: undefined },
  knownServiceAddresses: 0,
};

describe('readCorrelationFigures', () => {
  it('reads a full stage snapshot', () => {
    const figures = readCorrelationFigures({
      verdicts: { healthy: 7, handled: 2, failed: 3 },
      revisedVerdicts: 1,
      analysisErrors: 4,
      verdictLatency: { p50Ms: 12.5, p99Ms: 300, samples: 12 },
      knownServiceAddresses: 5,
    });

    expect(figures).toEqual({
      verdicts: { healthy: 7, handled: 2, failed: 3 },
      revisedVerdicts: 1,
      analysisErrors: 4,
      verdictLatency: { p50Ms: 12.5, p99Ms: 300 },
      knownServiceAddresses: 5,
    });
  });

  const unreadable: { name: string; snapshot: Record<string, unknown> }[] = [
    { name: 'empty snapshot', snapshot: {} },
    { name: 'verdicts not an object', snapshot: { verdicts: 'many' } },
    { name: 'counts as strings', snapshot: { verdicts: { healthy: '3' }, revisedVerdicts: '1' } },
    { name: 'non-finite numbers', snapshot: { analysisErrors: Number.NaN, verdictLatency: { p50Ms: Number.POSITIVE_INFINITY } } },
    { name: 'latency null', snapshot: { verdictLatency: null } },
  ];

  it.each(unreadable)('reads zeros from $name', ({ snapshot }) => {
    expect(readCorrelationFigures(snapshot)).toEqual(EMPTY);
  });
});
