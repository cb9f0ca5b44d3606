import type { AttributeValue, Attributes, SpanKind, StatusCode } from '../model/span.js';

/**
 * Mappings and checks that the protobuf and JSON decoders share, so both turn wire spans into
 * the same `SpanRecord`.
 */

/** Span kinds indexed by their OTLP enum number. */
export const SPAN_KINDS: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** OTLP enum names of `Span.SpanKind`, indexed by number, as OTLP/JSON may spell them. */
export const SPAN_KIND_NAMES: readonly string[] = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];

/** Status codes indexed by their OTLP enum number. */
export const STATUS_CODES: readonly StatusCode[] = ['unset', 'ok', 'error'];

/** OTLP enum names of `Status.StatusCode`, indexed by number. */
export const STATUS_CODE_NAMES: readonly string[] = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/**
 * Deepest nesting of `arrayValue` / `kvlistValue` inside one attribute value. Deeper values
 * reject the request, so a hostile payload cannot exhaust the stack.
 */
export const MAX_ATTRIBUTE_DEPTH = 32;

const TRACE_ID_HEX_LENGTH = 32;
const SPAN_ID_HEX_LENGTH = 16;
const ALL_ZERO = /^0*$/;
const HEX = /^[0-9a-f]*$/;

/** Maps an enum number to a kind; numbers this version does not know read as `unspecified`. */
export function spanKindOf(kind: number): SpanKind {
  return SPAN_KINDS[kind] ?? 'unspecified';
}

/** Maps an enum number to a status; numbers this version does not know read as `unset`. */
export function statusCodeOf(code: number): StatusCode {
  return STATUS_CODES[code] ?? 'unset';
}

/** Returns end minus start in milliseconds, 0 when the end is before the start. */
export function durationMsBetween(startTimeUnixNano: bigint, endTimeUnixNano: bigint): number {
  if (endTimeUnixNano <= startTimeUnixNano) return 0;
  return Number(endTimeUnixNano - startTimeUnixNano) / 1e6;
}

/** Sets one attribute; a `__proto__` key becomes an own property instead of changing the prototype. */
export function setAttribute(attributes: Attributes, key: string, value: AttributeValue): void {
  if (key === '__proto__') {
    Object.defineProperty(attributes, key, { value, enumerable: true, writable: true, configurable: true });
    return;
  }
  attributes[key] = value;
}

function idProblem(field: string, hex: string, hexLength: number): string | undefined {
  if (hex.length !== hexLength) return `${field} must be ${hexLength / 2} bytes, got ${describeLength(hex)}`;
  if (!HEX.test(hex)) return `${field} must be hex, got ${JSON.stringify(hex)}`;
  if (ALL_ZERO.test(hex)) return `${field} must not be all zero`;
  return undefined;
}

function describeLength(hex: string): string {
  return HEX.test(hex) && hex.length % 2 === 0 ? `${hex.length / 2} bytes` : `${hex.length} hex digits`;
}

/**
 * Checks the ids of a span, given as lowercase hex: trace id 16 bytes, span id 8 bytes, both
 * not all zero, parent id empty or 8 bytes. Returns why the span is invalid, or undefined.
 */
export function spanIdProblem(traceId: string, spanId: string, parentSpanId: string): string | undefined {
  return (
    idProblem('trace_id', traceId, TRACE_ID_HEX_LENGTH) ??
    idProblem('span_id', spanId, SPAN_ID_HEX_LENGTH) ??
    (parentSpanId === '' ? undefined : idProblem('parent_span_id', parentSpanId, SPAN_ID_HEX_LENGTH))
  );
}

/** Checks the ids of a link with the rules of a span's own ids. */
export function linkIdProblem(traceId: string, spanId: string): string | undefined {
  return idProblem('link trace_id', traceId, TRACE_ID_HEX_LENGTH) ?? idProblem('link span_id', spanId, SPAN_ID_HEX_LENGTH);
}
