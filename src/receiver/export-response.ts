import protobuf from 'protobufjs';
import type { ExportOutcome } from './export-handler.js';
import { otlpProtoTypes } from './otlp-proto-types.js';

/**
 * Encodes export responses and error bodies. OTLP/HTTP responds in the request's content type:
 * an `ExportTraceServiceResponse` on success, a `google.rpc.Status` on failure.
 */

type SuccessOutcome = Extract<ExportOutcome, { kind: 'success' }>;

/** Encodes a success as protobuf; `partial_success` is set only when spans were rejected. */
export function encodeExportResponse(outcome: SuccessOutcome): Uint8Array {
  const message = outcome.rejectedSpans === 0 ? {} : { partialSuccess: { rejectedSpans: outcome.rejectedSpans, errorMessage: outcome.errorMessage } };
  return otlpProtoTypes().exportResponse.encode(message).finish();
}

/** Encodes a success in the OTLP/JSON form; `rejectedSpans` is an int64, so a string. */
export function exportResponseJson(outcome: SuccessOutcome): string {
  if (outcome.rejectedSpans === 0) return '{}';
  return JSON.stringify({ partialSuccess: { rejectedSpans: String(outcome.rejectedSpans), errorMessage: outcome.errorMessage } });
}

/** Encodes `google.rpc.Status { int32 code = 1; string message = 2; }` with a gRPC status code. */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  return protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(message).finish();
}

/** Encodes `google.rpc.Status` in its JSON form. */
export function rpcStatusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}
