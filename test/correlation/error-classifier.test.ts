import { describe, expect, it } from 'vitest';
import type { ErrorKindRule } from '../../src/correlation/config.js';
import { classifyBuiltInErrorKind, classifyErrorKind, MAX_MATCHED_MESSAGE_LENGTH } from '../../src/correlation/error-classifier.js';
import { span, type SpanSpec } from '../support/span-builder.js';

const failing = (spec: Partial<SpanSpec>): SpanSpec => ({ spanId: 'a1', service: 'relay-router', kind: 'client', status: 'error', ...spec });

describe('classifyBuiltInErrorKind', () => {
  it.each<[string, Partial<SpanSpec>, string]>([
    ['gRPC DEADLINE_EXCEEDED', { grpcStatus: 4 }, 'timeout'],
    ['gRPC UNAVAILABLE', { grpcStatus: 14 }, 'unavailable'],
    ['gRPC UNAVAILABLE by name', { grpcStatus: 'UNAVAILABLE' }, 'unavailable'],
    ['gRPC RESOURCE_EXHAUSTED', { grpcStatus: 8 }, 'resource_exhausted'],
    ['gRPC RESOURCE_EXHAUSTED with a quota message', { grpcStatus: 8, statusMessage: 'rate limit exceeded for key' }, 'rate_limited'],
    ['gRPC UNAUTHENTICATED', { grpcStatus: 16 }, 'unauthenticated'],
    ['gRPC PERMISSION_DENIED', { grpcStatus: 7 }, 'permission_denied'],
    ['gRPC INVALID_ARGUMENT', { grpcStatus: 3 }, 'invalid_request'],
    ['gRPC FAILED_PRECONDITION', { grpcStatus: 9 }, 'invalid_request'],
    ['gRPC OUT_OF_RANGE', { grpcStatus: 11 }, 'invalid_request'],
    ['gRPC NOT_FOUND', { grpcStatus: 5 }, 'not_found'],
    ['gRPC CANCELLED', { grpcStatus: 1 }, 'cancelled'],
    ['gRPC INTERNAL', { grpcStatus: 13 }, 'internal'],
    ['gRPC UNKNOWN', { grpcStatus: 2 }, 'internal'],
    ['gRPC DATA_LOSS', { grpcStatus: 15 }, 'internal'],
    ['gRPC UNAVAILABLE refused', { grpcStatus: 14, statusMessage: 'connect ECONNREFUSED 10.0.0.7:50051' }, 'connection_refused'],
    ['gRPC INTERNAL out of memory', { grpcStatus: 13, statusMessage: 'CUDA out of memory' }, 'resource_exhausted'],
    ['gRPC NOT_FOUND ignores text', { grpcStatus: 5, statusMessage: 'deadline exceeded while loading' }, 'not_found'],
    ['HTTP 408', { httpStatusCode: 408 }, 'timeout'],
    ['HTTP 504', { httpStatusCode: 504 }, 'timeout'],
    ['HTTP 429', { httpStatusCode: 429 }, 'rate_limited'],
    ['HTTP 502', { httpStatusCode: 502 }, 'unavailable'],
    ['HTTP 503', { httpStatusCode: 503 }, 'unavailable'],
    ['HTTP 401', { httpStatusCode: 401 }, 'unauthenticated'],
    ['HTTP 403', { httpStatusCode: 403 }, 'permission_denied'],
    ['HTTP 400', { httpStatusCode: 400 }, 'invalid_request'],
    ['HTTP 422', { httpStatusCode: 422 }, 'invalid_request'],
    ['HTTP 409', { httpStatusCode: 409 }, 'invalid_request'],
    ['HTTP 404', { httpStatusCode: 404 }, 'not_found'],
    ['HTTP 500', { httpStatusCode: 500 }, 'internal'],
    ['HTTP 507', { httpStatusCode: 507 }, 'internal'],
    ['HTTP 500 with OOM exception', { httpStatusCode: 500, exception: { type: 'Error', message: 'worker OOM killed' } }, 'resource_exhausted'],
    ['error.type ECONNREFUSED', { errorType: 'ECONNREFUSED' }, 'connection_refused'],
    ['error.type ETIMEDOUT', { errorType: 'ETIMEDOUT' }, 'timeout'],
    ['error.type with timeout', { errorType: 'java.net.SocketTimeoutException' }, 'timeout'],
    ['error.type as HTTP status', { errorType: '503' }, 'unavailable'],
    ['error.type as gRPC name', { errorType: 'DEADLINE_EXCEEDED' }, 'timeout'],
    ['TimeoutError exception', { exception: { type: 'TimeoutError', message: 'request took too long' } }, 'timeout'],
    ['AbortError by timeout', { exception: { type: 'AbortError', message: 'The operation was aborted due to timeout' } }, 'timeout'],
    ['AbortError alone', { exception: { type: 'AbortError', message: 'This operation was aborted' } }, 'cancelled'],
    ['out of memory message', { exception: { type: 'RangeError', message: 'JavaScript heap out of memory' } }, 'resource_exhausted'],
    ['ECONNRESET message', { exception: { type: 'Error', message: 'read ECONNRESET' } }, 'unavailable'],
    ['not found message', { statusMessage: 'model 42 not found' }, 'not_found'],
    ['status only', {}, 'internal'],
  ])('classifies %s', (_name, spec, expected) => {
    expect(classifyBuiltInErrorKind(span(failing(spec)))).toBe(expected);
  });
});

