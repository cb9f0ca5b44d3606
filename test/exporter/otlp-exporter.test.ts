import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OtlpExporter } from '../../src/exporter/otlp-exporter.js';
import { otlpProtoTypes } from '../../src/receiver/otlp-proto-types.js';
import { startReceiver, type ReceiverHarness } from '../support/otlp-receiver-harness.js';
import {
  batchOf,
  createSelfSignedCertificate,
  exporterFor,
  reservePort,
  settle,
  startScriptedGrpcServer,
  startScriptedHttpServer,
  statusWithRetryInfo,
  testSpans,
  until,
  type ScriptedGrpcServer,
  type ScriptedHttpServer,
} from './downstream.js';

/** Short retries, so tests that run on real timers wait milliseconds. */
const FAST_RETRY = { initial_interval: '10ms', max_interval: '50ms', randomization_factor: 0 };

type Protocol = 'grpc' | 'http';

/** Exporter settings that point at a receiver harness over one protocol. */
function settingsFor(protocol: Protocol, address: string, extra: Record<string, unknown> = {}): [string, Record<string, unknown>] {
  if (protocol === 'grpc') return ['otlp', { endpoint: address, tls: { insecure: true }, ...extra }];
  return ['otlphttp', { endpoint: `http://${address}`, ...extra }];
}

