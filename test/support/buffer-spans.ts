import type { SpanRecord } from '../../src/model/span.js';

/** Fields of a test span; numbers become hex ids so tests read `{ trace: 1, span: 2, parent: 1 }`. */
export interface BufferSpanFields {
  trace: number;
  span: number;
  /** The parent span number; omitted for a root span. */
  parent?: number;
  service?: string;
}

export function traceIdOf(trace: number): string {
  return trace.toString(16).padStart(32, '0');
}

export function spanIdOf(span: number): string {
  return span.toString(16).padStart(16, '0');
}

/** Builds a minimal healthy span record for trace buffer tests. */
export function bufferSpan(fields: BufferSpanFields): SpanRecord {
  return {
    traceId: traceIdOf(fields.trace),
    spanId: spanIdOf(fields.span),
    parentSpanId: fields.parent === undefined ? '' : spanIdOf(fields.parent),
    name: `operation-${fields.span}`,
    kind: 'internal',
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_000_001_000_000n,
    durationMs: 1,
    resource: { service: fields.service ?? 'checkout', system: 'shop', instance: '', attributes: {} },
    scopeName: '',
    attributes: {},
    events: [],
    links: [],
    signals: { status: 'unset', statusMessage: '', errorType: '', httpStatusCode: 0, grpcStatusCode: -1, exception: undefined },
    peer: { service: '', address: '', port: 0, rpcService: '', dbSystem: '', messagingSystem: '' },
  };
}
