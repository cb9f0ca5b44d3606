import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delay } from '../e2e/managed-process.js';
import { parseExposition, sampleValue } from './exposition.js';
import { type RunningFaultline, scrapeMetrics, sendTraces, startFaultline } from './faultline-harness.js';

/** The exporter batches for up to 200 ms and then sends; this bounds the wait for that send. */
const EXPORT_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 50;

async function scrapedValue(faultline: RunningFaultline, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const { text } = await scrapeMetrics(faultline.statusUrl);
  return sampleValue(parseExposition(text), name, labels);
}

/** Scrapes until the sample reaches `expected` or the timeout passes; returns the last value. */
async function waitForValue(faultline: RunningFaultline, name: string, labels: Record<string, string>, expected: number): Promise<number | undefined> {
  const deadline = Date.now() + EXPORT_TIMEOUT_MS;
  let value = await scrapedValue(faultline, name, labels);
  while (value !== expected && Date.now() < deadline) {
    await delay(POLL_INTERVAL_MS);
    value = await scrapedValue(faultline, name, labels);
  }
  return value;
}

describe('exporter metrics of a running FaultlineService', () => {
  let backend: RunningFaultline;
  let forwarder: RunningFaultline;

  beforeAll(async () => {
    backend = await startFaultline();
    forwarder = await startFaultline({ exportTo: backend.httpTracesUrl });
  });

  afterAll(async () => {
    await forwarder.service.shutdown();
    await backend.service.shutdown();
  });

  it('counts spans sent to the backend', async () => {
    await sendTraces(new ProtoExporter({ url: forwarder.httpTracesUrl }), 5, false);

    const sent = await waitForValue(forwarder, 'faultline_exporter_sent_spans_total', { exporter: 'otlphttp/peer' }, 5);
    const received = await scrapedValue(backend, 'faultline_receiver_accepted_spans_total', { transport: 'http' });
    const dropped = await scrapedValue(forwarder, 'faultline_exporter_dropped_spans_total', { exporter: 'otlphttp/peer', reason: 'queue_full' });

    expect(sent).toBe(5);
    expect(received).toBe(5);
    expect(dropped).toBe(0);
  });
});