describe('OtlpExporter', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const track = <T extends { shutdown(deadlineMs: number): Promise<void> } | ReceiverHarness | ScriptedHttpServer | ScriptedGrpcServer>(item: T): T => {
    if ('receiver' in item) cleanups.push(() => item.receiver.shutdown());
    else if ('shutdown' in item) cleanups.push(() => item.shutdown(0));
    else cleanups.push(() => item.close());
    return item;
  };

  afterEach(async () => {
    vi.useRealTimers();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  describe.each<Protocol>(['grpc', 'http'])('over %s', (protocol) => {
    it('delivers every span to a receiver', async () => {
      const downstream = track(await startReceiver());
      const address = protocol === 'grpc' ? downstream.grpcAddress : downstream.httpAddress;
      const exporter = track(exporterFor(...settingsFor(protocol, address)));
      const first = testSpans(3, 1);
      const second = testSpans(2, 10);

      exporter.enqueue(batchOf(first));
      exporter.enqueue(batchOf(second));
      await until(() => downstream.sink.spans.length === 5 && exporter.snapshot().sentBatches === 2);

      expect(downstream.sink.spans.map((span) => span.spanId).sort()).toEqual([...first, ...second].map((span) => span.spanId).sort());
      expect(downstream.sink.spans.find((span) => span.spanId === first[0]?.spanId)).toEqual(first[0]);
      expect(exporter.snapshot()).toMatchObject({ sentSpans: 5, sentBatches: 2, retries: 0 });
    });

    it('queues spans while the backend is down', async () => {
      const port = await reservePort();
      const exporter = track(exporterFor(...settingsFor(protocol, `127.0.0.1:${port}`, { retry_on_failure: FAST_RETRY })));

      exporter.enqueue(batchOf(testSpans(4)));
      await until(() => exporter.snapshot().retries >= 2);
      const downstream = track(await startReceiver({ [protocol]: { endpoint: `127.0.0.1:${port}` } }));
      await until(() => downstream.sink.spans.length === 4 && exporter.snapshot().sentBatches === 1, 10_000);

      expect(exporter.snapshot()).toMatchObject({ sentSpans: 4, droppedSpans: { queue_full: 0, retries_exhausted: 0, non_retryable: 0, shutdown: 0 } });
    });

    it('counts partial_success rejections', async () => {
      const downstream = track(await startReceiver());
      downstream.sink.nextResult = { status: 'accepted', rejectedSpans: 2, rejectReason: 'trace exceeds max_spans_per_trace' };
      const address = protocol === 'grpc' ? downstream.grpcAddress : downstream.httpAddress;
      const exporter = track(exporterFor(...settingsFor(protocol, address)));

      exporter.enqueue(batchOf(testSpans(3)));
      await until(() => exporter.snapshot().sentBatches === 1);

      expect(exporter.snapshot()).toMatchObject({ sentSpans: 3, partialSuccessRejectedSpans: 2, retries: 0 });
    });
  });

  it('sends the configured headers as HTTP headers', async () => {
    const server = track(await startScriptedHttpServer(() => ({ status: 200 })));
    const exporter = track(exporterFor('otlphttp', { endpoint: server.url, headers: { 'X-Api-Key': 'secret' }, compression: 'none' }));

    exporter.enqueue(batchOf(testSpans(1)));
    await until(() => exporter.snapshot().sentBatches === 1);

    expect(server.requests[0]?.headers['x-api-key']).toBe('secret');
    expect(server.requests[0]?.headers['content-type']).toBe('application/x-protobuf');
    expect(server.requests[0]?.headers['content-encoding']).toBeUndefined();
  });

  it('hides URL credentials in the status', async () => {
    const server = track(await startScriptedHttpServer(() => ({ status: 200 })));
    const exporter = track(exporterFor('otlphttp', { endpoint: server.url.replace('http://', 'http://user:secret@') }));

    exporter.enqueue(batchOf(testSpans(1)));
    await until(() => exporter.snapshot().sentBatches === 1);

    expect(exporter.snapshot().endpoint).toBe(`${server.url}/v1/traces`);
    expect(server.requests[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`);
  });

  it('sends the configured headers as gRPC metadata', async () => {
    const server = track(await startScriptedGrpcServer(() => ({ code: GrpcStatus.OK })));
    const exporter = track(exporterFor('otlp', { endpoint: server.address, tls: { insecure: true }, headers: { 'X-Api-Key': 'secret' } }));

    exporter.enqueue(batchOf(testSpans(1)));
    await until(() => exporter.snapshot().sentBatches === 1);

    expect(server.requests[0]?.headers['x-api-key']).toBe('secret');
  });

  it('drops batches that find the queue full', async () => {
    const server = track(await startScriptedHttpServer(() => 'hold'));
    const exporter = track(exporterFor('otlphttp', { endpoint: server.url, sending_queue: { queue_size: 1, num_consumers: 1 } }));

    exporter.enqueue(batchOf(testSpans(2, 1)));
    exporter.enqueue(batchOf(testSpans(3, 10)));
    exporter.enqueue(batchOf(testSpans(4, 20)));

    expect(exporter.snapshot()).toMatchObject({ queue: { batches: 1, spans: 3 }, inFlightBatches: 1, droppedSpans: { queue_full: 4 } });
    await until(() => server.requests.length === 1);
    server.releaseHeld();
    await until(() => server.requests.length === 2);
    server.releaseHeld();
    await until(() => exporter.snapshot().sentBatches === 2);
    expect(exporter.snapshot()).toMatchObject({ sentSpans: 5, droppedSpans: { queue_full: 4 } });
  });

  const permanentFailures: { name: string; start: () => Promise<ScriptedHttpServer | ScriptedGrpcServer> }[] = [
    { name: 'HTTP 400', start: () => startScriptedHttpServer(() => ({ status: 400 })) },
    { name: 'HTTP 500', start: () => startScriptedHttpServer(() => ({ status: 500 })) },
    { name: 'gRPC INVALID_ARGUMENT', start: () => startScriptedGrpcServer(() => ({ code: GrpcStatus.INVALID_ARGUMENT, details: 'bad span' })) },
    { name: 'gRPC RESOURCE_EXHAUSTED without RetryInfo', start: () => startScriptedGrpcServer(() => ({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'too large' })) },
  ];

  it.each(permanentFailures)('drops a batch after $name', async ({ start }) => {
    const server = track(await start());
    const exporter = track(
      'url' in server
        ? exporterFor('otlphttp', { endpoint: server.url, retry_on_failure: FAST_RETRY })
        : exporterFor('otlp', { endpoint: server.address, tls: { insecure: true }, retry_on_failure: FAST_RETRY }),
    );

    exporter.enqueue(batchOf(testSpans(3)));
    await until(() => exporter.snapshot().droppedSpans.non_retryable === 3);
    await settle();

    expect(server.requests).toHaveLength(1);
    expect(exporter.snapshot()).toMatchObject({ sentSpans: 0, retries: 0 });
  });

  it('retries RESOURCE_EXHAUSTED with RetryInfo', async () => {
    const server = track(
      await startScriptedGrpcServer((index) =>
        index === 0
          ? { code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'slow down', trailers: { 'grpc-status-details-bin': statusWithRetryInfo(0, 20_000_000) } }
          : { code: GrpcStatus.OK },
      ),
    );
    const exporter = track(exporterFor('otlp', { endpoint: server.address, tls: { insecure: true }, retry_on_failure: FAST_RETRY }));

    exporter.enqueue(batchOf(testSpans(2)));
    await until(() => exporter.snapshot().sentBatches === 1);

    expect(server.requests).toHaveLength(2);
    expect(exporter.snapshot()).toMatchObject({ sentSpans: 2, retries: 1 });
  });

  describe('with fake timers', () => {
    const fakeTimers = (): void => {
      vi.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    };

    it('waits the Retry-After delay before retrying', async () => {
      fakeTimers();
      const server = track(await startScriptedHttpServer((index) => (index === 0 ? { status: 503, headers: { 'Retry-After': '3' } } : { status: 200 })));
      const exporter = track(exporterFor('otlphttp', { endpoint: server.url, retry_on_failure: { initial_interval: '100ms', randomization_factor: 0 } }));

      exporter.enqueue(batchOf(testSpans(2)));
      await until(() => exporter.snapshot().retries === 1);
      await vi.advanceTimersByTimeAsync(2_900);
      await settle();
      const requestsBeforeDelay = server.requests.length;
      await vi.advanceTimersByTimeAsync(100);
      await until(() => exporter.snapshot().sentBatches === 1);

      expect(requestsBeforeDelay).toBe(1);
      expect(server.requests.map((request) => request.atMs - 1_000_000)).toEqual([0, 3_000]);
    });

    it('backs off until max_elapsed_time', async () => {
      fakeTimers();
      const server = track(await startScriptedHttpServer(() => ({ status: 503 })));
      const retry = { initial_interval: '1s', max_interval: '4s', multiplier: 2, randomization_factor: 0, max_elapsed_time: '10s' };
      const exporter = track(exporterFor('otlphttp', { endpoint: server.url, retry_on_failure: retry }));

      exporter.enqueue(batchOf(testSpans(3)));
      // Each wait is advanced exactly, so every attempt starts at the fake time its wait ends.
      for (const [index, waitMs] of [1_000, 2_000, 4_000].entries()) {
        await until(() => exporter.snapshot().retries === index + 1);
        await vi.advanceTimersByTimeAsync(waitMs);
      }
      await until(() => exporter.snapshot().droppedSpans.retries_exhausted === 3);

      // Attempts at 0, 1, 3 and 7 s; the next wait of 4 s would end past 10 s.
      expect(server.requests.map((request) => request.atMs - 1_000_000)).toEqual([0, 1_000, 3_000, 7_000]);
      expect(exporter.snapshot()).toMatchObject({ sentSpans: 0, retries: 3 });
    });

    it('drops at once without retries', async () => {
      fakeTimers();
      const server = track(await startScriptedHttpServer(() => ({ status: 429 })));
      const exporter = track(exporterFor('otlphttp', { endpoint: server.url, retry_on_failure: { enabled: false } }));

      exporter.enqueue(batchOf(testSpans(2)));
      await until(() => exporter.snapshot().droppedSpans.retries_exhausted === 2);

      expect(server.requests).toHaveLength(1);
    });

    it('drops held spans at shutdown deadline', async () => {
      fakeTimers();
      const server = track(await startScriptedHttpServer(() => 'hold'));
      const exporter: OtlpExporter = exporterFor('otlphttp', { endpoint: server.url, sending_queue: { num_consumers: 1 } });
      exporter.enqueue(batchOf(testSpans(2, 1)));
      exporter.enqueue(batchOf(testSpans(3, 10)));
      await until(() => server.requests.length === 1);

      const stopped = exporter.shutdown(1_000);
      exporter.enqueue(batchOf(testSpans(1, 20)));
      await vi.advanceTimersByTimeAsync(1_000);
      await stopped;

      expect(exporter.snapshot()).toMatchObject({ sentSpans: 0, queue: { batches: 0 }, inFlightBatches: 0, droppedSpans: { shutdown: 6 } });
    });

    it('sends held spans before shutdown deadline', async () => {
      fakeTimers();
      const server = track(await startScriptedHttpServer(() => ({ status: 200 })));
      const exporter: OtlpExporter = exporterFor('otlphttp', { endpoint: server.url });
      exporter.enqueue(batchOf(testSpans(2, 1)));
      exporter.enqueue(batchOf(testSpans(3, 10)));

      await exporter.shutdown(1_000);

      expect(exporter.snapshot()).toMatchObject({ sentSpans: 5, droppedSpans: { shutdown: 0 } });
    });
  });

  describe('with TLS', () => {
    const certificate = createSelfSignedCertificate();

    it('verifies a gRPC server against ca_file', async () => {
      const server = track(await startScriptedGrpcServer(() => ({ code: GrpcStatus.OK }), certificate));
      const exporter = track(exporterFor('otlp', { endpoint: server.address, tls: { ca_file: certificate.certPath } }));

      exporter.enqueue(batchOf(testSpans(2)));
      await until(() => exporter.snapshot().sentBatches === 1);

      expect(server.requests[0]?.spans).toHaveLength(2);
    });

    it('verifies an HTTPS server against ca_file', async () => {
      const server = track(await startScriptedHttpServer(() => ({ status: 200 }), certificate));
      const exporter = track(exporterFor('otlphttp', { endpoint: server.url, tls: { ca_file: certificate.certPath } }));

      exporter.enqueue(batchOf(testSpans(2)));
      await until(() => exporter.snapshot().sentBatches === 1);

      expect(server.url.startsWith('https://')).toBe(true);
      expect(server.requests[0]?.spans).toHaveLength(2);
    });

    it('rejects an unverified HTTPS server', async () => {
      const server = track(await startScriptedHttpServer(() => ({ status: 200 }), certificate));
      const exporter = track(exporterFor('otlphttp', { endpoint: server.url, retry_on_failure: FAST_RETRY }));

      exporter.enqueue(batchOf(testSpans(2)));
      await until(() => exporter.snapshot().retries >= 1);

      expect(server.requests).toHaveLength(0);
      expect(exporter.snapshot().sentBatches).toBe(0);
    });
  });

  it('reads partial_success from HTTP responses', async () => {
    const body = otlpProtoTypes().exportResponse.encode({ partialSuccess: { rejectedSpans: 1, errorMessage: 'span too old' } }).finish();
    const server = track(await startScriptedHttpServer(() => ({ status: 200, body })));
    const exporter = track(exporterFor('otlphttp', { endpoint: server.url }));

    exporter.enqueue(batchOf(testSpans(2)));
    await until(() => exporter.snapshot().sentBatches === 1);

    expect(exporter.snapshot().partialSuccessRejectedSpans).toBe(1);
  });
});
