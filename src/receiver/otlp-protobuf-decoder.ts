import protobuf from 'protobufjs';
import { readErrorSignals, readPeerInfo } from '../model/signals.js';
import { readResourceIdentity } from '../model/resource.js';
import type { AttributeValue, Attributes, ResourceIdentity, SpanEvent, SpanLink } from '../model/span.js';
import { DecodedRequestBuilder, type DecodedRequest } from './decoded-request.js';
import { MalformedRequestError } from './receiver-errors.js';
import {
  MAX_ATTRIBUTE_DEPTH,
  durationMsBetween,
  linkIdProblem,
  setAttribute,
  spanIdProblem,
  spanKindOf,
  statusCodeOf,
} from './span-fields.js';

/**
 * Decodes OTLP/protobuf `ExportTraceServiceRequest` bytes straight into span records.
 *
 * The walk is written out per message on protobufjs' `Reader`, with the field numbers of
 * proto/opentelemetry/proto/{trace,common,resource}/v1/*.proto. protobufjs' generated decoders
 * would build message objects, `Long`s and oneof bookkeeping, and a conversion pass would then
 * walk them again. This walk builds only the records and reads ids straight into hex. It also rejects a
 * known field sent with the wrong wire type, as the Collector does, where protobufjs skips it
 * as unknown.
 */

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

const TWO_POW_32 = 4_294_967_296;
const TWO_POW_32_BIG = 4_294_967_296n;
/** A signed 64-bit value whose high word is within ±2^21 is within ±2^53, so exact as a number. */
const SAFE_HIGH_WORDS = 2_097_152;

/** One message type of the walk: its name and its fields by number, for error messages. */
interface MessageShape {
  name: string;
  /** Field name and expected wire type, by field number. */
  fields: Record<number, readonly [string, number]>;
}

const shape = (name: string, fields: MessageShape['fields']): MessageShape => ({ name, fields });

const REQUEST = shape('ExportTraceServiceRequest', { 1: ['resource_spans', LEN] });
const RESOURCE_SPANS = shape('ResourceSpans', { 1: ['resource', LEN], 2: ['scope_spans', LEN], 3: ['schema_url', LEN] });
const RESOURCE = shape('Resource', { 1: ['attributes', LEN], 2: ['dropped_attributes_count', VARINT] });
const SCOPE_SPANS = shape('ScopeSpans', { 1: ['scope', LEN], 2: ['spans', LEN], 3: ['schema_url', LEN] });
const SCOPE = shape('InstrumentationScope', { 1: ['name', LEN], 2: ['version', LEN], 3: ['attributes', LEN], 4: ['dropped_attributes_count', VARINT] });
const SPAN = shape('Span', {
  1: ['trace_id', LEN],
  2: ['span_id', LEN],
  3: ['trace_state', LEN],
  4: ['parent_span_id', LEN],
  5: ['name', LEN],
  6: ['kind', VARINT],
  7: ['start_time_unix_nano', FIXED64],
  8: ['end_time_unix_nano', FIXED64],
  9: ['attributes', LEN],
  10: ['dropped_attributes_count', VARINT],
  11: ['events', LEN],
  12: ['dropped_events_count', VARINT],
  13: ['links', LEN],
  14: ['dropped_links_count', VARINT],
  15: ['status', LEN],
  16: ['flags', FIXED32],
});
const EVENT = shape('Span.Event', { 1: ['time_unix_nano', FIXED64], 2: ['name', LEN], 3: ['attributes', LEN], 4: ['dropped_attributes_count', VARINT] });
const LINK = shape('Span.Link', {
  1: ['trace_id', LEN],
  2: ['span_id', LEN],
  3: ['trace_state', LEN],
  4: ['attributes', LEN],
  5: ['dropped_attributes_count', VARINT],
  6: ['flags', FIXED32],
});
const STATUS = shape('Status', { 2: ['message', LEN], 3: ['code', VARINT] });
const KEY_VALUE = shape('KeyValue', { 1: ['key', LEN], 2: ['value', LEN] });
const ANY_VALUE = shape('AnyValue', {
  1: ['string_value', LEN],
  2: ['bool_value', VARINT],
  3: ['int_value', VARINT],
  4: ['double_value', FIXED64],
  5: ['array_value', LEN],
  6: ['kvlist_value', LEN],
  7: ['bytes_value', LEN],
});
const ARRAY_VALUE = shape('ArrayValue', { 1: ['values', LEN] });
const KEY_VALUE_LIST = shape('KeyValueList', { 1: ['values', LEN] });

