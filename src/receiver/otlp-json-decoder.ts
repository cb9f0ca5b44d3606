import { readErrorSignals, readPeerInfo } from '../model/signals.js';
import { readResourceIdentity } from '../model/resource.js';
import type { AttributeValue, Attributes, ResourceIdentity, SpanEvent, SpanLink } from '../model/span.js';
import { DecodedRequestBuilder, type DecodedRequest } from './decoded-request.js';
import { MalformedRequestError } from './receiver-errors.js';
import {
  MAX_ATTRIBUTE_DEPTH,
  SPAN_KIND_NAMES,
  STATUS_CODE_NAMES,
  durationMsBetween,
  linkIdProblem,
  setAttribute,
  spanIdProblem,
  spanKindOf,
  statusCodeOf,
} from './span-fields.js';

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` into span records, by hand because OTLP/JSON
 * differs from the protobuf JSON mapping: ids are hex, not base64.
 *
 * Accepted as the OTLP/JSON rules and the protobuf JSON mapping allow: lowerCamelCase or
 * snake_case keys, ids in hex of either case, enums as numbers or names, 64-bit integers as
 * strings or numbers, `bytesValue` in base64, `null` for an absent field. Unknown keys are
 * ignored. A value of the wrong JSON type rejects the whole request.
 */

type JsonObject = Record<string, unknown>;

const UNSIGNED_INTEGER = /^\d+$/;
const SIGNED_INTEGER = /^-?\d+$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const SPECIAL_DOUBLES: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Decodes a request body; throws MalformedRequestError when it is not an OTLP/JSON request. */
export function decodeJsonRequest(text: string): DecodedRequest {
  const request = parseJson(text);
  const builder = new DecodedRequestBuilder();
  // Indices of the element being read, -1 above it; the error path is built only on failure.
  const at = { resource: -1, scope: -1, span: -1 };

  try {
    const resourceSpansList = arrayField(request, 'resourceSpans', 'resource_spans');
    for (at.resource = 0; at.resource < resourceSpansList.length; at.resource += 1) {
      at.scope = -1;
      const resourceSpans = asObject(resourceSpansList[at.resource], 'element');
      const resource = resourceOf(resourceSpans);
      const scopeSpansList = arrayField(resourceSpans, 'scopeSpans', 'scope_spans');
      for (at.scope = 0; at.scope < scopeSpansList.length; at.scope += 1) {
        at.span = -1;
        const scopeSpans = asObject(scopeSpansList[at.scope], 'element');
        const scopeName = scopeNameOf(scopeSpans);
        const spans = arrayField(scopeSpans, 'spans', 'spans');
        for (at.span = 0; at.span < spans.length; at.span += 1) addSpan(builder, asObject(spans[at.span], 'element'), resource, scopeName);
      }
    }
  } catch (error) {
    if (!(error instanceof MalformedRequestError)) throw error;
    throw new MalformedRequestError(`invalid OTLP/JSON request: ${pathOf(at)}${error.message}`, { cause: error });
  }
  return builder.build();
}

function pathOf(at: { resource: number; scope: number; span: number }): string {
  if (at.resource < 0) return '';
  const resource = `resourceSpans[${at.resource}]`;
  if (at.scope < 0) return `${resource}: `;
  const scope = `${resource}.scopeSpans[${at.scope}]`;
  return at.span < 0 ? `${scope}: ` : `${scope}.spans[${at.span}]: `;
}

function parseJson(text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MalformedRequestError(`invalid OTLP/JSON request: body is not valid JSON: ${reason}`, { cause: error });
  }
  if (!isObject(parsed)) {
    throw new MalformedRequestError(`invalid OTLP/JSON request: body must be a JSON object, got ${jsonTypeOf(parsed)}`);
  }
  return parsed;
}

function resourceOf(resourceSpans: JsonObject): ResourceIdentity {
  const resource = objectField(resourceSpans, 'resource', 'resource');
  if (resource === undefined) return readResourceIdentity({});
  return readResourceIdentity(attributesOf(resource, 'attributes'));
}

function scopeNameOf(scopeSpans: JsonObject): string {
  const scope = objectField(scopeSpans, 'scope', 'scope');
  return scope === undefined ? '' : stringField(scope, 'name', 'name');
}

function addSpan(builder: DecodedRequestBuilder, span: JsonObject, resource: ResourceIdentity, scopeName: string): void {
  const name = stringField(span, 'name', 'name');
  const traceId = stringField(span, 'traceId', 'trace_id').toLowerCase();
  const spanId = stringField(span, 'spanId', 'span_id').toLowerCase();
  const parentSpanId = stringField(span, 'parentSpanId', 'parent_span_id').toLowerCase();
  const attributes = attributesOf(span, 'attributes');
  const events = eventsOf(span);
  const links = linksOf(span);
  const status = objectField(span, 'status', 'status');
  const statusCode = status === undefined ? 0 : enumField(status, 'code', 'code', STATUS_CODE_NAMES);
  const statusMessage = status === undefined ? '' : stringField(status, 'message', 'message');
  const kind = enumField(span, 'kind', 'kind', SPAN_KIND_NAMES);
  const startTimeUnixNano = uint64Field(span, 'startTimeUnixNano', 'start_time_unix_nano');
  const endTimeUnixNano = uint64Field(span, 'endTimeUnixNano', 'end_time_unix_nano');

  const idProblem = spanIdProblem(traceId, spanId, parentSpanId);
  if (idProblem !== undefined) {
    builder.reject(name, idProblem);
    return;
  }
  if (typeof links === 'string') {
    builder.reject(name, links);
    return;
  }

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
    events,
    links,
    signals: readErrorSignals(statusCodeOf(statusCode), statusMessage, attributes, events),
    peer: readPeerInfo(attributes),
  });
}

function eventsOf(span: JsonObject): SpanEvent[] {
  const events: SpanEvent[] = [];
  for (const item of arrayField(span, 'events', 'events')) {
    const event = asObject(item, 'events element');
    events.push({
      name: stringField(event, 'name', 'name'),
      timeUnixNano: uint64Field(event, 'timeUnixNano', 'time_unix_nano'),
      attributes: attributesOf(event, 'attributes'),
    });
  }
  return events;
}

/** Returns the links, or why one of them has invalid ids. */
function linksOf(span: JsonObject): SpanLink[] | string {
  const links: SpanLink[] = [];
  let problem: string | undefined;
  for (const item of arrayField(span, 'links', 'links')) {
    const link = asObject(item, 'links element');
    const traceId = stringField(link, 'traceId', 'trace_id').toLowerCase();
    const spanId = stringField(link, 'spanId', 'span_id').toLowerCase();
    const attributes = attributesOf(link, 'attributes');
    problem ??= linkIdProblem(traceId, spanId);
    links.push({ traceId, spanId, attributes });
  }
  return problem ?? links;
}

function attributesOf(owner: JsonObject, key: string): Attributes {
  return keyValuesOf(arrayField(owner, key, key), key, 1);
}

function keyValuesOf(items: unknown[], where: string, depth: number): Attributes {
  const attributes: Attributes = {};
  for (const item of items) {
    const keyValue = asObject(item, `${where} element`);
    const key = stringField(keyValue, 'key', 'key');
    const wireValue = objectField(keyValue, 'value', 'value');
    const value = wireValue === undefined ? undefined : anyValueOf(wireValue, depth);
    if (value !== undefined) setAttribute(attributes, key, value);
  }
  return attributes;
}

/**
 * Converts an `AnyValue`; an empty one gives undefined and its key is left out. One pass over
 * the keys, because an `AnyValue` has one member and unknown keys are ignored.
 */
function anyValueOf(wire: JsonObject, depth: number): AttributeValue | undefined {
  for (const key in wire) {
    const value = wire[key];
    if (value === null || value === undefined) continue;
    switch (key) {
      case 'stringValue':
      case 'string_value':
        return expectString(value, 'stringValue');
      case 'boolValue':
      case 'bool_value':
        return expectBoolean(value, 'boolValue');
      case 'intValue':
      case 'int_value':
        return int64Of(value, 'intValue');
      case 'doubleValue':
      case 'double_value':
        return doubleOf(value, 'doubleValue');
      case 'bytesValue':
      case 'bytes_value':
        return bytesOf(value, 'bytesValue');
      case 'arrayValue':
      case 'array_value':
        return arrayOf(asObject(value, 'arrayValue'), depth);
      case 'kvlistValue':
      case 'kvlist_value':
        return kvlistOf(asObject(value, 'kvlistValue'), depth);
    }
  }
  return undefined;
}

function arrayOf(array: JsonObject, depth: number): AttributeValue[] {
  checkDepth(depth);
  const values: AttributeValue[] = [];
  for (const item of arrayField(array, 'values', 'values')) {
    const value = anyValueOf(asObject(item, 'arrayValue.values element'), depth + 1);
    if (value !== undefined) values.push(value);
  }
  return values;
}

function kvlistOf(kvlist: JsonObject, depth: number): Attributes {
  checkDepth(depth);
  return keyValuesOf(arrayField(kvlist, 'values', 'values'), 'kvlistValue.values', depth + 1);
}

function checkDepth(depth: number): void {
  if (depth > MAX_ATTRIBUTE_DEPTH) throw new MalformedRequestError(`attribute value nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels`);
}

/** Reads a field by its lowerCamelCase name, then its snake_case name; null counts as absent. */
function fieldOf(owner: JsonObject, camelKey: string, snakeKey: string): unknown {
  const value = owner[camelKey] ?? owner[snakeKey];
  return value === null ? undefined : value;
}

function stringField(owner: JsonObject, camelKey: string, snakeKey: string): string {
  const value = fieldOf(owner, camelKey, snakeKey);
  return value === undefined ? '' : expectString(value, camelKey);
}

function arrayField(owner: JsonObject, camelKey: string, snakeKey: string): unknown[] {
  const value = fieldOf(owner, camelKey, snakeKey);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw typeError(camelKey, 'an array', value);
  return value;
}

function objectField(owner: JsonObject, camelKey: string, snakeKey: string): JsonObject | undefined {
  const value = fieldOf(owner, camelKey, snakeKey);
  return value === undefined ? undefined : asObject(value, camelKey);
}

/** Reads an enum given as its number or its name (`SPAN_KIND_SERVER`). */
function enumField(owner: JsonObject, camelKey: string, snakeKey: string, names: readonly string[]): number {
  const value = fieldOf(owner, camelKey, snakeKey);
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const index = names.indexOf(value);
    if (index >= 0) return index;
    throw new MalformedRequestError(`${camelKey} must be one of ${names.join(', ')} or an integer, got ${JSON.stringify(value)}`);
  }
  throw typeError(camelKey, 'an integer or an enum name', value);
}

/**
 * Reads a `fixed64` time from a string of digits (exact) or a JSON number.
 * NOTE: JSON.parse rounds numbers above 2^53 to the nearest double before this runs, so a time
 * sent as a number can be off by up to 128 ns at today's epoch. Strings, which OTLP/JSON
 * specifies, stay exact.
 */
function uint64Field(owner: JsonObject, camelKey: string, snakeKey: string): bigint {
  const value = fieldOf(owner, camelKey, snakeKey);
  if (value === undefined) return 0n;
  if (typeof value === 'string' && UNSIGNED_INTEGER.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value);
  throw typeError(camelKey, 'a non-negative integer or a string of digits', value);
}

/** Reads an `int64`, kept as a number when exact in a double and as a `bigint` otherwise. */
function int64Of(value: unknown, key: string): number | bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value !== 'string' || !SIGNED_INTEGER.test(value)) throw typeError(key, 'an integer or a string of digits', value);
  const exact = BigInt(value);
  return exact >= MIN_SAFE && exact <= MAX_SAFE ? Number(exact) : exact;
}

function doubleOf(value: unknown, key: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const special = SPECIAL_DOUBLES[value];
    if (special !== undefined) return special;
    const parsed = value.trim() === '' ? Number.NaN : Number(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  throw typeError(key, 'a number', value);
}

function bytesOf(value: unknown, key: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw typeError(key, 'a base64 string', value);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function expectString(value: unknown, key: string): string {
  if (typeof value !== 'string') throw typeError(key, 'a string', value);
  return value;
}

function expectBoolean(value: unknown, key: string): boolean {
  if (typeof value !== 'boolean') throw typeError(key, 'a boolean', value);
  return value;
}

function asObject(value: unknown, key: string): JsonObject {
  if (!isObject(value)) throw typeError(key, 'an object', value);
  return value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeError(key: string, expected: string, value: unknown): MalformedRequestError {
  return new MalformedRequestError(`${key} must be ${expected}, got ${jsonTypeOf(value)}`);
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}
