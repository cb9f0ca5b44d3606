/**
 * The request cannot be decoded as an OTLP export request: truncated or mistyped protobuf,
 * JSON of the wrong shape, or attribute values nested too deeply. The sender must not retry
 * it unchanged (gRPC INVALID_ARGUMENT, HTTP 400).
 */
export class MalformedRequestError extends Error {
  override readonly name = 'MalformedRequestError';
}

/** The client went away (cancelled the call or closed the connection) before its request was decoded, so it was dropped. */
export class RequestCancelledError extends Error {
  override readonly name = 'RequestCancelledError';

  constructor() {
    super('the client cancelled the request before it was decoded');
  }
}