const tag = (fieldNumber: number, wireType: number): number => (fieldNumber << 3) | wireType;

/** Decodes a request body; throws MalformedRequestError when the bytes are not a valid request. */
export function decodeProtobufRequest(bytes: Uint8Array): DecodedRequest {
  const decoding = new ProtobufRequestDecoding(bytes);
  decoding.readSpans(Number.POSITIVE_INFINITY);
  return decoding.result();
}

/** The walk's position inside one length-delimited message: its end, and the next field to read. */
interface Cursor {
  pos: number;
  end: number;
}

/**
 * One request's decoding, which can stop between spans and go on later, so a large request
 * need not hold the event loop for its whole decode. It walks the request in wire order and
 * keeps only its place: the `ResourceSpans` and the `ScopeSpans` it is in, with their resource
 * and scope name, and the position of the next field. `readSpans` reads as many spans as asked
 * and throws MalformedRequestError for bytes that are not a valid request.
 *
 * A resource or scope may follow its spans on the wire, so on entering a `ResourceSpans` or a
 * `ScopeSpans` the walk first reads its fields and skips its spans, then reads the spans.
 * NOTE: a step ends only between spans, so one span of several MB, or the skip over a
 * `ScopeSpans` of millions of spans on entering it, still runs in one piece.
 */
export class ProtobufRequestDecoding {
  readonly #reader: protobuf.Reader;
  readonly #builder = new DecodedRequestBuilder();
  /** The `ResourceSpans` being read, with its resource, or undefined between them. */
  #resourceSpans: (Cursor & { resource: ResourceIdentity }) | undefined;
  /** The `ScopeSpans` being read, with its scope name, or undefined between them. */
  #scopeSpans: (Cursor & { scopeName: string }) | undefined;
  /** Position of the next top-level field of the request. */
  #requestPos = 0;

  constructor(bytes: Uint8Array) {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#reader = protobuf.Reader.create(buffer);
  }

  /** Whether the whole request has been read. */
  get done(): boolean {
    return this.#scopeSpans === undefined && this.#resourceSpans === undefined && this.#requestPos >= this.#reader.len;
  }

  /** Reads spans until `maxSpans` were read, `maxBytes` of span bytes were read, or the request ends. */
  readSpans(maxSpans: number, maxBytes = Number.POSITIVE_INFINITY): void {
    asMalformed(() => {
      let spans = 0;
      let bytes = 0;
      while (spans < maxSpans && bytes < maxBytes && !this.done) {
        const spanBytes = this.#readNext();
        if (spanBytes === undefined) continue;
        spans += 1;
        bytes += spanBytes;
      }
    });
  }

  /** Returns the decoded request. Call it once `done` is true. */
  result(): DecodedRequest {
    return this.#builder.build();
  }

  /** Reads the next field of the innermost message being read. Returns the span's size in bytes when the field was a span. */
  #readNext(): number | undefined {
    const reader = this.#reader;
    const scope = this.#scopeSpans;
    const resource = this.#resourceSpans;
    if (scope !== undefined && resource !== undefined) {
      reader.pos = scope.pos;
      if (reader.pos >= scope.end) {
        checkEnd(reader, scope.end, SCOPE_SPANS);
        this.#scopeSpans = undefined;
        return undefined;
      }
      const fieldTag = reader.uint32();
      let spanBytes: number | undefined;
      if (fieldTag === tag(2, LEN)) {
        const spanEnd = messageEnd(reader);
        spanBytes = spanEnd - reader.pos;
        readSpan(reader, spanEnd, resource.resource, scope.scopeName, this.#builder);
      } else {
        // The scope was read on entering this `ScopeSpans`, and other fields were checked then.
        skipField(reader, fieldTag, SCOPE_SPANS);
      }
      scope.pos = reader.pos;
      return spanBytes;
    }

    if (resource !== undefined) {
      reader.pos = resource.pos;
      if (reader.pos >= resource.end) {
        checkEnd(reader, resource.end, RESOURCE_SPANS);
        this.#resourceSpans = undefined;
        return undefined;
      }
      const fieldTag = reader.uint32();
      if (fieldTag === tag(2, LEN)) {
        const end = messageEnd(reader);
        this.#scopeSpans = { pos: reader.pos, end, scopeName: readScopeSpansName(reader, end) };
        reader.pos = end;
      } else {
        skipField(reader, fieldTag, RESOURCE_SPANS);
      }
      resource.pos = reader.pos;
      return undefined;
    }

    reader.pos = this.#requestPos;
    const fieldTag = reader.uint32();
    if (fieldTag === tag(1, LEN)) {
      const end = messageEnd(reader);
      this.#resourceSpans = { pos: reader.pos, end, resource: readResourceSpansResource(reader, end) };
      reader.pos = end;
    } else {
      skipField(reader, fieldTag, REQUEST);
    }
    this.#requestPos = reader.pos;
    return undefined;
  }
}

