import { otlpProtoTypes } from '../../src/receiver/otlp-proto-types.js';
import { SeededRandom } from './seeded-random.js';
import { generateTrace, type BenchService, type GeneratedSpan, type KeyValueObject, type SpanObject } from './trace-generator.js';

/**
 * Pre-encoded OTLP `ExportTraceServiceRequest` payloads for the benchmark, built once before
 * timing from a seed, so the load generator and the decode-only measurement read the same bytes.
 *
 * A trace id is 16 bytes: 4 random bytes, the trace's number within the pool (4 bytes, big
 * endian), then an 8-byte stamp. The encoder records where each stamp sits, and
 * `stampTraceIds` overwrites the stamps in place before each send, so every trace id of a run
 * is new without encoding the request again.
 */

const TRACE_ID_BYTES = 16;
const STAMP_OFFSET = 8;
/** The protobuf tag of `Span.trace_id` (field 1, length-delimited) and the id's length. */
const TRACE_ID_FIELD_PREFIX = Buffer.from([0x0a, TRACE_ID_BYTES]);
const INSTANCES_PER_SERVICE = 2;
/** Root spans start at 2026-01-01T00:00:00Z, 10 ms apart. */
const BASE_TIME_NS = 1_767_225_600_000_000_000n;
const TRACE_SPACING_NS = 10_000_000n;

export interface PayloadOptions {
  seed: number;
  /** Distinct requests in the pool. */
  requestCount: number;
  /** Spans per request. A request contains whole traces, so it reaches this count or a few more. */
  spansPerRequest: number;
  /** Share of traces that fail, from 0 to 1. */
  failingTraceRatio: number;
}

export const DEFAULT_PAYLOAD_OPTIONS: PayloadOptions = { seed: 20_260_101, requestCount: 32, spansPerRequest: 500, failingTraceRatio: 0.05 };

/** One encoded request and where its trace-id stamps sit. */
export interface BenchRequest {
  bytes: Buffer;
  spanCount: number;
  traceCount: number;
  failingTraceCount: number;
  /** Byte offset of the 8-byte stamp of every span's trace id. */
  stampOffsets: Uint32Array;
}

export interface PayloadPool {
  requests: BenchRequest[];
  spanCount: number;
  traceCount: number;
  failingTraceCount: number;
  byteCount: number;
}

/** Builds and encodes the request pool; the same options give the same bytes. */
export function buildPayloadPool(options: PayloadOptions = DEFAULT_PAYLOAD_OPTIONS): PayloadPool {
  const random = new SeededRandom(options.seed);
  const requests: BenchRequest[] = [];
  let traceNumber = 0;
  for (let index = 0; index < options.requestCount; index += 1) {
    const request = buildRequest(random, options, traceNumber);
    traceNumber += request.traceCount;
    requests.push(request);
  }
  return {
    requests,
    spanCount: sum(requests, (request) => request.spanCount),
    traceCount: traceNumber,
    failingTraceCount: sum(requests, (request) => request.failingTraceCount),
    byteCount: sum(requests, (request) => request.bytes.length),
  };
}

/** Writes `stamp` into the trace id of every span of the request, in place. */
export function stampTraceIds(request: BenchRequest, stamp: bigint): void {
  for (const offset of request.stampOffsets) request.bytes.writeBigUInt64BE(stamp, offset);
}

function buildRequest(random: SeededRandom, options: PayloadOptions, firstTraceNumber: number): BenchRequest {
  const spans: InstanceSpan[] = [];
  const traceIds: { traceId: Buffer; spanCount: number }[] = [];
  let failingTraceCount = 0;
  while (spans.length < options.spansPerRequest) {
    const traceNumber = firstTraceNumber + traceIds.length;
    const traceId = newTraceId(random, traceNumber);
    const failing = random.chance(options.failingTraceRatio);
    const trace = generateTrace(random, { traceId, startNs: BASE_TIME_NS + BigInt(traceNumber) * TRACE_SPACING_NS, failing });
    spans.push(...assignInstances(random, trace.spans));
    traceIds.push({ traceId, spanCount: trace.spans.length });
    if (failing) failingTraceCount += 1;
  }

  const types = otlpProtoTypes();
  const bytes = Buffer.from(types.exportRequest.encode(types.exportRequest.fromObject(toRequestObject(spans))).finish());
  return { bytes, spanCount: spans.length, traceCount: traceIds.length, failingTraceCount, stampOffsets: findStampOffsets(bytes, traceIds) };
}

