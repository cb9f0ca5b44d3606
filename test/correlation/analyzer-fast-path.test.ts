import { beforeEach, describe, expect, it, vi } from 'vitest';
import { analyzeTrace, type AnalyzerOptions } from '../../src/correlation/analyzer.js';
import { NO_KNOWN_SERVICES } from '../../src/correlation/known-services.js';
import { buildTraceTree } from '../../src/correlation/trace-tree.js';
import type * as traceTreeModule from '../../src/correlation/trace-tree.js';
import type { SpanRecord } from '../../src/model/span.js';
import { span } from '../support/span-builder.js';

vi.mock('../../src/correlation/trace-tree.js', async (importOriginal) => {
  const original = await importOriginal<typeof traceTreeModule>();
  return { ...original, buildTraceTree: vi.fn(original.buildTraceTree) };
});

const OPTIONS: AnalyzerOptions = { rules: [], nowMs: 0, knownServices: NO_KNOWN_SERVICES };

/** Builds a 10-span trace: a gateway server span, four calls returning 200, and one internal span. */
function healthyTrace(): SpanRecord[] {
  const spans = [span({ spanId: 'g0', service: 'gateway', kind: 'server', httpStatusCode: 200 })];
  for (let call = 1; call <= 4; call++) {
    spans.push(span({ spanId: `g${call}`, parentSpanId: 'g0', service: 'gateway', kind: 'client', httpStatusCode: 200 }));
    spans.push(span({ spanId: `s${call}`, parentSpanId: `g${call}`, service: `service-${call}`, kind: 'server', httpStatusCode: 200 }));
  }
  spans.push(span({ spanId: 'g5', parentSpanId: 'g0', service: 'gateway', kind: 'internal' }));
  return spans;
}

describe('analyzeTrace fast path', () => {
  beforeEach(() => {
    vi.mocked(buildTraceTree).mockClear();
  });

  it('builds no tree for a healthy trace', () => {
    const spans = healthyTrace();

    const verdict = analyzeTrace(spans, OPTIONS);

    expect(spans).toHaveLength(10);
    expect(verdict.outcome).toBe('healthy');
    expect(buildTraceTree).not.toHaveBeenCalled();
  });

  it('still counts services and edges for a healthy trace', () => {
    const verdict = analyzeTrace(healthyTrace(), OPTIONS);

    expect(verdict.services).toHaveLength(5);
    expect(verdict.services.every((service) => !service.failed)).toBe(true);
    expect(verdict.edges.map((edge) => edge.callee.service)).toEqual(['service-1', 'service-2', 'service-3', 'service-4']);
  });

  it('builds no tree when error signals mark no failed span', () => {
    const spans = [span({ spanId: 'g0', service: 'gateway', kind: 'server', status: 'ok', exception: { type: 'Error', message: 'cache miss' } })];

    const verdict = analyzeTrace(spans, OPTIONS);

    expect(verdict.outcome).toBe('healthy');
    expect(buildTraceTree).not.toHaveBeenCalled();
  });

  it('builds the tree once a span failed', () => {
    const spans = [span({ spanId: 'g0', service: 'gateway', kind: 'server', status: 'error' }), ...healthyTrace().slice(1)];

    const verdict = analyzeTrace(spans, OPTIONS);

    expect(verdict.outcome).toBe('failed');
    expect(buildTraceTree).toHaveBeenCalledTimes(1);
  });
});
