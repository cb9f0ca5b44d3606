import { status as GrpcStatus } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { otlpProtoTypes } from '../receiver/otlp-proto-types.js';

/**
 * The outcome of one export request, and the OTLP rules that classify responses
 * (OTLP specification 1.x, "Failures" under OTLP/gRPC and OTLP/HTTP):
 * - `success`: the backend took the request; `rejectedSpans` of it were refused
 *   (`partial_success`) and are not sent again;
 * - `retryable`: the request may succeed later; `retryAfterMs` is the delay the backend asked
 *   for (RetryInfo, `grpc-retry-pushback-ms` or `Retry-After`), undefined when it asked none;
 * - `permanent`: sending the same request again would fail the same way.
 */
export type SendResult =
  | { kind: 'success'; rejectedSpans: number; errorMessage: string }
  | { kind: 'retryable'; reason: string; retryAfterMs: number | undefined }
  | { kind: 'permanent'; reason: string };

/** gRPC codes the OTLP specification lists as retryable. RESOURCE_EXHAUSTED counts only with RetryInfo. */
const RETRYABLE_GRPC_CODES: ReadonlySet<GrpcStatus> = new Set([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

/** HTTP statuses the OTLP specification lists as retryable. */
const RETRYABLE_HTTP_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * Reads `partial_success` from an `ExportTraceServiceResponse`. An empty body is a full
 * success. A body that is not a valid response counts as one too, because the 2xx status
 * code already reports that the backend accepted the request.
 */
export function successOf(responseBody: Uint8Array): SendResult {
  if (responseBody.length === 0) return { kind: 'success', rejectedSpans: 0, errorMessage: '' };
  let partial: { rejectedSpans?: unknown; errorMessage?: unknown } | undefined;
  try {
    const response = otlpProtoTypes().exportResponse.decode(responseBody);
    partial = otlpProtoTypes().exportResponse.toObject(response, { longs: Number })['partialSuccess'] as typeof partial;
  } catch {
    return { kind: 'success', rejectedSpans: 0, errorMessage: 'response body is not an ExportTraceServiceResponse' };
  }
  const rejectedSpans = typeof partial?.rejectedSpans === 'number' ? partial.rejectedSpans : 0;
  const errorMessage = typeof partial?.errorMessage === 'string' ? partial.errorMessage : '';
  return { kind: 'success', rejectedSpans, errorMessage };
}

/** Classifies a failed gRPC call; `retryInfoDelayMs` is the RetryInfo delay from the status details, if any. */
export function classifyGrpcFailure(code: GrpcStatus, details: string, retryInfoDelayMs: number | undefined, pushbackMs: number | undefined): SendResult {
  const reason = `gRPC status ${GrpcStatus[code] ?? code}: ${details}`;
  if (code === GrpcStatus.RESOURCE_EXHAUSTED) {
    // Without RetryInfo the backend is out of a resource it will not get back, such as a message size limit.
    if (retryInfoDelayMs === undefined) return { kind: 'permanent', reason };
    return { kind: 'retryable', reason, retryAfterMs: retryInfoDelayMs };
  }
  if (!RETRYABLE_GRPC_CODES.has(code)) return { kind: 'permanent', reason };
  return { kind: 'retryable', reason, retryAfterMs: retryInfoDelayMs ?? pushbackMs };
}

/** Classifies a non-2xx HTTP response; `retryAfter` is the `Retry-After` header value, if any. */
export function classifyHttpFailure(statusCode: number, message: string, retryAfter: string | undefined, nowMs: number): SendResult {
  const reason = message === '' ? `HTTP ${statusCode}` : `HTTP ${statusCode}: ${message}`;
  if (!RETRYABLE_HTTP_STATUSES.has(statusCode)) return { kind: 'permanent', reason };
  return { kind: 'retryable', reason, retryAfterMs: parseRetryAfterMs(retryAfter, nowMs) };
}

/** Parses `Retry-After` as delay seconds or an HTTP date (RFC 9110 section 10.2.3); undefined when absent or invalid. */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP dates start with the day name; without this check Date.parse would read "-5" as a year.
  if (!/^[A-Za-z]+,? /.test(text)) return undefined;
  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

/** Parses `grpc-retry-pushback-ms`; a negative or malformed value gives undefined. */
export function parsePushbackMs(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * Reads the RetryInfo delay from a `grpc-status-details-bin` trailer, a serialized
 * `google.rpc.Status { code = 1; message = 2; repeated google.protobuf.Any details = 3; }`.
 * Returns undefined when it carries no RetryInfo or cannot be read.
 */
export function retryInfoDelayMs(statusDetails: Uint8Array | undefined): number | undefined {
  if (statusDetails === undefined) return undefined;
  try {
    const reader = protobuf.Reader.create(statusDetails);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag !== ((3 << 3) | 2)) {
        reader.skipType(tag & 7);
        continue;
      }
      const delayMs = readRetryInfoAny(protobuf.Reader.create(reader.bytes()));
      if (delayMs !== undefined) return delayMs;
    }
  } catch {
    // A malformed trailer is treated as absent: the status code alone then decides.
    return undefined;
  }
  return undefined;
}

/** Reads `google.protobuf.Any { type_url = 1; value = 2; }` and, when it is a RetryInfo, its delay. */
function readRetryInfoAny(reader: protobuf.Reader): number | undefined {
  let typeUrl = '';
  let value: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | 2)) typeUrl = reader.string();
    else if (tag === ((2 << 3) | 2)) value = reader.bytes();
    else reader.skipType(tag & 7);
  }
  if (typeUrl !== RETRY_INFO_TYPE_URL || value === undefined) return undefined;

  // RetryInfo { google.protobuf.Duration retry_delay = 1; }, Duration { int64 seconds = 1; int32 nanos = 2; }
  const retryInfo = protobuf.Reader.create(value);
  let delayMs = 0;
  while (retryInfo.pos < retryInfo.len) {
    const tag = retryInfo.uint32();
    if (tag !== ((1 << 3) | 2)) {
      retryInfo.skipType(tag & 7);
      continue;
    }
    const duration = protobuf.Reader.create(retryInfo.bytes());
    while (duration.pos < duration.len) {
      const durationTag = duration.uint32();
      if (durationTag === 1 << 3) delayMs += numberOf(duration.int64()) * 1000;
      else if (durationTag === 2 << 3) delayMs += duration.int32() / 1e6;
      else duration.skipType(durationTag & 7);
    }
  }
  return Math.max(0, delayMs);
}

function numberOf(value: protobuf.Long | number): number {
  return typeof value === 'number' ? value : value.high * 4_294_967_296 + (value.low >>> 0);
}
