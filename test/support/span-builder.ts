import { readErrorSignals, readPeerInfo } from '../../src/model/signals.js';
import type { Attributes, SpanEvent, SpanKind, SpanLink, SpanRecord, StatusCode } from '../../src/model/span.js';

/** The trace id spans get when a test does not set one. */
export const DEFAULT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** 2024-12-04T00:00:00Z, the time `startMs: 0` stands for. */
const BASE_TIME_NS = 1_733_270_400_000_000_000n;

export interface SpanSpec {
  traceId?: string;
  /** Used as given, so tests may use short readable ids such as `"a1"`. */
  spanId: string;
  /** Empty (the default) makes a root span. */
  parentSpanId?: string;
  service: string;
  /** `service.namespace`; empty by default. */
  system?: string;
  /** Defaults to `internal`. */
  kind?: SpanKind;
  /** Defaults to `unset`. */
  status?: StatusCode;
  statusMessage?: string;
  /** Defaults to `"<service> <kind>"`. */
  name?: string;
  /** Start, in milliseconds after a fixed base time. Default 0. */
  startMs?: number;
  /** Default 10. */
  durationMs?: number;
  /** Sets `http.response.status_code`. */
  httpStatusCode?: number;
  /** Sets `rpc.grpc.status_code` from a number or `rpc.response.status_code` from a name. */
  grpcStatus?: number | string;
  /** Sets `error.type`. */
  errorType?: string;
  /** Adds an `exception` event. */
  exception?: { type: string; message: string };
  peerService?: string;
  serverAddress?: string;
  serverPort?: number;
  rpcService?: string;
  rpcMethod?: string;
  dbSystem?: string;
  messagingSystem?: string;
  /** Trace ids this span links to. */
  linkedTraceIds?: string[];
  /** Extra span attributes, applied last. */
  attributes?: Attributes;
}

/**
 * Builds a span record the way the decoders do: the error signals and peer information are
 * read from the attributes and events by the real model functions.
 */
export function span(spec: SpanSpec): SpanRecord {
  const kind = spec.kind ?? 'internal';
  const status = spec.status ?? 'unset';
  const durationMs = spec.durationMs ?? 10;
  const startTimeUnixNano = BASE_TIME_NS + BigInt(Math.round((spec.startMs ?? 0) * 1e6));
  const attributes = buildAttributes(spec);
  const events = buildEvents(spec, startTimeUnixNano);
  const links: SpanLink[] = (spec.linkedTraceIds ?? []).map((traceId) => ({ traceId, spanId: '00f067aa0ba902b7', attributes: {} }));

  return {
    traceId: spec.traceId ?? DEFAULT_TRACE_ID,
    spanId: spec.spanId,
    parentSpanId: spec.parentSpanId ?? '',
    name: spec.name ?? `${spec.service} ${kind}`,
    kind,
    startTimeUnixNano,
    endTimeUnixNano: startTimeUnixNano + BigInt(Math.round(durationMs * 1e6)),
    durationMs,
    resource: {
      service: spec.service,
      system: spec.system ?? '',
      instance: '',
      attributes: { 'service.name': spec.service, 'service.namespace': spec.system ?? '' },
    },
    scopeName: 'span-builder',
    attributes,
    events,
    links,
    signals: readErrorSignals(status, spec.statusMessage ?? '', attributes, events),
    peer: readPeerInfo(attributes),
  };
}

function buildAttributes(spec: SpanSpec): Attributes {
  const attributes: Attributes = {};
  if (spec.httpStatusCode !== undefined) attributes['http.response.status_code'] = spec.httpStatusCode;
  if (typeof spec.grpcStatus === 'number') attributes['rpc.grpc.status_code'] = spec.grpcStatus;
  if (typeof spec.grpcStatus === 'string') attributes['rpc.response.status_code'] = spec.grpcStatus;
  if (spec.errorType !== undefined) attributes['error.type'] = spec.errorType;
  if (spec.peerService !== undefined) attributes['peer.service'] = spec.peerService;
  if (spec.serverAddress !== undefined) attributes['server.address'] = spec.serverAddress;
  if (spec.serverPort !== undefined) attributes['server.port'] = spec.serverPort;
  if (spec.rpcService !== undefined) attributes['rpc.service'] = spec.rpcService;
  if (spec.rpcMethod !== undefined) attributes['rpc.method'] = spec.rpcMethod;
  if (spec.dbSystem !== undefined) attributes['db.system.name'] = spec.dbSystem;
  if (spec.messagingSystem !== undefined) attributes['messaging.system'] = spec.messagingSystem;
  return { ...attributes, ...spec.attributes };
}

function buildEvents(spec: SpanSpec, timeUnixNano: bigint): SpanEvent[] {
  if (spec.exception === undefined) return [];
  return [
    {
      name: 'exception',
      timeUnixNano,
      attributes: { 'exception.type': spec.exception.type, 'exception.message': spec.exception.message },
    },
  ];
}