/**
 * Reads the resource of the `ResourceSpans` from the reader's position to `end`, skipping its
 * scope spans and checking its other fields. The last resource on the wire wins.
 */
function readResourceSpansResource(reader: protobuf.Reader, end: number): ResourceIdentity {
  let resource = readResourceIdentity({});
  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    if (fieldTag === tag(1, LEN)) resource = readResource(reader, messageEnd(reader));
    else if (fieldTag === tag(2, LEN)) reader.pos = messageEnd(reader);
    else skipField(reader, fieldTag, RESOURCE_SPANS);
  }
  checkEnd(reader, end, RESOURCE_SPANS);
  return resource;
}

/**
 * Reads the scope name of the `ScopeSpans` from the reader's position to `end`, skipping its
 * spans and checking its other fields. The last scope on the wire wins.
 */
function readScopeSpansName(reader: protobuf.Reader, end: number): string {
  let scopeName = '';
  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    if (fieldTag === tag(1, LEN)) scopeName = readScopeName(reader, messageEnd(reader));
    else if (fieldTag === tag(2, LEN)) reader.pos = messageEnd(reader);
    else skipField(reader, fieldTag, SCOPE_SPANS);
  }
  checkEnd(reader, end, SCOPE_SPANS);
  return scopeName;
}

/** Runs a step of the walk, turning the reader's own errors (a RangeError past the end) into MalformedRequestError. */
function asMalformed(step: () => void): void {
  try {
    step();
  } catch (error) {
    if (error instanceof MalformedRequestError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new MalformedRequestError(`invalid protobuf request: ${reason}`, { cause: error });
  }
}

/** Reads the length of an embedded message or string and returns where it ends. */
function messageEnd(reader: protobuf.Reader): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new MalformedRequestError(`invalid protobuf request: length ${length} at offset ${reader.pos} runs past the end of the message`);
  return end;
}

/** Checks that a message's fields ended exactly at its declared length. */
function checkEnd(reader: protobuf.Reader, end: number, message: MessageShape): void {
  if (reader.pos !== end) throw new MalformedRequestError(`invalid protobuf request: ${message.name} overruns its length at offset ${reader.pos}`);
}

/**
 * Skips a field the record does not keep: an unknown field, or a known one it ignores (trace
 * state, dropped counts, flags, schema URLs). A known field number sent with another wire type
 * rejects the request.
 */
function skipField(reader: protobuf.Reader, fieldTag: number, message: MessageShape): void {
  const fieldNumber = fieldTag >>> 3;
  const wireType = fieldTag & 7;
  const known = message.fields[fieldNumber];
  if (known !== undefined && known[1] !== wireType) {
    throw new MalformedRequestError(
      `invalid protobuf request: field ${message.name}.${known[0]} (${fieldNumber}) has wire type ${wireType}, expected ${known[1]}`,
    );
  }
  reader.skipType(wireType, 0, fieldNumber);
}

function readResource(reader: protobuf.Reader, end: number): ResourceIdentity {
  const attributes: Attributes = {};
  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    if (fieldTag === tag(1, LEN)) readKeyValue(reader, messageEnd(reader), attributes, 1);
    else skipField(reader, fieldTag, RESOURCE);
  }
  checkEnd(reader, end, RESOURCE);
  return readResourceIdentity(attributes);
}

function readScopeName(reader: protobuf.Reader, end: number): string {
  let name = '';
  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    if (fieldTag === tag(1, LEN)) name = readString(reader);
    else if (fieldTag === tag(3, LEN)) reader.pos = messageEnd(reader);
    else skipField(reader, fieldTag, SCOPE);
  }
  checkEnd(reader, end, SCOPE);
  return name;
}

