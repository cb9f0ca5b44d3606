import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { receiverConfigSchema } from '../../src/receiver/config.js';
import { OtlpReceiver } from '../../src/receiver/otlp-receiver.js';
import { otlpProtoTypes } from '../../src/receiver/otlp-proto-types.js';
import { ReceiverMetrics } from '../../src/receiver/receiver-metrics.js';
import { RecordingSink, startReceiver, type ReceiverHarness } from '../support/otlp-receiver-harness.js';
import { jsonRequest, postJson, postProtobuf, protobufRequest } from '../support/otlp-test-requests.js';

describe('OtlpReceiver', () => {
  let harness: ReceiverHarness | undefined;

  afterEach(async () => {
    await harness?.receiver.shutdown();
    harness = undefined;
  });

  describe('start', () => {
    it('reports the bound ports when port 0 was configured', async () => {
      harness = await startReceiver();

      expect(harness.grpcAddress).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
      expect(harness.httpAddress).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    });

    it('returns the same promise when called twice', async () => {
      harness = await startReceiver();

      await harness.receiver.start();

      expect(harness.receiver.addresses().http).toBe(harness.httpAddress);
    });

    it('starts only the configured protocol and logs as the receiver component', async () => {
      const lines: Record<string, unknown>[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
      const config = receiverConfigSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0' } } });
      const receiver = new OtlpReceiver({ config, sink: new RecordingSink(), metrics: new ReceiverMetrics(), logger });

      await receiver.start();
      const addresses = receiver.addresses();
      await receiver.shutdown();

      expect(addresses.grpc).toBeUndefined();
      expect(addresses.http).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(lines.map((line) => [line['component'], line['msg']])).toEqual([
        ['receiver', 'receiver started'],
        ['receiver', 'receiver stopped'],
      ]);
    });
  });

  describe('shutdown', () => {
    it('closes a stalled upload after the grace period', async () => {
      const config = receiverConfigSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0' } } });
      const receiver = new OtlpReceiver({ config, sink: new RecordingSink(), metrics: new ReceiverMetrics(), logger: pino({ level: 'silent' }), shutdownGraceMs: 200 });
      await receiver.start();
      const [host, port] = (receiver.addresses().http ?? '').split(':');
      const stalled = httpRequest({ host, port: Number(port), method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/json', 'content-length': '1000' } });
      const closedByServer = new Promise<string>((resolve) => {
        stalled.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        stalled.on('response', (response) => resolve(`status ${response.statusCode ?? 0}`));
      });
      stalled.write('{');
      await new Promise((resolve) => setTimeout(resolve, 50));

      const startedAt = Date.now();
      await receiver.shutdown();

      expect(Date.now() - startedAt).toBeLessThan(3000);
      expect(await closedByServer).toBe('ECONNRESET');
    });

    it('is idempotent and stops accepting requests', async () => {
      harness = await startReceiver();

      const first = harness.receiver.shutdown();
      const second = harness.receiver.shutdown();
      await Promise.all([first, second]);

      expect(second).toBe(first);
      await expect(postProtobuf(harness.httpUrl, protobufRequest())).rejects.toThrow(/ECONNREFUSED/);
    });

    it('resolves before start without listening', async () => {
      const config = receiverConfigSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0' } } });
      const receiver = new OtlpReceiver({ config, sink: new RecordingSink(), metrics: new ReceiverMetrics(), logger: pino({ level: 'silent' }) });

      await receiver.shutdown();

      expect(receiver.addresses()).toEqual({});
    });

    it('answers a request in flight before it resolves', async () => {
      harness = await startReceiver();
      const sink = harness.sink;
      const body = protobufRequest('in-flight');
      let spansAtShutdown = -1;
      const response = new Promise<number>((resolve, reject) => {
        const client = httpRequest(
          harness?.httpUrl ?? '',
          { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': String(body.length) } },
          (incoming) => {
            incoming.resume();
            resolve(incoming.statusCode ?? 0);
          },
        );
        client.on('error', reject);
        client.on('socket', (socket) => {
          socket.once('connect', () => {
            client.write(body.subarray(0, 5));
            setImmediate(() => {
              void harness?.receiver.shutdown().then(() => {
                spansAtShutdown = sink.spans.length;
              });
              setImmediate(() => client.end(body.subarray(5)));
            });
          });
        });
      });

      const status = await response;
      await harness.receiver.shutdown();

      expect(status).toBe(200);
      expect(spansAtShutdown).toBe(1);
      expect(sink.spans.map((span) => span.name)).toEqual(['in-flight']);
    });
  });

  describe('OTLP/HTTP answers', () => {
    it('answers 503 with Retry-After when the sink is full', async () => {
      harness = await startReceiver();
      harness.sink.nextResult = { status: 'full' };

      const result = await postJson(harness.httpUrl, jsonRequest([{}]));

      expect(result.status).toBe(503);
      expect(result.headers['retry-after']).toBe('1');
      expect(JSON.parse(result.body.toString('utf8'))).toEqual({ code: 14, message: 'span buffer is full, retry after 1s' });
      expect(harness.metrics.snapshot().http.rejectedRequests.back_pressure).toBe(1);
    });

    it('reports spans the sink rejected as a JSON partial success', async () => {
      harness = await startReceiver();
      harness.sink.nextResult = { status: 'accepted', rejectedSpans: 2, rejectReason: 'trace over 1000 spans' };

      const result = await postJson(harness.httpUrl, jsonRequest([{ name: 'a' }, { name: 'b' }, { name: 'c' }]));

      expect(result.status).toBe(200);
      expect(JSON.parse(result.body.toString('utf8'))).toEqual({
        partialSuccess: { rejectedSpans: '2', errorMessage: 'rejected 2 of 3 spans: trace over 1000 spans' },
      });
      expect(harness.metrics.snapshot().http.acceptedSpans).toBe(1);
      expect(harness.metrics.snapshot().http.rejectedSpans.sink_rejected).toBe(2);
    });

    it('answers protobuf requests with a protobuf partial success', async () => {
      harness = await startReceiver();
      harness.sink.nextResult = { status: 'accepted', rejectedSpans: 1, rejectReason: 'over limit' };

      const result = await postProtobuf(harness.httpUrl, protobufRequest());

      expect(result.headers['content-type']).toBe('application/x-protobuf');
      const response = otlpProtoTypes().exportResponse.toObject(otlpProtoTypes().exportResponse.decode(result.body), { longs: Number });
      expect(response).toEqual({ partialSuccess: { rejectedSpans: 1, errorMessage: 'rejected 1 of 1 spans: over limit' } });
    });

    it('answers a malformed protobuf request with a protobuf google.rpc.Status', async () => {
      harness = await startReceiver();

      const result = await postProtobuf(harness.httpUrl, Buffer.from([0x0a, 0x05, 0x01]));

      expect(result.status).toBe(400);
      expect(result.headers['content-type']).toBe('application/x-protobuf');
      const reader = protobuf.Reader.create(result.body);
      expect(reader.uint32()).toBe(8);
      expect(reader.int32()).toBe(3);
      expect(reader.uint32()).toBe(18);
      expect(reader.string()).toContain('invalid protobuf request: length 5 at offset 2 runs past the end of the message');
    });
  });
});