describe('classifyErrorKind', () => {
  const rules: ErrorKindRule[] = [
    { kind: 'model_failure', system: 'NeuroWeaver', message_pattern: 'model .* failed' },
    { kind: 'provider_rate_limit', service: 'relay-router', error_type: 'ProviderQuotaError' },
  ];

  it('applies a rule when all its conditions match', () => {
    const model = span(failing({ system: 'NeuroWeaver', service: 'nw-inference', grpcStatus: 13, statusMessage: 'model llama-7b failed to load' }));

    expect(classifyErrorKind(model, rules)).toBe('model_failure');
  });

  it('matches message_pattern against the exception message', () => {
    const model = span(failing({ system: 'NeuroWeaver', service: 'nw-inference', exception: { type: 'Error', message: 'model x failed' } }));

    expect(classifyErrorKind(model, rules)).toBe('model_failure');
  });

  it('matches message_pattern case-insensitively', () => {
    const model = span(failing({ system: 'NeuroWeaver', service: 'nw-inference', statusMessage: 'Model weights FAILED to load' }));

    expect(classifyErrorKind(model, rules)).toBe('model_failure');
  });

  it('tests only the start of a long message', () => {
    const late = 'x'.repeat(MAX_MATCHED_MESSAGE_LENGTH) + 'model y failed';
    const model = span(failing({ system: 'NeuroWeaver', service: 'nw-inference', statusMessage: late }));

    expect(classifyErrorKind(model, rules)).toBe('internal');
  });

  it('matches error_type against the exception type', () => {
    const quota = span(failing({ exception: { type: 'ProviderQuotaError', message: 'quota' } }));

    expect(classifyErrorKind(quota, rules)).toBe('provider_rate_limit');
  });

  it('skips a rule when one condition does not match', () => {
    const otherSystem = span(failing({ system: 'RelayCore', grpcStatus: 13, statusMessage: 'model llama-7b failed to load' }));

    expect(classifyErrorKind(otherSystem, rules)).toBe('internal');
  });

  it('uses the first matching rule', () => {
    const ordered: ErrorKindRule[] = [
      { kind: 'first_kind', service: 'relay-router' },
      { kind: 'second_kind', service: 'relay-router' },
    ];

    expect(classifyErrorKind(span(failing({})), ordered)).toBe('first_kind');
  });

  it('falls back to the built-in kind without rules', () => {
    expect(classifyErrorKind(span(failing({ grpcStatus: 4 })), [])).toBe('timeout');
  });
});
