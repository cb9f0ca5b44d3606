import protobuf from 'protobufjs';
import type { Attributes, AttributeValue, ResourceIdentity, SpanEvent, SpanKind, SpanLink, SpanRecord, StatusCode } from '../model/span.js';

/**
 * Encodes span records as an OTLP `ExportTraceServiceRequest`. Spans that shared a
 * `ResourceSpans` when they arrived share one again; within it, spans are grouped by
 * instrumentation scope name.
 *
 * The messages are written field by field on protobufjs' `Writer`, with the field numbers of
 * proto/opentelemetry/proto/{collector/trace,trace,common,resource}/v1/*.proto. Encoding with
 * the protobufjs types instead needs a message object per span, attribute and value first, and
 * measured about as costly per span as decoding.
 *
 * NOTE: a span record keeps only what analysis reads, so these parts of a received span are not
 * forwarded: `trace_state` and `flags` of spans and links, the `dropped_*_count` fields, the
 * schema URLs, the scope's version and attributes, attributes with an empty value, and the
 * earlier value of a repeated attribute key. An integer-valued `double_value` (such as 2.0) is
 * forwarded as `int_value`, because the record keeps both as a JavaScript number.
 */

const SPAN_KIND_NUMBERS: Record<SpanKind, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUS_CODE_NUMBERS: Record<StatusCode, number> = { unset: 0, ok: 1, error: 2 };

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;

const tag = (fieldNumber: number, wireType: number): number => (fieldNumber << 3) | wireType;

/** Field tags, named `<MESSAGE>_<FIELD>` after the OTLP messages. */
const REQUEST_RESOURCE_SPANS = tag(1, LEN);
const RESOURCE_SPANS_RESOURCE = tag(1, LEN);
const RESOURCE_SPANS_SCOPE_SPANS = tag(2, LEN);
const RESOURCE_ATTRIBUTES = tag(1, LEN);
const SCOPE_SPANS_SCOPE = tag(1, LEN);
const SCOPE_SPANS_SPANS = tag(2, LEN);
const SCOPE_NAME = tag(1, LEN);
const SPAN_TRACE_ID = tag(1, LEN);
const SPAN_SPAN_ID = tag(2, LEN);
const SPAN_PARENT_SPAN_ID = tag(4, LEN);
const SPAN_NAME = tag(5, LEN);
const SPAN_KIND = tag(6, VARINT);
const SPAN_START_TIME = tag(7, FIXED64);
const SPAN_END_TIME = tag(8, FIXED64);
const SPAN_ATTRIBUTES = tag(9, LEN);
const SPAN_EVENTS = tag(11, LEN);
const SPAN_LINKS = tag(13, LEN);
const SPAN_STATUS = tag(15, LEN);
const EVENT_TIME = tag(1, FIXED64);
const EVENT_NAME = tag(2, LEN);
const EVENT_ATTRIBUTES = tag(3, LEN);
const LINK_TRACE_ID = tag(1, LEN);
const LINK_SPAN_ID = tag(2, LEN);
const LINK_ATTRIBUTES = tag(4, LEN);
const STATUS_MESSAGE = tag(2, LEN);
const STATUS_CODE = tag(3, VARINT);
const KEY_VALUE_KEY = tag(1, LEN);
const KEY_VALUE_VALUE = tag(2, LEN);
const ANY_STRING = tag(1, LEN);
const ANY_BOOL = tag(2, VARINT);
const ANY_INT = tag(3, VARINT);
const ANY_DOUBLE = tag(4, FIXED64);
const ANY_ARRAY = tag(5, LEN);
const ANY_KVLIST = tag(6, LEN);
const ANY_BYTES = tag(7, LEN);
/** `ArrayValue.values` and `KeyValueList.values` are both field 1. */
const LIST_VALUES = tag(1, LEN);

const UINT32 = 0xffff_ffffn;

/** One batch of spans to encode: `addedAttributes[i]` is added to `spans[i]`, replacing same-named ones. */
export interface SpanBatchInput {
  spans: readonly SpanRecord[];
  addedAttributes: readonly (Attributes | undefined)[];
}

/** Encodes the batch as the bytes of one `ExportTraceServiceRequest`. */
export function encodeExportRequest(batch: SpanBatchInput): Uint8Array {
  const byResource = new Map<ResourceIdentity, Map<string, number[]>>();
  batch.spans.forEach((span, index) => {
    let byScope = byResource.get(span.resource);
    if (byScope === undefined) {
      byScope = new Map();
      byResource.set(span.resource, byScope);
    }
    const indexes = byScope.get(span.scopeName);
    if (indexes === undefined) byScope.set(span.scopeName, [index]);
    else indexes.push(index);
  });

  const writer = protobuf.Writer.create();
  for (const [resource, byScope] of byResource) {
    writer.uint32(REQUEST_RESOURCE_SPANS).fork();
    writer.uint32(RESOURCE_SPANS_RESOURCE).fork();
    writeAttributes(writer, RESOURCE_ATTRIBUTES, resource.attributes, undefined);
    writer.ldelim();
    for (const [scopeName, indexes] of byScope) writeScopeSpans(writer, scopeName, indexes, batch);
    writer.ldelim();
  }
  return writer.finish();
}

function writeScopeSpans(writer: protobuf.Writer, scopeName: string, indexes: readonly number[], batch: SpanBatchInput): void {
  writer.uint32(RESOURCE_SPANS_SCOPE_SPANS).fork();
  if (scopeName !== '') writer.uint32(SCOPE_SPANS_SCOPE).fork().uint32(SCOPE_NAME).string(scopeName).ldelim();
  for (const index of indexes) {
    const span = batch.spans[index];
    if (span !== undefined) writeSpan(writer, span, batch.addedAttributes[index]);
  }
  writer.ldelim();
}

