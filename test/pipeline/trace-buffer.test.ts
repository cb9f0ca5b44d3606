import type { SpanRecord } from '../../src/model/span.js';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CompletedTrace, TraceConsumer } from '../../src/pipeline/completed-trace.js';
import { MIN_SPAN_BYTES, sweepIntervalMs, TraceBuffer, type TraceBufferSettings } from '../../src/pipeline/trace-buffer.js';
import { bufferSpan, traceIdOf } from '../support/buffer-spans.js';

const WAIT_MS = 1000;

const SETTINGS: TraceBufferSettings = {
  wait_duration: WAIT_MS,
  max_traces: 3,
  max_spans_per_trace: 4,
  max_buffered_spans: 10,
  max_buffered_bytes: 10_000,
  verdict_cache_size: 2,
};

class RecordingConsumer implements TraceConsumer {
  readonly traces: CompletedTrace[] = [];

  consumeTrace(trace: CompletedTrace): void {
    this.traces.push(trace);
  }

  releasedIds(): string[] {
    return this.traces.map((trace) => trace.traceId);
  }
}

function createBuffer(settings: Partial<TraceBufferSettings> = {}): { buffer: TraceBuffer; consumer: RecordingConsumer } {
  const consumer = new RecordingConsumer();
  const buffer = new TraceBuffer({ settings: { ...SETTINGS, ...settings }, consumer, logger: pino({ level: 'silent' }) });
  buffer.start();
  return { buffer, consumer };
}

/** Runs the analysis slices the buffer scheduled with `setImmediate`, which fake timers hold until time advances. */
function runAnalysis(): void {
  vi.advanceTimersByTime(0);
}

/** Builds a child span whose parent never arrives, so its trace only leaves the buffer when quiet. */
function orphan(trace: number, span = 2): ReturnType<typeof bufferSpan> {
  return bufferSpan({ trace, span, parent: 99 });
}

