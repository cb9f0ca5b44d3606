import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_PATH, skipReasonFor } from './exposition.js';
import { type RunningFaultline, sendTraces, startFaultline } from './faultline-harness.js';
import { PrometheusServer } from './prometheus-server.js';

const skipReason = skipReasonFor(PROMETHEUS_PATH);
if (skipReason !== undefined) console.warn(`skipping the Prometheus scrape test: ${skipReason}`);

/** Prometheus starts in about a second and scrapes every second; the whole file must stay under 20 s. */
const TARGET_UP_TIMEOUT_MS = 12_000;
const QUERY_TIMEOUT_MS = 5_000;

describe.skipIf(skipReason !== undefined)('Prometheus scraping Faultline', () => {
  let faultline: RunningFaultline;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    faultline = await startFaultline();
    await sendTraces(new ProtoExporter({ url: faultline.httpTracesUrl }), 3, false);
    prometheus = await PrometheusServer.start(new URL(faultline.statusUrl).host);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await faultline.service.shutdown();
  });

  it('scrapes the status API and queries a counter', async () => {
    const server = prometheus;
    if (server === undefined) throw new Error('prometheus did not start');

    const target = await server.waitForHealthyTarget(TARGET_UP_TIMEOUT_MS);
    const accepted = await server.waitForQueryValue('faultline_receiver_accepted_spans_total{job="faultline",transport="http"}', QUERY_TIMEOUT_MS);

    expect(target.scrapeUrl).toBe(`${faultline.statusUrl}/metrics`);
    expect(target.lastError).toBe('');
    expect(accepted).toBe(3);
  }, 20_000);
});
