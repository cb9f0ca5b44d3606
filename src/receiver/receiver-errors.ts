/**
 * The request cannot be decoded as an OTLP export request: truncated or mistyped protobuf,
 * JSON of the wrong shape, or attribute values nested too deeply. The sender must not retry
 * it unchanged (gRPC INVALID_ARGUMENT, HTTP 400).
 */
export class MalformedRequestError extends Error {
  override readonly name = 'MalformedRequestError';
}
