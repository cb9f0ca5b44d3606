/**
 * The normalized span record that every stage after the receiver reads.
 *
 * Decoders (OTLP protobuf and OTLP JSON) build it once per span; nothing past the receiver
 * looks at wire objects. Ids are lowercase hex, times are nanoseconds since the Unix epoch
 * as `bigint` (exact, because OTLP times are 64-bit), and durations are milliseconds.
 */

/** Span kind, named as in the OTLP `Span.SpanKind` enum without its prefix. */
export type SpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** Span status code, named as in the OTLP `Status.StatusCode` enum without its prefix. */
export type StatusCode = 'unset' | 'ok' | 'error';

/** An attribute value as OTLP `AnyValue` carries it. Integers beyond 2^53 stay exact as `bigint`. */
export type AttributeValue =
  | string
  | boolean
  | number
  | bigint
  | Uint8Array
  | AttributeValue[]
  | { [key: string]: AttributeValue };

/** Attributes keyed by name. A repeated key keeps its last value, as the OTLP spec allows. */
export type Attributes = Record<string, AttributeValue>;

/** The resource a span came from, shared by all spans of one `ResourceSpans`. */
export interface ResourceIdentity {
  /** `service.name`; `unknown_service` when the resource has none, as the SDKs default it. */
  service: string;
  /** `service.namespace`, the system the service belongs to; empty when absent. */
  system: string;
  /** `service.instance.id`; empty when absent. */
  instance: string;
  attributes: Attributes;
}

export interface SpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

/** The first `exception` event of a span, with the standard exception attributes. */
export interface ExceptionInfo {
  type: string;
  message: string;
  stacktrace: string;
}

/**
 * The peer a client, producer or database span points to, from the peer attributes of the
 * semantic conventions. Every field is empty when the span does not carry it.
 */
export interface PeerInfo {
  /** `peer.service` */
  service: string;
  /** `server.address`, or the older `net.peer.name` */
  address: string;
  /** `server.port`, or the older `net.peer.port`; 0 when absent. */
  port: number;
  /** `rpc.service` */
  rpcService: string;
  /** `db.system.name`, or the older `db.system` */
  dbSystem: string;
  /** `messaging.system` */
  messagingSystem: string;
}

/** The error signals of one span, read once at decode time. */
export interface ErrorSignals {
  status: StatusCode;
  statusMessage: string;
  /** `error.type`; empty when absent. */
  errorType: string;
  /** `http.response.status_code`, or the older `http.status_code`; 0 when absent. */
  httpStatusCode: number;
  /** `rpc.grpc.status_code` (integer) or `rpc.response.status_code` (name or number); -1 when absent. */
  grpcStatusCode: number;
  exception: ExceptionInfo | undefined;
}

export interface SpanRecord {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters. */
  spanId: string;
  /** 16 lowercase hex characters; empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  /** End minus start in milliseconds; 0 when the end is before the start. */
  durationMs: number;
  resource: ResourceIdentity;
  /** `InstrumentationScope.name`; empty when absent. */
  scopeName: string;
  attributes: Attributes;
  events: readonly SpanEvent[];
  links: readonly SpanLink[];
  signals: ErrorSignals;
  peer: PeerInfo;
}
