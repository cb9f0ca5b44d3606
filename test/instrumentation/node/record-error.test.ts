import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { errorTypeOf, recordError } from '../../../instrumentation/node/record-error.js';
import type { Attributes } from '@opentelemetry/api';

class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
}

class QuotaError extends Error {}

describe('recordError', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('record-error-test');

  beforeEach(() => exporter.reset());
  afterAll(() => provider.shutdown());

  function recordOnSpan(error: unknown, attributes?: Attributes): ReadableSpan {
    const span = tracer.startSpan('call provider');
    recordError(span, error, attributes);
    span.end();
    const [finished] = exporter.getFinishedSpans();
    if (finished === undefined) throw new Error('no span was exported');
    return finished;
  }

  it('sets status ERROR with the message', () => {
    const span = recordOnSpan(new ProviderUnavailableError('provider p1 is down'));

    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'provider p1 is down' });
  });

  it('sets error.type to the class name', () => {
    const span = recordOnSpan(new ProviderUnavailableError('provider p1 is down'));

    expect(span.attributes['error.type']).toBe('ProviderUnavailableError');
  });

  it('adds an exception event with type, message and stack', () => {
    const error = new ProviderUnavailableError('provider p1 is down');

    const span = recordOnSpan(error);

    expect(span.events).toHaveLength(1);
    expect(span.events[0]?.name).toBe('exception');
    expect(span.events[0]?.attributes).toEqual({
      'exception.type': 'ProviderUnavailableError',
      'exception.message': 'provider p1 is down',
      'exception.stacktrace': error.stack,
    });
  });

  it('takes error.type from errorType when given', () => {
    const span = recordOnSpan(new Error('quota used up'), { errorType: 'rate_limited', 'provider.name': 'p1' });

    expect(span.attributes['error.type']).toBe('rate_limited');
    expect(span.events[0]?.attributes?.['exception.type']).toBe('rate_limited');
  });

  it('sets the other attributes on the span, without errorType', () => {
    const span = recordOnSpan(new Error('quota used up'), { errorType: 'rate_limited', 'provider.name': 'p1', 'retry.count': 2 });

    expect(span.attributes).toEqual({ 'error.type': 'rate_limited', 'provider.name': 'p1', 'retry.count': 2 });
  });

  it('leaves the span open for the caller to end', () => {
    const span = tracer.startSpan('call provider');

    recordError(span, new Error('quota used up'));

    expect(span.isRecording()).toBe(true);
    span.end();
  });

  it('records a thrown string as the message with type _OTHER', () => {
    const span = recordOnSpan('connection reset');

    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'connection reset' });
    expect(span.attributes['error.type']).toBe('_OTHER');
    expect(span.events[0]?.attributes).toEqual({ 'exception.type': '_OTHER', 'exception.message': 'connection reset' });
  });

  it('records a thrown object as JSON', () => {
    const span = recordOnSpan({ code: 503 });

    expect(span.status.message).toBe('{"code":503}');
  });
});

describe('errorTypeOf', () => {
  it.each([
    { name: 'class with a name field', error: new ProviderUnavailableError('x'), type: 'ProviderUnavailableError' },
    { name: 'class without a name field', error: new QuotaError('x'), type: 'QuotaError' },
    { name: 'built-in subclass', error: new TypeError('x'), type: 'TypeError' },
    { name: 'plain Error', error: new Error('x'), type: 'Error' },
    { name: 'plain Error with a name set', error: Object.assign(new Error('x'), { name: 'TimeoutError' }), type: 'TimeoutError' },
    { name: 'string', error: 'x', type: '_OTHER' },
    { name: 'undefined', error: undefined, type: '_OTHER' },
  ])('returns $type for a $name', ({ error, type }) => {
    expect(errorTypeOf(error)).toBe(type);
  });
});