function writeSpan(writer: protobuf.Writer, span: SpanRecord, added: Attributes | undefined): void {
  writer.uint32(SCOPE_SPANS_SPANS).fork();
  writer.uint32(SPAN_TRACE_ID).bytes(Buffer.from(span.traceId, 'hex'));
  writer.uint32(SPAN_SPAN_ID).bytes(Buffer.from(span.spanId, 'hex'));
  if (span.parentSpanId !== '') writer.uint32(SPAN_PARENT_SPAN_ID).bytes(Buffer.from(span.parentSpanId, 'hex'));
  writer.uint32(SPAN_NAME).string(span.name);
  writer.uint32(SPAN_KIND).int32(SPAN_KIND_NUMBERS[span.kind]);
  writeFixed64(writer.uint32(SPAN_START_TIME), span.startTimeUnixNano);
  writeFixed64(writer.uint32(SPAN_END_TIME), span.endTimeUnixNano);
  writeAttributes(writer, SPAN_ATTRIBUTES, span.attributes, added);
  for (const event of span.events) writeEvent(writer, event);
  for (const link of span.links) writeLink(writer, link);
  writer.uint32(SPAN_STATUS).fork();
  if (span.signals.statusMessage !== '') writer.uint32(STATUS_MESSAGE).string(span.signals.statusMessage);
  writer.uint32(STATUS_CODE).int32(STATUS_CODE_NUMBERS[span.signals.status]);
  writer.ldelim();
  writer.ldelim();
}

function writeEvent(writer: protobuf.Writer, event: SpanEvent): void {
  writer.uint32(SPAN_EVENTS).fork();
  writeFixed64(writer.uint32(EVENT_TIME), event.timeUnixNano);
  writer.uint32(EVENT_NAME).string(event.name);
  writeAttributes(writer, EVENT_ATTRIBUTES, event.attributes, undefined);
  writer.ldelim();
}

function writeLink(writer: protobuf.Writer, link: SpanLink): void {
  writer.uint32(SPAN_LINKS).fork();
  writer.uint32(LINK_TRACE_ID).bytes(Buffer.from(link.traceId, 'hex'));
  writer.uint32(LINK_SPAN_ID).bytes(Buffer.from(link.spanId, 'hex'));
  writeAttributes(writer, LINK_ATTRIBUTES, link.attributes, undefined);
  writer.ldelim();
}

/** Writes each attribute as a `KeyValue` under `fieldTag`; a key in `added` replaces the record's own value. */
function writeAttributes(writer: protobuf.Writer, fieldTag: number, attributes: Attributes, added: Attributes | undefined): void {
  for (const key of Object.keys(attributes)) {
    if (added !== undefined && Object.hasOwn(added, key)) continue;
    writeKeyValue(writer, fieldTag, key, attributes[key]);
  }
  if (added === undefined) return;
  for (const key of Object.keys(added)) writeKeyValue(writer, fieldTag, key, added[key]);
}

function writeKeyValue(writer: protobuf.Writer, fieldTag: number, key: string, value: AttributeValue | undefined): void {
  writer.uint32(fieldTag).fork();
  writer.uint32(KEY_VALUE_KEY).string(key);
  writer.uint32(KEY_VALUE_VALUE).fork();
  writeAnyValue(writer, value);
  writer.ldelim();
  writer.ldelim();
}

/** Writes the fields of an `AnyValue`: a whole number that is exact in a double as `int_value`, any other number as `double_value`. */
function writeAnyValue(writer: protobuf.Writer, value: AttributeValue | undefined): void {
  switch (typeof value) {
    case 'string':
      writer.uint32(ANY_STRING).string(value);
      return;
    case 'boolean':
      writer.uint32(ANY_BOOL).bool(value);
      return;
    case 'number':
      if (Number.isSafeInteger(value)) writer.uint32(ANY_INT).int64(value);
      else writer.uint32(ANY_DOUBLE).double(value);
      return;
    case 'bigint':
      writer.uint32(ANY_INT).int64(longBitsOf(BigInt.asUintN(64, value)));
      return;
    case 'undefined':
      return;
    default:
      break;
  }
  if (value instanceof Uint8Array) {
    writer.uint32(ANY_BYTES).bytes(value);
    return;
  }
  if (Array.isArray(value)) {
    writer.uint32(ANY_ARRAY).fork();
    for (const item of value) {
      writer.uint32(LIST_VALUES).fork();
      writeAnyValue(writer, item);
      writer.ldelim();
    }
    writer.ldelim();
    return;
  }
  writer.uint32(ANY_KVLIST).fork();
  writeAttributes(writer, LIST_VALUES, value, undefined);
  writer.ldelim();
}

/** Writes an unsigned 64-bit value as two little-endian 32-bit words, as `fixed64` is encoded. */
function writeFixed64(writer: protobuf.Writer, value: bigint): void {
  writer.fixed32(Number(value & UINT32)).fixed32(Number((value >> 32n) & UINT32));
}

/** Splits an unsigned 64-bit value into the `{ low, high }` words protobufjs' `int64` takes. */
function longBitsOf(value: bigint): protobuf.Long {
  return { low: Number(value & UINT32), high: Number((value >> 32n) & UINT32), unsigned: false };
}
