import type { Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { recordError } from '../../node/record-error.js';

/**
 * Runs `work` inside a new active span that ends when the work settles. A rejection is recorded
 * on the span with `recordError` and passed on.
 */
export function inSpan<T>(tracer: Tracer, name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