function readSpan(reader: protobuf.Reader, end: number, resource: ResourceIdentity, scopeName: string, builder: DecodedRequestBuilder): void {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  let statusCode = 0;
  let statusMessage = '';
  let linkProblem: string | undefined;
  const attributes: Attributes = {};
  let events: SpanEvent[] | undefined;
  let links: SpanLink[] | undefined;

  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    switch (fieldTag) {
      case tag(1, LEN):
        traceId = readTraceId(reader);
        break;
      case tag(2, LEN):
        spanId = readHex(reader);
        break;
      case tag(4, LEN):
        parentSpanId = readHex(reader);
        break;
      case tag(5, LEN):
        name = valueCache.read(reader);
        break;
      case tag(6, VARINT):
        kind = reader.int32();
        break;
      case tag(7, FIXED64):
        startTimeUnixNano = readFixed64(reader);
        break;
      case tag(8, FIXED64):
        endTimeUnixNano = readFixed64(reader);
        break;
      case tag(9, LEN):
        readKeyValue(reader, messageEnd(reader), attributes, 1);
        break;
      case tag(11, LEN):
        (events ??= []).push(readEvent(reader, messageEnd(reader)));
        break;
      case tag(13, LEN): {
        const link = readLink(reader, messageEnd(reader));
        linkProblem ??= linkIdProblem(link.traceId, link.spanId);
        (links ??= []).push(link);
        break;
      }
      case tag(15, LEN): {
        const statusEnd = messageEnd(reader);
        statusCode = 0;
        statusMessage = '';
        while (reader.pos < statusEnd) {
          const statusTag = reader.uint32();
          if (statusTag === tag(2, LEN)) statusMessage = readString(reader);
          else if (statusTag === tag(3, VARINT)) statusCode = reader.int32();
          else skipField(reader, statusTag, STATUS);
        }
        checkEnd(reader, statusEnd, STATUS);
        break;
      }
      default:
        skipField(reader, fieldTag, SPAN);
    }
  }
  checkEnd(reader, end, SPAN);

  const idProblem = spanIdProblem(traceId, spanId, parentSpanId) ?? linkProblem;
  if (idProblem !== undefined) {
    builder.reject(name, idProblem);
    return;
  }
  const status = statusCodeOf(statusCode);
  builder.spans.push({
    traceId,
    spanId,
    parentSpanId,
    name,
    kind: spanKindOf(kind),
    startTimeUnixNano,
    endTimeUnixNano,
    durationMs: durationMsBetween(startTimeUnixNano, endTimeUnixNano),
    resource,
    scopeName,
    attributes,
    events: events ?? NO_EVENTS,
    links: links ?? NO_LINKS,
    signals: readErrorSignals(status, statusMessage, attributes, events ?? NO_EVENTS),
    peer: readPeerInfo(attributes),
  });
}

function readEvent(reader: protobuf.Reader, end: number): SpanEvent {
  const event: SpanEvent = { name: '', timeUnixNano: 0n, attributes: {} };
  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    if (fieldTag === tag(1, FIXED64)) event.timeUnixNano = readFixed64(reader);
    else if (fieldTag === tag(2, LEN)) event.name = valueCache.read(reader);
    else if (fieldTag === tag(3, LEN)) readKeyValue(reader, messageEnd(reader), event.attributes, 1);
    else skipField(reader, fieldTag, EVENT);
  }
  checkEnd(reader, end, EVENT);
  return event;
}

function readLink(reader: protobuf.Reader, end: number): SpanLink {
  const link: SpanLink = { traceId: '', spanId: '', attributes: {} };
  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    if (fieldTag === tag(1, LEN)) link.traceId = readHex(reader);
    else if (fieldTag === tag(2, LEN)) link.spanId = readHex(reader);
    else if (fieldTag === tag(4, LEN)) readKeyValue(reader, messageEnd(reader), link.attributes, 1);
    else skipField(reader, fieldTag, LINK);
  }
  checkEnd(reader, end, LINK);
  return link;
}

/** Reads one `KeyValue` into `attributes`; a key with an empty value is left out. */
function readKeyValue(reader: protobuf.Reader, end: number, attributes: Attributes, depth: number): void {
  let key = '';
  let value: AttributeValue | undefined;
  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    if (fieldTag === tag(1, LEN)) key = keyCache.read(reader);
    else if (fieldTag === tag(2, LEN)) value = readAnyValue(reader, messageEnd(reader), depth);
    else skipField(reader, fieldTag, KEY_VALUE);
  }
  checkEnd(reader, end, KEY_VALUE);
  if (value !== undefined) setAttribute(attributes, key, value);
}

