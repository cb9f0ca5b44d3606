import type { SpanRecord } from '../model/span.js';

/**
 * gRPC codes that a server span reports as its own error, per the OpenTelemetry semantic
 * conventions for gRPC: UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE and
 * DATA_LOSS. Other codes (NOT_FOUND, INVALID_ARGUMENT, ...) are the caller's fault.
 */
const GRPC_SERVER_ERROR_CODES: ReadonlySet<number> = new Set([2, 4, 12, 13, 14, 15]);

/** The lowest HTTP status a client span counts as failed (4xx and 5xx). */
const HTTP_CLIENT_ERROR_MIN = 400;

/** The lowest HTTP status any other span counts as failed (5xx only, as for server spans). */
const HTTP_SERVER_ERROR_MIN = 500;

/**
 * Tells whether a span failed.
 *
 * A span failed when its status is ERROR, when `error.type` is set, or when its HTTP or gRPC
 * status is an error for its kind. Client and producer spans fail on HTTP 4xx and 5xx and on
 * any gRPC code other than OK. Other spans fail on HTTP 5xx and on the gRPC server error codes.
 * Status OK is final, as the OpenTelemetry API defines it, so a span that ended OK never
 * failed. An `exception` event alone is not a failure: `recordException` does not set the
 * status, and code that catches an exception and carries on records it too.
 */
export function isFailedSpan(span: SpanRecord): boolean {
  const signals = span.signals;
  if (signals.status === 'error') return true;
  if (signals.status === 'ok') return false;
  if (signals.errorType !== '') return true;

  const callerSide = span.kind === 'client' || span.kind === 'producer';
  const httpErrorMin = callerSide ? HTTP_CLIENT_ERROR_MIN : HTTP_SERVER_ERROR_MIN;
  if (signals.httpStatusCode >= httpErrorMin) return true;

  const grpcCode = signals.grpcStatusCode;
  if (grpcCode <= 0) return false;
  return callerSide || GRPC_SERVER_ERROR_CODES.has(grpcCode);
}