function newTraceId(random: SeededRandom, traceNumber: number): Buffer {
  const traceId = Buffer.alloc(TRACE_ID_BYTES);
  random.bytes(4).copy(traceId, 0);
  traceId.writeUInt32BE(traceNumber, 4);
  return traceId;
}

/** A span and the instance of its service that reported it. */
interface InstanceSpan extends GeneratedSpan {
  instance: number;
}

/** Picks one instance per service for the whole trace, as one request path would. */
function assignInstances(random: SeededRandom, spans: GeneratedSpan[]): InstanceSpan[] {
  const instances = new Map<string, number>();
  return spans.map((generated) => {
    let instance = instances.get(generated.service.name);
    if (instance === undefined) {
      instance = random.integer(1, INSTANCES_PER_SERVICE);
      instances.set(generated.service.name, instance);
    }
    return { ...generated, instance };
  });
}

/** Groups spans into one `ResourceSpans` per service instance, as a Collector batch does. */
function toRequestObject(spans: InstanceSpan[]): Record<string, unknown> {
  const byInstance = new Map<string, { service: BenchService; instance: number; spans: SpanObject[] }>();
  for (const { service, instance, span } of spans) {
    const key = `${service.name}-${instance}`;
    let group = byInstance.get(key);
    if (group === undefined) {
      group = { service, instance, spans: [] };
      byInstance.set(key, group);
    }
    group.spans.push(span);
  }
  const resourceSpans = [...byInstance.values()].map((group) => ({
    resource: { attributes: resourceAttributes(group.service, group.instance) },
    scopeSpans: [{ scope: { name: scopeName(group.service), version: '0.223.0' }, spans: group.spans }],
    schemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
  }));
  return { resourceSpans };
}

function resourceAttributes(service: BenchService, instance: number): KeyValueObject[] {
  const entries: [string, string][] = [
    ['service.name', service.name],
    ['service.namespace', service.system],
    ['service.instance.id', `${service.name}-7d9f8c6b5-${instance}`],
    ['service.version', '2.4.1'],
    ['host.name', `node-${instance}.${service.system.toLowerCase()}.internal`],
    ['host.arch', 'amd64'],
    ['os.type', 'linux'],
    ['deployment.environment.name', 'production'],
    ['telemetry.sdk.language', 'nodejs'],
    ['telemetry.sdk.name', 'opentelemetry'],
    ['telemetry.sdk.version', '2.12.1'],
  ];
  return entries.map(([key, value]) => ({ key, value: { stringValue: value } }));
}

function scopeName(service: BenchService): string {
  return service.protocol === 'http' ? '@opentelemetry/instrumentation-http' : '@opentelemetry/instrumentation-grpc';
}

/**
 * Finds each span's trace id in the encoded bytes and returns the offsets of their stamps.
 * Each id is searched with its field tag and length in front, and every trace must be found
 * once per span, so a random byte run that happens to match is caught.
 */
function findStampOffsets(bytes: Buffer, traceIds: { traceId: Buffer; spanCount: number }[]): Uint32Array {
  const offsets: number[] = [];
  for (const { traceId, spanCount } of traceIds) {
    const needle = Buffer.concat([TRACE_ID_FIELD_PREFIX, traceId]);
    let found = 0;
    for (let position = bytes.indexOf(needle); position !== -1; position = bytes.indexOf(needle, position + needle.length)) {
      offsets.push(position + TRACE_ID_FIELD_PREFIX.length + STAMP_OFFSET);
      found += 1;
    }
    if (found !== spanCount) {
      throw new Error(`trace id ${traceId.toString('hex')} found ${found} times in the encoded request, expected ${spanCount}`);
    }
  }
  return Uint32Array.from(offsets);
}

function sum<T>(items: readonly T[], count: (item: T) => number): number {
  return items.reduce((total, item) => total + count(item), 0);
}
