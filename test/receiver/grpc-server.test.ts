import { Client, Metadata, credentials, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXPORT_METHOD_PATH, RETRY_PUSHBACK_HEADER } from '../../src/receiver/grpc-server.js';
import { otlpProtoTypes } from '../../src/receiver/otlp-proto-types.js';
import type { ConsumeResult } from '../../src/receiver/span-sink.js';
import { startReceiver, type ReceiverHarness } from '../support/otlp-receiver-harness.js';
import { SPAN_ID, TRACE_ID, encodeProtobufRequest, protobufRequest } from '../support/otlp-test-requests.js';

const MIB = 1024 * 1024;

type CallResult = { kind: 'ok'; response: Buffer } | { kind: 'error'; error: ServiceError };

/** Calls Export with raw request bytes, so tests can send bytes no real client would. */
function callExport(client: Client, request: Buffer): Promise<CallResult> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      EXPORT_METHOD_PATH,
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      request,
      new Metadata(),
      {},
      (error, response) => resolve(error !== null || response === undefined ? { kind: 'error', error: error as ServiceError } : { kind: 'ok', response }),
    );
  });
}

function decodePartialSuccess(response: Buffer): { rejectedSpans: string; errorMessage: string } | undefined {
  const decoded = otlpProtoTypes().exportResponse.decode(response);
  const object = otlpProtoTypes().exportResponse.toObject(decoded, { longs: String }) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } };
  return object.partialSuccess;
}

/** Encodes a request of one span with a 4-byte trace id and one valid span. */
function requestWithBadId(): Buffer {
  const span = (traceId: Buffer, name: string) => ({ traceId, spanId: Buffer.from(SPAN_ID, 'hex'), name });
  return encodeProtobufRequest({
    resourceSpans: [{ scopeSpans: [{ spans: [span(Buffer.from('01020304', 'hex'), 'bad'), span(Buffer.from(TRACE_ID, 'hex'), 'good')] }] }],
  });
}

interface GrpcCase {
  name: string;
  request: () => Buffer;
  sinkResult?: ConsumeResult;
  code: GrpcStatus;
  detailsInclude?: string;
  pushbackMs?: string;
  rejectedSpans?: string;
}

const cases: GrpcCase[] = [
  { name: 'malformed bytes', request: () => Buffer.from([0x0a, 0xff, 0xff, 0x01]), code: GrpcStatus.INVALID_ARGUMENT, detailsInclude: 'invalid protobuf request' },
  {
    name: 'wrong wire type',
    request: () => Buffer.from(protobuf.Writer.create().uint32((1 << 3) | 0).uint32(1).finish()),
    code: GrpcStatus.INVALID_ARGUMENT,
    detailsInclude: 'ExportTraceServiceRequest.resource_spans (1) has wire type 0, expected 2',
  },
  { name: 'oversize message', request: () => Buffer.alloc(MIB + 1), code: GrpcStatus.RESOURCE_EXHAUSTED },
  {
    name: 'sink full',
    request: () => protobufRequest(),
    sinkResult: { status: 'full' },
    code: GrpcStatus.UNAVAILABLE,
    pushbackMs: '1000',
  },
  { name: 'bad trace id', request: requestWithBadId, code: GrpcStatus.OK, rejectedSpans: '1', detailsInclude: 'trace_id must be 16 bytes, got 4 bytes' },
  {
    name: 'sink rejecting spans',
    request: () => protobufRequest(),
    sinkResult: { status: 'accepted', rejectedSpans: 1, rejectReason: 'trace over 1000 spans' },
    code: GrpcStatus.OK,
    rejectedSpans: '1',
    detailsInclude: 'rejected 1 of 1 spans: trace over 1000 spans',
  },
  { name: 'valid request', request: () => protobufRequest(), code: GrpcStatus.OK },
];

describe('OtlpGrpcServer', () => {
  let harness: ReceiverHarness;
  let client: Client;

  beforeAll(async () => {
    harness = await startReceiver({ grpc: { max_recv_msg_size_mib: 1 } });
    client = new Client(harness.grpcAddress, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await harness.receiver.shutdown();
  });

  beforeEach(() => {
    harness.sink.nextResult = { status: 'accepted', rejectedSpans: 0, rejectReason: '' };
  });

  it.each(cases)('answers $name with code $code', async (testCase) => {
    if (testCase.sinkResult !== undefined) harness.sink.nextResult = testCase.sinkResult;

    const result = await callExport(client, testCase.request());

    if (testCase.code === GrpcStatus.OK) {
      expect(result.kind).toBe('ok');
      const partialSuccess = result.kind === 'ok' ? decodePartialSuccess(result.response) : undefined;
      expect(partialSuccess?.rejectedSpans).toBe(testCase.rejectedSpans);
      if (testCase.detailsInclude !== undefined) expect(partialSuccess?.errorMessage).toContain(testCase.detailsInclude);
    } else {
      expect(result.kind).toBe('error');
      const error = result.kind === 'error' ? result.error : undefined;
      expect(error?.code).toBe(testCase.code);
      if (testCase.detailsInclude !== undefined) expect(error?.details).toContain(testCase.detailsInclude);
      if (testCase.pushbackMs !== undefined) expect(error?.metadata.get(RETRY_PUSHBACK_HEADER)).toEqual([testCase.pushbackMs]);
    }
    harness.sink.nextResult = { status: 'accepted', rejectedSpans: 0, rejectReason: '' };
    const followUp = await callExport(client, protobufRequest('after'));
    expect(followUp.kind).toBe('ok');
    expect(harness.sink.spans.at(-1)?.name).toBe('after');
  });

  it('rejects a gzip message that inflates past the limit', async () => {
    const gzipClient = new Client(harness.grpcAddress, credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
    const inflatedBytes = Buffer.alloc(2 * MIB);

    const result = await callExport(gzipClient, inflatedBytes);
    gzipClient.close();

    expect(result.kind === 'error' ? result.error.code : GrpcStatus.OK).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(result.kind === 'error' ? result.error.details : '').toContain('decompresses to a size larger than');
  });

  it('counts spans and rejections per reason', () => {
    const grpc = harness.metrics.snapshot().grpc;

    expect(grpc.rejectedRequests.malformed).toBe(2);
    expect(grpc.rejectedRequests.back_pressure).toBe(1);
    expect(grpc.rejectedSpans.invalid_id).toBe(1);
    expect(grpc.rejectedSpans.sink_rejected).toBe(1);
    expect(grpc.acceptedSpans).toBe(9);
  });
});