/** Reads an `AnyValue`; an empty one gives undefined. The last member on the wire wins, as for a oneof. */
function readAnyValue(reader: protobuf.Reader, end: number, depth: number): AttributeValue | undefined {
  let value: AttributeValue | undefined;
  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    switch (fieldTag) {
      case tag(1, LEN):
        value = valueCache.read(reader);
        break;
      case tag(2, VARINT):
        value = reader.bool();
        break;
      case tag(3, VARINT):
        value = integerOf(reader.int64());
        break;
      case tag(4, FIXED64):
        value = reader.double();
        break;
      case tag(5, LEN):
        value = readArrayValue(reader, messageEnd(reader), depth);
        break;
      case tag(6, LEN):
        value = readKeyValueList(reader, messageEnd(reader), depth);
        break;
      case tag(7, LEN):
        // A copy, so a kept attribute does not pin the whole request buffer in memory.
        value = new Uint8Array(reader.bytes());
        break;
      default:
        skipField(reader, fieldTag, ANY_VALUE);
    }
  }
  checkEnd(reader, end, ANY_VALUE);
  return value;
}

function readArrayValue(reader: protobuf.Reader, end: number, depth: number): AttributeValue[] {
  checkDepth(depth);
  const values: AttributeValue[] = [];
  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    if (fieldTag !== tag(1, LEN)) {
      skipField(reader, fieldTag, ARRAY_VALUE);
      continue;
    }
    const value = readAnyValue(reader, messageEnd(reader), depth + 1);
    if (value !== undefined) values.push(value);
  }
  checkEnd(reader, end, ARRAY_VALUE);
  return values;
}

function readKeyValueList(reader: protobuf.Reader, end: number, depth: number): Attributes {
  checkDepth(depth);
  const attributes: Attributes = {};
  while (reader.pos < end) {
    const fieldTag = reader.uint32();
    if (fieldTag === tag(1, LEN)) readKeyValue(reader, messageEnd(reader), attributes, depth + 1);
    else skipField(reader, fieldTag, KEY_VALUE_LIST);
  }
  checkEnd(reader, end, KEY_VALUE_LIST);
  return attributes;
}

function checkDepth(depth: number): void {
  if (depth > MAX_ATTRIBUTE_DEPTH) {
    throw new MalformedRequestError(`invalid protobuf request: attribute value nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels`);
  }
}

/**
 * Short strings decoded so far, indexed by an FNV-1a hash of their bytes. Attribute keys, span
 * names and many attribute values repeat across spans, so most reads return the cached string:
 * the spans share one string object, and the decoder allocates less. That keeps garbage
 * collection pauses short while spans wait in the trace buffer. Each slot contains one string,
 * and a colliding string replaces it.
 */
class StringCache {
  readonly #slots: string[];
  readonly #mask: number;

  /** `size` must be a power of two. */
  constructor(size: number) {
    this.#slots = new Array<string>(size).fill('');
    this.#mask = size - 1;
  }

  /** Reads a string field through the cache when it is short ASCII. */
  read(reader: protobuf.Reader): string {
    const length = reader.size();
    const start = reader.pos;
    const end = stringEnd(reader, length);
    const hash = length > MAX_CACHED_BYTES ? -1 : asciiHash(reader.buf, start, end);
    if (hash < 0) return readStringBytes(reader, start, end);

    const slot = hash & this.#mask;
    const cached = this.#slots[slot] ?? '';
    if (cachedStringMatches(cached, reader.buf, start, end)) {
      reader.pos = end;
      return cached;
    }
    const decoded = readStringBytes(reader, start, end);
    this.#slots[slot] = decoded;
    return decoded;
  }
}

/** Maximum length in bytes of a cached string. Longer strings are decoded on every read. */
const MAX_CACHED_BYTES = 64;
/** Attribute keys, which repeat more than values. */
const keyCache = new StringCache(4096);
/** Span and event names, and string attribute values. */
const valueCache = new StringCache(16_384);

