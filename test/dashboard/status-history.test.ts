import { describe, expect, it } from 'vitest';
import type { StatusResponse } from '../../dashboard/src/api/wire-types.js';
import { readSample, StatusHistory } from '../../dashboard/src/state/status-history.js';

function status(acceptedSpans: number, verdicts: { healthy: number; failed: number }, rejected = 0): StatusResponse {
  const transport = { acceptedSpans, rejectedSpans: { invalid_id: rejected, sink_rejected: 0 }, rejectedRequests: { malformed: 0, back_pressure: 5 } };
  return {
    receiver: { grpc: transport, http: { acceptedSpans: 0, rejectedSpans: {}, rejectedRequests: { too_large: 1 } } },
    correlation: { verdicts: { healthy: verdicts.healthy, handled: 0, failed: verdicts.failed } },
  };
}

describe('StatusHistory', () => {
  it('has no rates before the second reading', () => {
    const history = new StatusHistory();
    history.add(status(100, { healthy: 10, failed: 0 }), 1_000);

    expect(history.rates()).toBeUndefined();
  });

  it('computes rates between the last two readings', () => {
    const history = new StatusHistory();
    history.add(status(100, { healthy: 10, failed: 0 }), 1_000);
    history.add(status(500, { healthy: 14, failed: 4 }, 2), 3_000);

    expect(history.rates()).toEqual({ spansPerSecond: 200, verdictsPerSecond: 4, failedTracesPerMinute: 120, dropsPerSecond: 1 });
  });

  it('starts over when the counters go backwards', () => {
    const history = new StatusHistory();
    history.add(status(900, { healthy: 90, failed: 9 }), 1_000);
    history.add(status(10, { healthy: 1, failed: 0 }), 3_000);

    expect(history.samples).toHaveLength(1);
    expect(history.rates()).toBeUndefined();
  });

  it('returns failing traces per minute as chart columns', () => {
    const history = new StatusHistory();
    history.add(status(0, { healthy: 0, failed: 0 }), 0);
    history.add(status(0, { healthy: 0, failed: 2 }), 2_000);
    history.add(status(0, { healthy: 0, failed: 2 }), 4_000);

    expect(history.failingTracesSeries()).toEqual([
      [2, 4],
      [60, 0],
    ]);
  });
});

describe('readSample', () => {
  it('counts rejected spans and bad requests but not back-pressure as drops', () => {
    const sample = readSample(status(7, { healthy: 3, failed: 1 }, 4), 42);

    expect(sample).toEqual({ atMs: 42, acceptedSpans: 7, verdicts: 4, failedVerdicts: 1, drops: 5 });
  });

  it('reads an empty status as zeros', () => {
    expect(readSample({}, 1)).toEqual({ atMs: 1, acceptedSpans: 0, verdicts: 0, failedVerdicts: 0, drops: 0 });
  });
});
