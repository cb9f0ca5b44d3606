import { status as GrpcStatus } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { classifyGrpcFailure, classifyHttpFailure, parseRetryAfterMs, retryInfoDelayMs, successOf } from '../../src/exporter/send-result.js';
import { otlpProtoTypes } from '../../src/receiver/otlp-proto-types.js';
import { statusWithRetryInfo } from './downstream.js';

describe('classifyGrpcFailure', () => {
  const cases: { code: GrpcStatus; retryInfo: number | undefined; expected: 'retryable' | 'permanent' }[] = [
    { code: GrpcStatus.UNAVAILABLE, retryInfo: undefined, expected: 'retryable' },
    { code: GrpcStatus.CANCELLED, retryInfo: undefined, expected: 'retryable' },
    { code: GrpcStatus.DEADLINE_EXCEEDED, retryInfo: undefined, expected: 'retryable' },
    { code: GrpcStatus.ABORTED, retryInfo: undefined, expected: 'retryable' },
    { code: GrpcStatus.OUT_OF_RANGE, retryInfo: undefined, expected: 'retryable' },
    { code: GrpcStatus.DATA_LOSS, retryInfo: undefined, expected: 'retryable' },
    { code: GrpcStatus.RESOURCE_EXHAUSTED, retryInfo: undefined, expected: 'permanent' },
    { code: GrpcStatus.RESOURCE_EXHAUSTED, retryInfo: 1500, expected: 'retryable' },
    { code: GrpcStatus.INVALID_ARGUMENT, retryInfo: undefined, expected: 'permanent' },
    { code: GrpcStatus.UNAUTHENTICATED, retryInfo: undefined, expected: 'permanent' },
    { code: GrpcStatus.UNIMPLEMENTED, retryInfo: undefined, expected: 'permanent' },
    { code: GrpcStatus.INTERNAL, retryInfo: undefined, expected: 'permanent' },
  ];

  it.each(cases)('classifies $code with RetryInfo $retryInfo as $expected', ({ code, retryInfo, expected }) => {
    expect(classifyGrpcFailure(code, 'details', retryInfo, undefined).kind).toBe(expected);
  });

  it('prefers the RetryInfo delay over the pushback', () => {
    expect(classifyGrpcFailure(GrpcStatus.UNAVAILABLE, 'busy', 2000, 500)).toEqual({
      kind: 'retryable',
      reason: 'gRPC status UNAVAILABLE: busy',
      retryAfterMs: 2000,
    });
  });

  it('uses the pushback without RetryInfo', () => {
    expect(classifyGrpcFailure(GrpcStatus.UNAVAILABLE, 'busy', undefined, 500)).toMatchObject({ retryAfterMs: 500 });
  });
});

describe('classifyHttpFailure', () => {
  const cases: { status: number; expected: 'retryable' | 'permanent' }[] = [
    { status: 429, expected: 'retryable' },
    { status: 502, expected: 'retryable' },
    { status: 503, expected: 'retryable' },
    { status: 504, expected: 'retryable' },
    { status: 400, expected: 'permanent' },
    { status: 401, expected: 'permanent' },
    { status: 404, expected: 'permanent' },
    { status: 413, expected: 'permanent' },
    { status: 500, expected: 'permanent' },
  ];

  it.each(cases)('classifies HTTP $status as $expected', ({ status, expected }) => {
    expect(classifyHttpFailure(status, '', undefined, 0).kind).toBe(expected);
  });

  it('reads Retry-After on a retryable status', () => {
    expect(classifyHttpFailure(503, 'busy', '7', 0)).toEqual({ kind: 'retryable', reason: 'HTTP 503: busy', retryAfterMs: 7000 });
  });
});

describe('parseRetryAfterMs', () => {
  const nowMs = Date.parse('2026-12-04T12:00:00Z');
  const cases: { value: string | undefined; expected: number | undefined }[] = [
    { value: undefined, expected: undefined },
    { value: '0', expected: 0 },
    { value: ' 120 ', expected: 120_000 },
    { value: 'Fri, 04 Dec 2026 12:00:30 GMT', expected: 30_000 },
    { value: 'Fri, 04 Dec 2026 11:00:00 GMT', expected: 0 },
    { value: '-5', expected: undefined },
    { value: 'soon', expected: undefined },
  ];

  it.each(cases)('reads $value as $expected', ({ value, expected }) => {
    expect(parseRetryAfterMs(value, nowMs)).toBe(expected);
  });
});

describe('retryInfoDelayMs', () => {
  it('reads the delay of a RetryInfo detail', () => {
    expect(retryInfoDelayMs(statusWithRetryInfo(2, 500_000_000))).toBe(2500);
  });

  it('returns undefined without details', () => {
    const status = Buffer.from(protobuf.Writer.create().uint32(8).int32(8).uint32(18).string('no details').finish());

    expect(retryInfoDelayMs(status)).toBeUndefined();
    expect(retryInfoDelayMs(undefined)).toBeUndefined();
  });

  it('returns undefined for malformed bytes', () => {
    expect(retryInfoDelayMs(Buffer.from([0x1a, 0xff, 0xff]))).toBeUndefined();
  });
});

describe('successOf', () => {
  it('reads partial_success', () => {
    const body = otlpProtoTypes().exportResponse.encode({ partialSuccess: { rejectedSpans: 3, errorMessage: 'too old' } }).finish();

    expect(successOf(body)).toEqual({ kind: 'success', rejectedSpans: 3, errorMessage: 'too old' });
  });

  it('reads an empty body as a full success', () => {
    expect(successOf(new Uint8Array())).toEqual({ kind: 'success', rejectedSpans: 0, errorMessage: '' });
  });
});
