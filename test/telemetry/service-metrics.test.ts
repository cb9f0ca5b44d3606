import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../support/otlp-test-requests.js';
import { parseExposition, promtoolCheckMetrics, PROMTOOL_PATH, sampleValue, skipReasonFor, type Exposition } from './exposition.js';
import { type RunningFaultline, scrapeMetrics, sendTraces, startFaultline } from './faultline-harness.js';

async function scrape(faultline: RunningFaultline): Promise<Exposition> {
  const { status, text } = await scrapeMetrics(faultline.statusUrl);
  expect(status).toBe(200);
  return parseExposition(text);
}

describe('FaultlineService /metrics', () => {
  let faultline: RunningFaultline;

  beforeAll(async () => {
    faultline = await startFaultline();
  });

  afterAll(async () => {
    await faultline.service.shutdown();
  });

  it('serves the Prometheus text content type', async () => {
    const { status, contentType } = await scrapeMetrics(faultline.statusUrl);

    expect(status).toBe(200);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('counts spans, verdicts and incidents from OTLP traffic', async () => {
    const before = await scrape(faultline);

    await sendTraces(new GrpcExporter({ url: `http://${faultline.grpcAddress}` }), 4, true);
    await sendTraces(new ProtoExporter({ url: faultline.httpTracesUrl }), 2, false);
    const after = await scrape(faultline);

    const grow = (name: string, labels: Record<string, string>): number => (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
    expect(grow('faultline_receiver_accepted_spans_total', { transport: 'grpc' })).toBe(4);
    expect(grow('faultline_receiver_accepted_spans_total', { transport: 'http' })).toBe(2);
    expect(grow('faultline_processor_verdicts_total', { outcome: 'failed' })).toBe(4);
    expect(grow('faultline_processor_verdicts_total', { outcome: 'healthy' })).toBe(2);
    expect(grow('faultline_buffer_released_traces_total', { reason: 'complete' })).toBe(6);
    expect(sampleValue(after, 'faultline_processor_verdict_latency_seconds_count')).toBe(6);
    expect(grow('faultline_incidents_opened_total', {})).toBe(1);
    expect(sampleValue(after, 'faultline_incidents', { state: 'open' })).toBe(1);
  });

  it('counts a malformed request by transport and reason', async () => {
    const before = sampleValue(await scrape(faultline), 'faultline_receiver_refused_requests_total', { transport: 'http', reason: 'malformed' }) ?? 0;

    const response = await postJson(faultline.httpTracesUrl, '{"resourceSpans": [');
    const after = sampleValue(await scrape(faultline), 'faultline_receiver_refused_requests_total', { transport: 'http', reason: 'malformed' });

    expect(response.status).toBe(400);
    expect(after).toBe(before + 1);
  });

  it('records its own scrapes in the request histogram', async () => {
    const before = sampleValue(await scrape(faultline), 'faultline_api_request_duration_seconds_count', { route: '/metrics', method: 'GET', code: '200' }) ?? 0;

    const after = sampleValue(await scrape(faultline), 'faultline_api_request_duration_seconds_count', { route: '/metrics', method: 'GET', code: '200' });

    expect(after).toBe(before + 1);
  });

  it.skipIf(skipReasonFor(PROMTOOL_PATH) !== undefined)('passes promtool check metrics after traffic', async () => {
    const { text } = await scrapeMetrics(faultline.statusUrl);

    const result = await promtoolCheckMetrics(text);

    expect(result.output).toBe('');
    expect(result.exitCode).toBe(0);
  });
});
