import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SliceScheduler } from '../../src/common/slice-scheduler.js';
import { AnalysisQueue } from '../../src/pipeline/analysis-queue.js';
import type { CompletedTrace, TraceConsumer } from '../../src/pipeline/completed-trace.js';
import { bufferSpan, traceIdOf } from '../support/buffer-spans.js';

/** Analysis time each handed-over trace adds to the fake clock, in ms. */
const ANALYSIS_MS = 0.5;

/** Records each trace and advances the fake clock as if analysis took `ANALYSIS_MS`. */
class TimedConsumer implements TraceConsumer {
  readonly traceIds: string[] = [];
  nowMs = 0;

  consumeTrace(trace: CompletedTrace): void {
    this.traceIds.push(trace.traceId);
    this.nowMs += ANALYSIS_MS;
  }
}

function completedTrace(trace: number, spanCount = 1): CompletedTrace {
  const spans = Array.from({ length: spanCount }, (_, index) => bufferSpan({ trace, span: index + 1 }));
  return { traceId: traceIdOf(trace), spans, firstSpanAtMs: 0, lastSpanAtMs: 0, reason: 'complete', revision: 0 };
}

function createQueue(sliceBudgetMs = 2): { queue: AnalysisQueue; consumer: TimedConsumer } {
  const consumer = new TimedConsumer();
  const scheduler = new SliceScheduler({ turnBudgetMs: sliceBudgetMs, clock: () => consumer.nowMs });
  const queue = new AnalysisQueue({ consumer, logger: pino({ level: 'silent' }), scheduler });
  return { queue, consumer };
}

/** Runs the next scheduled slice. Fake timers hold `setImmediate` callbacks until time advances. */
function runSlice(): void {
  vi.advanceTimersToNextTimer();
}

describe('AnalysisQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  describe('push', () => {
    it('hands nothing over before the slice runs', () => {
      const { queue, consumer } = createQueue();

      queue.push(completedTrace(1), 100);

      expect(consumer.traceIds).toEqual([]);
      expect(queue.length).toBe(1);
      expect(vi.getTimerCount()).toBe(1);
    });

    it('schedules one slice for many traces', () => {
      const { queue } = createQueue();

      for (let trace = 1; trace <= 10; trace += 1) queue.push(completedTrace(trace), 100);

      expect(vi.getTimerCount()).toBe(1);
    });

    it('counts the spans and bytes waiting', () => {
      const { queue } = createQueue();

      queue.push(completedTrace(1, 3), 3000);
      queue.push(completedTrace(2, 2), 1500);

      expect(queue.length).toBe(2);
      expect(queue.spanCount).toBe(5);
      expect(queue.sizeBytes).toBe(4500);
    });
  });

  describe('slices', () => {
    it.each([
      { name: 'budget of four traces', sliceBudgetMs: 2, firstSlice: 4 },
      { name: 'budget below one trace', sliceBudgetMs: 0.1, firstSlice: 1 },
      { name: 'zero budget', sliceBudgetMs: 0, firstSlice: 1 },
      { name: 'budget above the queue', sliceBudgetMs: 100, firstSlice: 10 },
    ])('stops a slice at the budget ($name)', ({ sliceBudgetMs, firstSlice }) => {
      const { queue, consumer } = createQueue(sliceBudgetMs);
      for (let trace = 1; trace <= 10; trace += 1) queue.push(completedTrace(trace), 100);

      runSlice();

      expect(consumer.traceIds).toHaveLength(firstSlice);
      expect(queue.length).toBe(10 - firstSlice);
      expect(vi.getTimerCount()).toBe(firstSlice < 10 ? 1 : 0);
    });

    it('hands traces over in push order across slices', () => {
      const { queue, consumer } = createQueue();
      for (let trace = 1; trace <= 10; trace += 1) queue.push(completedTrace(trace), 100);

      runSlice();
      queue.push(completedTrace(11), 100);
      vi.runAllTimers();

      expect(consumer.traceIds).toEqual(Array.from({ length: 11 }, (_, index) => traceIdOf(index + 1)));
      expect(vi.getTimerCount()).toBe(0);
    });

    it('keeps the counts of the traces still waiting', () => {
      const { queue } = createQueue();
      for (let trace = 1; trace <= 10; trace += 1) queue.push(completedTrace(trace, 2), 1000);

      runSlice();

      expect(queue.spanCount).toBe(12);
      expect(queue.sizeBytes).toBe(6000);
    });

    it('keeps order after the handed-over part is compacted', () => {
      const { queue, consumer } = createQueue(1000);
      for (let trace = 1; trace <= 3000; trace += 1) queue.push(completedTrace(trace), 100);

      runSlice();
      expect(consumer.traceIds).toHaveLength(2000);
      queue.push(completedTrace(3001), 100);
      vi.runAllTimers();

      expect(consumer.traceIds).toHaveLength(3001);
      expect(consumer.traceIds.at(2000)).toBe(traceIdOf(2001));
      expect(consumer.traceIds.at(-1)).toBe(traceIdOf(3001));
      expect(queue.length).toBe(0);
    });
  });

  describe('drain', () => {
    it('hands over every trace at once and cancels the slice', () => {
      const { queue, consumer } = createQueue();
      for (let trace = 1; trace <= 10; trace += 1) queue.push(completedTrace(trace), 100);

      queue.drain();

      expect(consumer.traceIds).toHaveLength(10);
      expect(queue.length).toBe(0);
      expect(queue.spanCount).toBe(0);
      expect(queue.sizeBytes).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('hands over a trace pushed after a drain', () => {
      const { queue, consumer } = createQueue();
      queue.push(completedTrace(1), 100);
      queue.drain();

      queue.push(completedTrace(2), 100);
      vi.runAllTimers();

      expect(consumer.traceIds).toEqual([traceIdOf(1), traceIdOf(2)]);
    });

    it('does nothing when empty', () => {
      const { queue, consumer } = createQueue();

      queue.drain();

      expect(consumer.traceIds).toEqual([]);
    });
  });

  describe('consumer failures', () => {
    it('counts each failure and keeps handing over', () => {
      const consumeTrace = vi.fn((trace: CompletedTrace) => {
        if (trace.traceId === traceIdOf(1)) throw new Error('analysis failed');
      });
      const queue = new AnalysisQueue({ consumer: { consumeTrace }, logger: pino({ level: 'silent' }) });
      queue.push(completedTrace(1), 100);
      queue.push(completedTrace(2), 100);

      queue.drain();

      expect(consumeTrace).toHaveBeenCalledTimes(2);
      expect(queue.consumerFailures).toBe(1);
      expect(queue.spanCount).toBe(0);
    });
  });
});