describe('TraceBuffer', () => {
  let buffer: TraceBuffer;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });

  afterEach(() => {
    buffer.shutdown();
    vi.useRealTimers();
  });

  describe('quiet release', () => {
    it('releases a trace after wait_duration without spans', () => {
      const created = createBuffer();
      buffer = created.buffer;

      buffer.consume([orphan(1)]);
      vi.advanceTimersByTime(WAIT_MS - 1);
      expect(created.consumer.traces).toHaveLength(0);

      vi.advanceTimersByTime(sweepIntervalMs(WAIT_MS));
      expect(created.consumer.releasedIds()).toEqual([traceIdOf(1)]);
      expect(created.consumer.traces[0]?.reason).toBe('quiet');
      expect(created.consumer.traces[0]?.revision).toBe(0);
      expect(buffer.snapshot().tracesReleased.quiet).toBe(1);
    });

    it('restarts the wait when a span arrives', () => {
      const created = createBuffer();
      buffer = created.buffer;

      buffer.consume([orphan(1, 2)]);
      vi.advanceTimersByTime(WAIT_MS - 100);
      buffer.consume([orphan(1, 3)]);
      vi.advanceTimersByTime(WAIT_MS - 100);
      expect(created.consumer.traces).toHaveLength(0);

      vi.advanceTimersByTime(100 + sweepIntervalMs(WAIT_MS));
      expect(created.consumer.traces[0]?.spans).toHaveLength(2);
      expect(created.consumer.traces[0]?.firstSpanAtMs).toBe(1_000_000);
      expect(created.consumer.traces[0]?.lastSpanAtMs).toBe(1_000_000 + WAIT_MS - 100);
    });

    it('releases quiet traces in order of their last span', () => {
      const created = createBuffer();
      buffer = created.buffer;

      buffer.consume([orphan(1), orphan(2)]);
      vi.advanceTimersByTime(100);
      buffer.consume([orphan(1, 3)]);
      vi.advanceTimersByTime(WAIT_MS + sweepIntervalMs(WAIT_MS));

      expect(created.consumer.releasedIds()).toEqual([traceIdOf(2), traceIdOf(1)]);
    });
  });

  describe('complete release', () => {
    it.each([
      {
        name: 'root first',
        spans: [bufferSpan({ trace: 1, span: 1 }), bufferSpan({ trace: 1, span: 2, parent: 1 }), bufferSpan({ trace: 1, span: 3, parent: 2 })],
      },
      {
        name: 'root last',
        spans: [bufferSpan({ trace: 1, span: 3, parent: 2 }), bufferSpan({ trace: 1, span: 2, parent: 1 }), bufferSpan({ trace: 1, span: 1 })],
      },
      { name: 'root alone', spans: [bufferSpan({ trace: 1, span: 1 })] },
    ])('releases at once when complete ($name)', ({ spans }) => {
      const created = createBuffer();
      buffer = created.buffer;

      buffer.consume(spans);
      runAnalysis();

      expect(created.consumer.traces).toHaveLength(1);
      expect(created.consumer.traces[0]?.reason).toBe('complete');
      expect(created.consumer.traces[0]?.spans).toHaveLength(spans.length);
      expect(buffer.snapshot().tracesHeld).toBe(0);
      expect(buffer.snapshot().spansHeld).toBe(0);
    });

    it('releases when the root arrives in a later request', () => {
      const created = createBuffer();
      buffer = created.buffer;

      buffer.consume([bufferSpan({ trace: 1, span: 2, parent: 1 })]);
      runAnalysis();
      expect(created.consumer.traces).toHaveLength(0);

      buffer.consume([bufferSpan({ trace: 1, span: 1 })]);
      runAnalysis();
      expect(created.consumer.traces[0]?.reason).toBe('complete');
    });

    it('holds a trace whose root arrived but a referenced parent is missing', () => {
      const created = createBuffer();
      buffer = created.buffer;

      buffer.consume([bufferSpan({ trace: 1, span: 1 }), bufferSpan({ trace: 1, span: 3, parent: 2 })]);
      runAnalysis();
      expect(created.consumer.traces).toHaveLength(0);

      buffer.consume([bufferSpan({ trace: 1, span: 2, parent: 1 })]);
      runAnalysis();
      expect(created.consumer.traces[0]?.reason).toBe('complete');
    });
  });

  describe('failed calls', () => {
    const failedCall = (fields: { trace: number; span: number; parent?: number }): SpanRecord => ({
      ...bufferSpan(fields),
      kind: 'client',
      signals: { status: 'error', statusMessage: 'upstream failed', errorType: '', httpStatusCode: 502, grpcStatusCode: -1, exception: undefined },
    });

    it('holds a trace whose failed call has no callee span yet', () => {
      const created = createBuffer();
      buffer = created.buffer;

      buffer.consume([bufferSpan({ trace: 1, span: 1 }), failedCall({ trace: 1, span: 2, parent: 1 })]);
      runAnalysis();
      expect(created.consumer.traces).toHaveLength(0);

      buffer.consume([bufferSpan({ trace: 1, span: 3, parent: 2, service: 'router' })]);
      runAnalysis();
      expect(created.consumer.traces[0]?.reason).toBe('complete');
      expect(created.consumer.traces[0]?.spans).toHaveLength(3);
    });

    it('releases at once when the callee span came first', () => {
      const created = createBuffer();
      buffer = created.buffer;

      buffer.consume([bufferSpan({ trace: 1, span: 3, parent: 2, service: 'router' })]);
      runAnalysis();
      buffer.consume([bufferSpan({ trace: 1, span: 1 }), failedCall({ trace: 1, span: 2, parent: 1 })]);
      runAnalysis();

      expect(created.consumer.traces[0]?.reason).toBe('complete');
    });

    it('holds a healthy call until its callee reports', () => {
      const created = createBuffer();
      buffer = created.buffer;
      const call = { ...bufferSpan({ trace: 1, span: 2, parent: 1 }), kind: 'client' as const };

      buffer.consume([bufferSpan({ trace: 1, span: 1 }), call]);
      runAnalysis();
      expect(created.consumer.traces).toHaveLength(0);

      buffer.consume([bufferSpan({ trace: 1, span: 3, parent: 2, service: 'router' })]);
      runAnalysis();
      expect(created.consumer.traces[0]?.reason).toBe('complete');
    });

    it('releases a database call at once', () => {
      const created = createBuffer();
      buffer = created.buffer;
      const query = bufferSpan({ trace: 1, span: 2, parent: 1 });
      const call = { ...query, kind: 'client' as const, peer: { ...query.peer, dbSystem: 'postgresql' } };

      buffer.consume([bufferSpan({ trace: 1, span: 1 }), call]);
      runAnalysis();

      expect(created.consumer.traces[0]?.reason).toBe('complete');
    });

    it('releases a failed call to a dead callee when quiet', () => {
      const created = createBuffer();
      buffer = created.buffer;

      buffer.consume([bufferSpan({ trace: 1, span: 1 }), failedCall({ trace: 1, span: 2, parent: 1 })]);
      vi.advanceTimersByTime(WAIT_MS + sweepIntervalMs(WAIT_MS));

      expect(created.consumer.traces[0]?.reason).toBe('quiet');
    });
  });

  describe('limits', () => {
    it('evicts the least recently updated trace past max_traces', () => {
      const created = createBuffer();
      buffer = created.buffer;

      buffer.consume([orphan(1), orphan(2), orphan(3)]);
      runAnalysis();
      buffer.consume([orphan(1, 3)]);
      runAnalysis();
      buffer.consume([orphan(4)]);
      runAnalysis();
      buffer.consume([orphan(5)]);
      runAnalysis();

      expect(created.consumer.releasedIds()).toEqual([traceIdOf(2), traceIdOf(3)]);
      expect(created.consumer.traces.map((trace) => trace.reason)).toEqual(['evicted', 'evicted']);
      expect(buffer.snapshot().tracesEvicted).toBe(2);
      expect(buffer.snapshot().tracesHeld).toBe(3);
    });

    it('rejects spans past max_spans_per_trace', () => {
      const created = createBuffer();
      buffer = created.buffer;

      const result = buffer.consume([2, 3, 4, 5, 6].map((span) => orphan(1, span)));

      expect(result).toEqual({ status: 'accepted', rejectedSpans: 1, rejectReason: 'trace exceeds max_spans_per_trace' });
      expect(buffer.snapshot().spansRejected.trace_span_limit).toBe(1);
      expect(buffer.snapshot().spansHeld).toBe(4);
    });

    it('rejects a span id that arrived before', () => {
      const created = createBuffer();
      buffer = created.buffer;

      const result = buffer.consume([orphan(1, 2), orphan(1, 2)]);

      expect(result).toEqual({ status: 'accepted', rejectedSpans: 1, rejectReason: 'duplicate span id in trace' });
      expect(buffer.snapshot().spansRejected.duplicate_span).toBe(1);
    });

    it('answers full and keeps nothing past max_buffered_spans', () => {
      const created = createBuffer({ max_traces: 100, max_spans_per_trace: 100 });
      buffer = created.buffer;
      buffer.consume([2, 3, 4, 5, 6, 7, 8, 9].map((span) => orphan(1, span)));

      const result = buffer.consume([orphan(2), orphan(3), orphan(4)]);

      expect(result).toEqual({ status: 'full' });
      expect(buffer.snapshot().requestsRejectedFull).toBe(1);
      expect(buffer.snapshot().tracesHeld).toBe(1);
      expect(buffer.snapshot().spansHeld).toBe(8);
    });

    it('takes an oversize request into an empty buffer', () => {
      const created = createBuffer({ max_traces: 100, max_spans_per_trace: 100 });
      buffer = created.buffer;

      const result = buffer.consume([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((span) => orphan(1, span)));

      expect(result.status).toBe('accepted');
      expect(buffer.snapshot().spansHeld).toBe(12);
      expect(buffer.consume([orphan(2)]).status).toBe('full');
    });

    it('answers full past max_buffered_bytes', () => {
      const created = createBuffer({ max_traces: 100, max_spans_per_trace: 100, max_buffered_spans: 100 });
      buffer = created.buffer;
      buffer.consume([orphan(1, 2)], 6000);

      const result = buffer.consume([orphan(2)], 6000);

      expect(result).toEqual({ status: 'full' });
      expect(buffer.snapshot()).toMatchObject({ spansHeld: 1, bytesHeld: 6000, requestsRejectedFull: 1 });
    });

    it('counts a tiny span as at least MIN_SPAN_BYTES', () => {
      const created = createBuffer({ max_traces: 100, max_spans_per_trace: 100, max_buffered_spans: 100 });
      buffer = created.buffer;

      buffer.consume([2, 3, 4].map((span) => orphan(1, span)), 30);

      expect(buffer.snapshot().bytesHeld).toBe(3 * MIN_SPAN_BYTES);
    });

    it('drops the oldest cached trace past the byte budget', () => {
      const created = createBuffer({ verdict_cache_size: 100 });
      buffer = created.buffer;
      buffer.consume([bufferSpan({ trace: 1, span: 1 })], 6000);
      runAnalysis();
      buffer.consume([bufferSpan({ trace: 2, span: 1 })], 6000);
      runAnalysis();

      expect(buffer.snapshot()).toMatchObject({ tracesCached: 1, bytesCached: 6000, bytesHeld: 0 });

      buffer.consume([bufferSpan({ trace: 1, span: 2, parent: 1 })], 100);
      runAnalysis();
      expect(buffer.snapshot()).toMatchObject({ lateSpans: 0, tracesHeld: 1 });
    });

    it('accepts again once the buffer drains', () => {
      const created = createBuffer({ max_traces: 100, max_spans_per_trace: 100 });
      buffer = created.buffer;
      buffer.consume([2, 3, 4, 5, 6, 7, 8, 9].map((span) => orphan(1, span)));
      expect(buffer.consume([orphan(2), orphan(3), orphan(4)]).status).toBe('full');

      vi.advanceTimersByTime(WAIT_MS + sweepIntervalMs(WAIT_MS));

      expect(buffer.snapshot().spansHeld).toBe(0);
      expect(buffer.consume([orphan(2), orphan(3), orphan(4)]).status).toBe('accepted');
      expect(buffer.snapshot().spansHeld).toBe(3);
    });
  });

  describe('late spans', () => {
    it('re-releases the trace with revision 1 after wait_duration', () => {
      const created = createBuffer();
      buffer = created.buffer;
      buffer.consume([bufferSpan({ trace: 1, span: 1 })]);
      runAnalysis();

      buffer.consume([bufferSpan({ trace: 1, span: 2, parent: 1 })]);
      runAnalysis();
      buffer.consume([bufferSpan({ trace: 1, span: 3, parent: 1 })]);
      runAnalysis();
      expect(created.consumer.traces).toHaveLength(1);

      vi.advanceTimersByTime(WAIT_MS + sweepIntervalMs(WAIT_MS));
      expect(created.consumer.traces).toHaveLength(2);
      const revised = created.consumer.traces[1];
      expect(revised?.revision).toBe(1);
      expect(revised?.reason).toBe('quiet');
      expect(revised?.spans.map((span) => span.spanId)).toHaveLength(3);
      expect(created.consumer.traces[0]?.spans).toHaveLength(1);
      expect(buffer.snapshot().lateSpans).toBe(2);
    });

    it('starts a new trace once the released trace left the cache', () => {
      const created = createBuffer();
      buffer = created.buffer;
      buffer.consume([1, 2, 3].map((trace) => bufferSpan({ trace, span: 1 })));

      buffer.consume([bufferSpan({ trace: 1, span: 2, parent: 1 })]);
      vi.advanceTimersByTime(WAIT_MS + sweepIntervalMs(WAIT_MS));

      expect(created.consumer.traces[3]?.revision).toBe(0);
      expect(buffer.snapshot().lateSpans).toBe(0);
    });

    it('rejects a resent span without reopening the trace', () => {
      const created = createBuffer();
      buffer = created.buffer;
      buffer.consume([bufferSpan({ trace: 1, span: 1 })]);

      const result = buffer.consume([bufferSpan({ trace: 1, span: 1 })]);
      vi.advanceTimersByTime(WAIT_MS + sweepIntervalMs(WAIT_MS));

      expect(result).toMatchObject({ status: 'accepted', rejectedSpans: 1 });
      expect(created.consumer.traces).toHaveLength(1);
      expect(buffer.snapshot().lateSpans).toBe(0);
    });

    it('rejects late spans when the released trace is at max_spans_per_trace', () => {
      const created = createBuffer();
      buffer = created.buffer;
      buffer.consume([bufferSpan({ trace: 1, span: 1 }), ...[2, 3, 4].map((span) => bufferSpan({ trace: 1, span, parent: 1 }))]);

      const result = buffer.consume([bufferSpan({ trace: 1, span: 5, parent: 1 })]);

      expect(result).toMatchObject({ status: 'accepted', rejectedSpans: 1 });
      expect(buffer.snapshot().tracesHeld).toBe(0);
    });
  });

  describe('analysis queue', () => {
    /** One complete trace of `spanCount` spans: a root and its children. */
    const completeTrace = (trace: number, spanCount: number): SpanRecord[] =>
      Array.from({ length: spanCount }, (_, index) => bufferSpan({ trace, span: index + 1, parent: index === 0 ? undefined : 1 }));

    it('hands a complete trace over after consume returns', () => {
      const created = createBuffer();
      buffer = created.buffer;

      buffer.consume(completeTrace(1, 2));
      expect(created.consumer.traces).toHaveLength(0);

      runAnalysis();
      expect(created.consumer.releasedIds()).toEqual([traceIdOf(1)]);
    });

    it('counts queued spans against max_buffered_spans', () => {
      const created = createBuffer({ max_spans_per_trace: 100 });
      buffer = created.buffer;
      buffer.consume(completeTrace(1, 8), 8 * MIN_SPAN_BYTES);

      expect(buffer.snapshot()).toMatchObject({ tracesHeld: 0, spansHeld: 8, bytesHeld: 8 * MIN_SPAN_BYTES });
      expect(buffer.consume([orphan(2), orphan(3), orphan(4)]).status).toBe('full');

      runAnalysis();
      expect(buffer.snapshot()).toMatchObject({ spansHeld: 0, bytesHeld: 0 });
      expect(buffer.consume([orphan(2), orphan(3), orphan(4)]).status).toBe('accepted');
    });

    it('hands queued traces over at shutdown', () => {
      const created = createBuffer();
      buffer = created.buffer;
      buffer.consume(completeTrace(1, 2));
      buffer.consume([orphan(2)]);

      buffer.shutdown();

      expect(created.consumer.releasedIds()).toEqual([traceIdOf(1), traceIdOf(2)]);
      expect(created.consumer.traces.map((trace) => trace.reason)).toEqual(['complete', 'shutdown']);
      expect(buffer.snapshot().spansHeld).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('keeps revisions in release order', () => {
      const created = createBuffer();
      buffer = created.buffer;
      buffer.consume(completeTrace(1, 1));
      buffer.consume([bufferSpan({ trace: 1, span: 2, parent: 1 })]);

      buffer.shutdown();

      expect(created.consumer.traces.map((trace) => [trace.revision, trace.spans.length])).toEqual([
        [0, 1],
        [1, 2],
      ]);
    });
  });

  describe('lifecycle', () => {
    it('drains every held trace at shutdown', () => {
      const created = createBuffer();
      buffer = created.buffer;
      buffer.consume([orphan(1), orphan(2)]);

      buffer.shutdown();
      buffer.shutdown();

      expect(created.consumer.releasedIds()).toEqual([traceIdOf(1), traceIdOf(2)]);
      expect(created.consumer.traces.map((trace) => trace.reason)).toEqual(['shutdown', 'shutdown']);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('answers full after shutdown', () => {
      const created = createBuffer();
      buffer = created.buffer;
      buffer.shutdown();

      expect(buffer.consume([orphan(1)])).toEqual({ status: 'full' });
    });

    it('runs one timer however many traces it holds', () => {
      const created = createBuffer({ max_traces: 100 });
      buffer = created.buffer;
      buffer.start();

      buffer.consume(Array.from({ length: 10 }, (_, index) => orphan(index + 1)));

      expect(vi.getTimerCount()).toBe(1);
    });

    it('keeps releasing when the consumer throws', () => {
      const consumeTrace = vi.fn(() => {
        throw new Error('analysis failed');
      });
      const consumer: TraceConsumer = { consumeTrace };
      buffer = new TraceBuffer({ settings: SETTINGS, consumer, logger: pino({ level: 'silent' }) });

      buffer.consume([bufferSpan({ trace: 1, span: 1 }), bufferSpan({ trace: 2, span: 1 })]);
      runAnalysis();

      expect(consumeTrace).toHaveBeenCalledTimes(2);
      expect(buffer.snapshot().consumerFailures).toBe(2);
    });
  });
});
