import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type ReceiverHarness } from '../support/otlp-receiver-harness.js';
import { postProtobuf } from '../support/otlp-test-requests.js';

const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));
const REQUEST_TYPE = 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest';

/** True when `protoc` runs; CI must have it, so the suite runs there regardless. */
const protocAvailable = spawnSync('protoc', ['--version']).status === 0;
const runSuite = protocAvailable || process.env['CI'] !== undefined;
const suiteName = runSuite ? 'protoc-encoded requests' : 'protoc-encoded requests (skipped: protoc not found on PATH; install protobuf-compiler)';

/** A request in protobuf text format, encoded by protoc rather than protobufjs. */
const TEXT_REQUEST = String.raw`
resource_spans {
  resource {
    attributes { key: "service.name" value { string_value: "step-runner" } }
    attributes { key: "service.namespace" value { string_value: "AutoMatrix" } }
    attributes { key: "service.instance.id" value { string_value: "worker-7" } }
  }
  scope_spans {
    scope { name: "automatrix.steps" version: "0.4.0" }
    spans {
      trace_id: "\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c"
      span_id: "\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74"
      parent_span_id: "\xee\xe1\x9b\x7e\xc3\xc1\xb1\x73"
      flags: 257
      name: "POST /relay"
      kind: SPAN_KIND_CLIENT
      start_time_unix_nano: 1764000000123456789
      end_time_unix_nano: 18446744073709551615
      attributes { key: "big.int" value { int_value: 9007199254740993 } }
      attributes { key: "negative.int" value { int_value: -42 } }
      attributes { key: "ratio" value { double_value: 0.25 } }
      attributes { key: "ok" value { bool_value: false } }
      attributes { key: "raw" value { bytes_value: "\x00\xff" } }
      attributes { key: "nested" value { kvlist_value { values { key: "list" value { array_value { values { string_value: "x" } values { int_value: 3 } } } } } } }
      attributes { key: "http.status_code" value { int_value: 504 } }
      events {
        time_unix_nano: 1764000000200000000
        name: "exception"
        attributes { key: "exception.type" value { string_value: "TimeoutError" } }
        attributes { key: "exception.message" value { string_value: "relay timed out" } }
      }
      links { trace_id: "\x0a\xf7\x65\x19\x16\xcd\x43\xdd\x84\x48\xeb\x21\x1c\x80\x31\x9c" span_id: "\xb7\xad\x6b\x71\x69\x20\x33\x31" flags: 1 }
      status { code: STATUS_CODE_ERROR message: "deadline exceeded" }
    }
  }
}
`;

function encodeWithProtoc(text: string): Buffer {
  return execFileSync('protoc', [`--proto_path=${PROTO_DIR}`, `--encode=${REQUEST_TYPE}`, 'opentelemetry/proto/collector/trace/v1/trace_service.proto'], {
    input: text,
  });
}

describe.skipIf(!runSuite)(suiteName, () => {
  let harness: ReceiverHarness;

  beforeAll(async () => {
    harness = await startReceiver();
  });

  afterAll(async () => {
    await harness.receiver.shutdown();
  });

  it('decodes every field protoc encoded', async () => {
    const body = encodeWithProtoc(TEXT_REQUEST);

    const result = await postProtobuf(harness.httpUrl, body);

    expect(result.status).toBe(200);
    expect(result.body).toHaveLength(0);
    expect(harness.sink.spans).toHaveLength(1);
    const span = harness.sink.spans[0];
    expect(span?.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(span?.spanId).toBe('eee19b7ec3c1b174');
    expect(span?.parentSpanId).toBe('eee19b7ec3c1b173');
    expect(span?.kind).toBe('client');
    expect(span?.startTimeUnixNano).toBe(1_764_000_000_123_456_789n);
    expect(span?.endTimeUnixNano).toBe(18_446_744_073_709_551_615n);
    expect(span?.scopeName).toBe('automatrix.steps');
    expect(span?.attributes['big.int']).toBe(9_007_199_254_740_993n);
    expect(span?.attributes['negative.int']).toBe(-42);
    expect(span?.attributes['ratio']).toBe(0.25);
    expect(span?.attributes['ok']).toBe(false);
    expect(span?.attributes['raw']).toEqual(new Uint8Array([0x00, 0xff]));
    expect(span?.attributes['nested']).toEqual({ list: ['x', 3] });
    expect(span?.events).toEqual([
      { name: 'exception', timeUnixNano: 1_764_000_000_200_000_000n, attributes: { 'exception.type': 'TimeoutError', 'exception.message': 'relay timed out' } },
    ]);
    expect(span?.links).toEqual([{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', attributes: {} }]);
    expect(span?.signals).toEqual({
      status: 'error',
      statusMessage: 'deadline exceeded',
      errorType: '',
      httpStatusCode: 504,
      grpcStatusCode: -1,
      exception: { type: 'TimeoutError', message: 'relay timed out', stacktrace: '' },
    });
    expect(span?.resource).toMatchObject({ service: 'step-runner', system: 'AutoMatrix', instance: 'worker-7' });
  });
});
