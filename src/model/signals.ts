import type { Attributes, AttributeValue, ErrorSignals, ExceptionInfo, PeerInfo, SpanEvent, StatusCode } from './span.js';

/** gRPC status names, indexed by their numeric code (grpc/grpc doc/statuscodes.md). */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

function stringOf(value: AttributeValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return '';
}

/** Reads an integer attribute that some instrumentations send as a string (`"503"`). */
function integerOf(value: AttributeValue | undefined): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** Reads a gRPC status from an integer code, a numeric string or a status name. */
function grpcStatusOf(value: AttributeValue | undefined): number | undefined {
  const code = integerOf(value);
  if (code !== undefined) return code;
  if (typeof value !== 'string') return undefined;
  const index = (GRPC_STATUS_NAMES as readonly string[]).indexOf(value.trim().toUpperCase());
  return index >= 0 ? index : undefined;
}

function firstException(events: readonly SpanEvent[]): ExceptionInfo | undefined {
  for (const event of events) {
    if (event.name !== 'exception') continue;
    return {
      type: stringOf(event.attributes['exception.type']),
      message: stringOf(event.attributes['exception.message']),
      stacktrace: stringOf(event.attributes['exception.stacktrace']),
    };
  }
  return undefined;
}

/**
 * Reads the error signals of a span. Both the current attribute names
 * (`http.response.status_code`, string `rpc.response.status_code`) and the older ones
 * (`http.status_code`, integer `rpc.grpc.status_code`) are accepted.
 */
export function readErrorSignals(
  status: StatusCode,
  statusMessage: string,
  attributes: Attributes,
  events: readonly SpanEvent[],
): ErrorSignals {
  const http = integerOf(attributes['http.response.status_code']) ?? integerOf(attributes['http.status_code']);
  const grpc = grpcStatusOf(attributes['rpc.grpc.status_code']) ?? grpcStatusOf(attributes['rpc.response.status_code']);
  return {
    status,
    statusMessage,
    errorType: stringOf(attributes['error.type']),
    httpStatusCode: http ?? 0,
    grpcStatusCode: grpc ?? -1,
    exception: firstException(events),
  };
}

/** Reads where a span points to from the peer attributes, current names first. */
export function readPeerInfo(attributes: Attributes): PeerInfo {
  const port = integerOf(attributes['server.port']) ?? integerOf(attributes['net.peer.port']);
  const peer: PeerInfo = {
    service: stringOf(attributes['peer.service']),
    address: stringOf(attributes['server.address']) || stringOf(attributes['net.peer.name']),
    port: port ?? 0,
    rpcService: stringOf(attributes['rpc.service']),
    dbSystem: stringOf(attributes['db.system.name']) || stringOf(attributes['db.system']),
    messagingSystem: stringOf(attributes['messaging.system']),
  };
  return isNoPeer(peer) ? NO_PEER : peer;
}

/** The peer of a span that names none. Spans without peer attributes share it, so it is in the heap once. */
const NO_PEER: PeerInfo = Object.freeze({ service: '', address: '', port: 0, rpcService: '', dbSystem: '', messagingSystem: '' });

function isNoPeer(peer: PeerInfo): boolean {
  return peer.service === '' && peer.address === '' && peer.port === 0 && peer.rpcService === '' && peer.dbSystem === '' && peer.messagingSystem === '';
}

/** Tells whether a span carries any error signal; healthy traces skip analysis on this test. */
export function hasErrorSignal(signals: ErrorSignals): boolean {
  return (
    signals.status === 'error' ||
    signals.errorType !== '' ||
    signals.exception !== undefined ||
    signals.httpStatusCode >= 400 ||
    (signals.grpcStatusCode > 0)
  );
}