/** Returns the FNV-1a hash of the bytes as an unsigned 32-bit integer, or -1 when a byte is not ASCII. */
function asciiHash(buffer: Uint8Array, start: number, end: number): number {
  let hash = 2_166_136_261;
  for (let index = start; index < end; index += 1) {
    const byte = buffer[index] ?? 0;
    if (byte >= 0x80) return -1;
    hash = Math.imul(hash ^ byte, 16_777_619);
  }
  return hash >>> 0;
}

/** Compares an ASCII string with bytes, one character per byte. */
function cachedStringMatches(cached: string, buffer: Uint8Array, start: number, end: number): boolean {
  if (cached.length !== end - start) return false;
  for (let index = start; index < end; index += 1) {
    if (cached.charCodeAt(index - start) !== buffer[index]) return false;
  }
  return true;
}

/** Maximum length in bytes of a string scanned for the ASCII fast path; longer ones are decoded as UTF-8 directly. */
const MAX_ASCII_SCANNED_BYTES = 64;

/** Reads a string field as protobufjs' `Reader.string` does, with a faster path for short ASCII. */
function readString(reader: protobuf.Reader): string {
  const length = reader.size();
  const start = reader.pos;
  return readStringBytes(reader, start, stringEnd(reader, length));
}

/** Returns where a string of `length` bytes at the reader's position ends, throwing the RangeError protobufjs 8 throws. */
function stringEnd(reader: protobuf.Reader, length: number): number {
  const end = reader.pos + length;
  if (end > reader.len) throw new RangeError(`index out of range: ${reader.pos} + ${length} > ${reader.len}`);
  return end;
}

/** Decodes bytes `start` to `end` as UTF-8 and moves the reader past them. */
function readStringBytes(reader: protobuf.Reader, start: number, end: number): string {
  const buffer = reader.buf as Buffer;
  reader.pos = end;
  if (end - start > MAX_ASCII_SCANNED_BYTES) return buffer.toString('utf8', start, end);
  for (let index = start; index < end; index += 1) {
    if ((buffer[index] ?? 0) >= 0x80) return buffer.toString('utf8', start, end);
  }
  // ASCII bytes decode the same in Latin-1, which Node copies into a one-byte string without UTF-8 validation.
  return buffer.toString('latin1', start, end);
}

/** Shared by the spans that have no events or links, so each such span allocates no empty array. */
const NO_EVENTS: readonly SpanEvent[] = Object.freeze([]);
const NO_LINKS: readonly SpanLink[] = Object.freeze([]);

/**
 * The bytes and hex string of the last trace id read. The spans of one trace usually follow one
 * another in a request, so they share one string instead of decoding the same id again.
 */
const lastTraceId = { bytes: Buffer.alloc(16), length: -1, hex: '' };

/** Reads `Span.trace_id` as lowercase hex, reusing the previous span's string when the bytes match. */
function readTraceId(reader: protobuf.Reader): string {
  const end = messageEnd(reader);
  const buffer = reader.buf as Buffer;
  const length = end - reader.pos;
  if (length === lastTraceId.length && buffer.compare(lastTraceId.bytes, 0, length, reader.pos, end) === 0) {
    reader.pos = end;
    return lastTraceId.hex;
  }
  const hex = buffer.toString('hex', reader.pos, end);
  if (length <= lastTraceId.bytes.length) {
    buffer.copy(lastTraceId.bytes, 0, reader.pos, end);
    lastTraceId.length = length;
    lastTraceId.hex = hex;
  }
  reader.pos = end;
  return hex;
}

/** Reads a length-delimited bytes field as lowercase hex without copying it first. */
function readHex(reader: protobuf.Reader): string {
  const end = messageEnd(reader);
  const hex = (reader.buf as Buffer).toString('hex', reader.pos, end);
  reader.pos = end;
  return hex;
}

function readFixed64(reader: protobuf.Reader): bigint {
  const low = reader.fixed32();
  const high = reader.fixed32();
  return high === 0 ? BigInt(low) : BigInt(high) * TWO_POW_32_BIG + BigInt(low);
}

/** Keeps an `int64` as a number when it is exact in a double, otherwise as a `bigint`. */
function integerOf(value: protobuf.Long | number): number | bigint {
  if (typeof value === 'number') return value;
  if (value.high >= -SAFE_HIGH_WORDS && value.high < SAFE_HIGH_WORDS) return value.high * TWO_POW_32 + (value.low >>> 0);
  return BigInt(value.high) * TWO_POW_32_BIG + BigInt(value.low >>> 0);
}
