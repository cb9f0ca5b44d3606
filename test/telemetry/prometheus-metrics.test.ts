import { describe, expect, it } from 'vitest';
import type { AlertmanagerSnapshot } from '../../src/alerting/alertmanager-notifier.js';
import type { ExporterSnapshot } from '../../src/exporter/otlp-exporter.js';
import type { TraceBufferSnapshot } from '../../src/pipeline/trace-buffer.js';
import type { ReceiverMetricsSnapshot, TransportCounts } from '../../src/receiver/receiver-metrics.js';
import type { RecoverySnapshot } from '../../src/recovery/recovery-counters.js';
import { MAX_ROUTES } from '../../src/telemetry/api-request-metrics.js';
import type { IncidentFigures, MetricsSource } from '../../src/telemetry/metrics-source.js';
import { PrometheusMetrics } from '../../src/telemetry/prometheus-metrics.js';
import { parseExposition, promtoolCheckMetrics, PROMTOOL_PATH, sampleValue, skipReasonFor } from './exposition.js';

function transportCounts(acceptedSpans: number): TransportCounts {
  return {
    acceptedSpans,
    rejectedSpans: { invalid_id: 0, sink_rejected: 0 },
    rejectedRequests: { malformed: 0, too_large: 0, unsupported_media_type: 0, back_pressure: 0, not_found: 0, cancelled: 0 },
  };
}

/** A source whose figures a test sets directly; each read returns a copy. */
class FixedSource implements MetricsSource {
  receiverFigures: ReceiverMetricsSnapshot = { grpc: transportCounts(0), http: transportCounts(0) };
  bufferFigures: TraceBufferSnapshot = {
    tracesHeld: 0,
    spansHeld: 0,
    bytesHeld: 0,
    tracesCached: 0,
    bytesCached: 0,
    tracesReleased: { complete: 0, quiet: 0, evicted: 0, shutdown: 0 },
    tracesEvicted: 0,
    spansRejected: { trace_span_limit: 0, duplicate_span: 0 },
    requestsRejectedFull: 0,
    lateSpans: 0,
    consumerFailures: 0,
  };
  correlationFigures: Record<string, unknown> = {
    verdicts: { healthy: 0, handled: 0, failed: 0 },
    revisedVerdicts: 0,
    analysisErrors: 0,
    verdictLatency: { p50Ms: undefined, p99Ms: undefined, samples: 0 },
    knownServiceAddresses: 0,
  };
  incidentFigures: IncidentFigures = {
    byState: { open: 0, mitigating: 0, escalated: 0, resolved: 0 },
    opened: 0,
    resolved: { quiet: 0, recovered: 0, manual: 0, withdrawn: 0 },
    dropped: { ungroupedFailures: 0, untrackedServices: 0, serviceGraphEntries: 0 },
  };
  recoveryFigures: RecoverySnapshot | undefined = undefined;
  alertmanagerFigures: AlertmanagerSnapshot | undefined = undefined;
  exporterFigures: Record<string, ExporterSnapshot> = {};

  receiver(): ReceiverMetricsSnapshot {
    return structuredClone(this.receiverFigures);
  }
  buffer(): TraceBufferSnapshot {
    return structuredClone(this.bufferFigures);
  }
  correlation(): Record<string, unknown> {
    return structuredClone(this.correlationFigures);
  }
  incidents(): IncidentFigures {
    return structuredClone(this.incidentFigures);
  }
  recovery(): RecoverySnapshot | undefined {
    return structuredClone(this.recoveryFigures);
  }
  alertmanager(): AlertmanagerSnapshot | undefined {
    return structuredClone(this.alertmanagerFigures);
  }
  exporters(): Record<string, ExporterSnapshot> {
    return structuredClone(this.exporterFigures);
  }
}

function recoveryFigures(overrides: Partial<RecoverySnapshot>): RecoverySnapshot {
  return {
    attempts: {},
    recoveriesStarted: 0,
    recoveriesSucceeded: 0,
    recoveriesEscalated: 0,
    actionsDeferred: 0,
    actionsWaiting: 0,
    recoveriesRunning: 0,
    breakers: {},
    timesToRecoverMs: [],
    ...overrides,
  };
}

/** Returns a source with a value in every figure, so that every family has samples. */
function busySource(): FixedSource {
  const source = new FixedSource();
  source.receiverFigures.grpc = transportCounts(120);
  source.receiverFigures.http.acceptedSpans = 30;
  source.receiverFigures.http.rejectedRequests.malformed = 2;
  source.receiverFigures.grpc.rejectedSpans.invalid_id = 4;
  source.bufferFigures = {
    ...source.bufferFigures,
    tracesHeld: 3,
    spansHeld: 9,
    bytesHeld: 9216,
    tracesReleased: { complete: 10, quiet: 5, evicted: 2, shutdown: 0 },
    tracesEvicted: 2,
    spansRejected: { trace_span_limit: 1, duplicate_span: 6 },
    lateSpans: 7,
  };
  source.correlationFigures = {
    verdicts: { healthy: 12, handled: 1, failed: 4 },
    revisedVerdicts: 2,
    analysisErrors: 0,
    verdictLatency: { p50Ms: 15, p99Ms: 480, samples: 17 },
    knownServiceAddresses: 3,
  };
  source.incidentFigures = {
    byState: { open: 1, mitigating: 1, escalated: 0, resolved: 2 },
    opened: 4,
    resolved: { quiet: 1, recovered: 1, manual: 0, withdrawn: 0 },
    dropped: { ungroupedFailures: 0, untrackedServices: 0, serviceGraphEntries: 0 },
  };
  source.recoveryFigures = recoveryFigures({
    attempts: { neuroweaver: { applied: 2, unavailable: 1 } },
    recoveriesStarted: 2,
    recoveriesSucceeded: 1,
    recoveriesRunning: 1,
    breakers: { neuroweaver: 'half_open', relaycore: 'closed' },
    timesToRecoverMs: [42_000],
  });
  source.exporterFigures = {
    'otlp/jaeger': {
      type: 'otlp',
      endpoint: '127.0.0.1:14317',
      queue: { batches: 2, spans: 40, capacityBatches: 1000 },
      inFlightBatches: 1,
      sentSpans: 900,
      sentBatches: 9,
      partialSuccessRejectedSpans: 3,
      retries: 4,
      droppedSpans: { queue_full: 0, retries_exhausted: 20, non_retryable: 0, shutdown: 0 },
    },
  };
  source.alertmanagerFigures = { url: 'http://127.0.0.1:9093/api/v2/alerts', sent: 5, failed: 1, dropped: 0, pending: 2, firing: 2, lastError: null };
  return source;
}

describe('PrometheusMetrics', () => {
  describe('render', () => {
    const cases: { name: string; metric: string; labels?: Record<string, string>; value: number }[] = [
      { name: 'accepted spans per transport', metric: 'faultline_receiver_accepted_spans_total', labels: { transport: 'grpc' }, value: 120 },
      { name: 'refused spans by reason', metric: 'faultline_receiver_refused_spans_total', labels: { transport: 'grpc', reason: 'invalid_id' }, value: 4 },
      { name: 'refused requests by reason', metric: 'faultline_receiver_refused_requests_total', labels: { transport: 'http', reason: 'malformed' }, value: 2 },
      { name: 'zero for a reason not seen', metric: 'faultline_receiver_refused_requests_total', labels: { transport: 'grpc', reason: 'too_large' }, value: 0 },
      { name: 'buffered traces', metric: 'faultline_buffer_traces', value: 3 },
      { name: 'buffered spans', metric: 'faultline_buffer_spans', value: 9 },
      { name: 'buffered bytes', metric: 'faultline_buffer_bytes', value: 9216 },
      { name: 'evicted traces', metric: 'faultline_buffer_evicted_traces_total', value: 2 },
      { name: 'released traces by reason', metric: 'faultline_buffer_released_traces_total', labels: { reason: 'quiet' }, value: 5 },
      { name: 'buffer-refused spans', metric: 'faultline_buffer_refused_spans_total', labels: { reason: 'duplicate_span' }, value: 6 },
      { name: 'late spans', metric: 'faultline_buffer_late_spans_total', value: 7 },
      { name: 'verdicts by outcome', metric: 'faultline_processor_verdicts_total', labels: { outcome: 'failed' }, value: 4 },
      { name: 'revised verdicts', metric: 'faultline_processor_revised_verdicts_total', value: 2 },
      { name: 'verdict latency median', metric: 'faultline_processor_verdict_latency_seconds', labels: { quantile: '0.5' }, value: 0.015 },
      { name: 'verdict latency p99', metric: 'faultline_processor_verdict_latency_seconds', labels: { quantile: '0.99' }, value: 0.48 },
      { name: 'verdict latency count', metric: 'faultline_processor_verdict_latency_seconds_count', value: 17 },
      { name: 'incidents by state', metric: 'faultline_incidents', labels: { state: 'mitigating' }, value: 1 },
      { name: 'incidents opened', metric: 'faultline_incidents_opened_total', value: 4 },
      { name: 'incidents resolved by reason', metric: 'faultline_incidents_resolved_total', labels: { reason: 'recovered' }, value: 1 },
      { name: 'recovery attempts', metric: 'faultline_recovery_attempts_total', labels: { target: 'neuroweaver', outcome: 'unavailable' }, value: 1 },
      { name: 'current breaker state', metric: 'faultline_recovery_breaker_state', labels: { target: 'neuroweaver', state: 'half_open' }, value: 1 },
      { name: 'other breaker states', metric: 'faultline_recovery_breaker_state', labels: { target: 'neuroweaver', state: 'closed' }, value: 0 },
      { name: 'time to recover bucket', metric: 'faultline_recovery_time_to_recover_seconds_bucket', labels: { le: '60' }, value: 1 },
      { name: 'time to recover below it', metric: 'faultline_recovery_time_to_recover_seconds_bucket', labels: { le: '30' }, value: 0 },
      { name: 'time to recover sum', metric: 'faultline_recovery_time_to_recover_seconds_sum', value: 42 },
      { name: 'running recoveries', metric: 'faultline_recovery_running_recoveries', value: 1 },
      { name: 'alerts sent', metric: 'faultline_alertmanager_sent_alerts_total', value: 5 },
      { name: 'alerts pending', metric: 'faultline_alertmanager_pending_alerts', value: 2 },
      { name: 'exported spans', metric: 'faultline_exporter_sent_spans_total', labels: { exporter: 'otlp/jaeger' }, value: 900 },
      { name: 'export drops by reason', metric: 'faultline_exporter_dropped_spans_total', labels: { exporter: 'otlp/jaeger', reason: 'retries_exhausted' }, value: 20 },
      { name: 'export retries', metric: 'faultline_exporter_retried_requests_total', labels: { exporter: 'otlp/jaeger' }, value: 4 },
      { name: 'export queue', metric: 'faultline_exporter_queue_spans', labels: { exporter: 'otlp/jaeger' }, value: 40 },
    ];

    it.each(cases)('exports $name', async ({ metric, labels, value }) => {
      const metrics = new PrometheusMetrics(busySource());

      const exposition = parseExposition(await metrics.render());

      expect(sampleValue(exposition, metric, labels)).toBe(value);
    });

    it('declares each family type with help text', async () => {
      const exposition = parseExposition(await new PrometheusMetrics(busySource()).render());

      const expectedTypes: Record<string, string> = {
        faultline_receiver_accepted_spans_total: 'counter',
        faultline_buffer_evicted_traces_total: 'counter',
        faultline_buffer_traces: 'gauge',
        faultline_processor_verdict_latency_seconds: 'summary',
        faultline_incidents: 'gauge',
        faultline_incidents_opened_total: 'counter',
        faultline_recovery_breaker_state: 'gauge',
        faultline_recovery_time_to_recover_seconds: 'histogram',
        faultline_api_request_duration_seconds: 'histogram',
        nodejs_eventloop_lag_seconds: 'gauge',
        process_cpu_seconds_total: 'counter',
      };
      for (const [family, type] of Object.entries(expectedTypes)) expect(exposition.types.get(family), family).toBe(type);
      for (const family of exposition.types.keys()) expect(exposition.helped.has(family), family).toBe(true);
    });

    it('names every counter with _total and no gauge with it', async () => {
      const exposition = parseExposition(await new PrometheusMetrics(busySource()).render());

      for (const [family, type] of exposition.types) {
        expect(family.endsWith('_total'), `${family} is a ${type}`).toBe(type === 'counter');
      }
    });

    it('omits latency quantiles before the first verdict', async () => {
      const exposition = parseExposition(await new PrometheusMetrics(new FixedSource()).render());

      expect(sampleValue(exposition, 'faultline_processor_verdict_latency_seconds', { quantile: '0.5' })).toBeUndefined();
      expect(sampleValue(exposition, 'faultline_processor_verdict_latency_seconds_count')).toBe(0);
    });

    it('exports no per-target or per-exporter series when off', async () => {
      const exposition = parseExposition(await new PrometheusMetrics(new FixedSource()).render());

      expect(exposition.samples.filter((sample) => sample.name.startsWith('faultline_exporter_'))).toEqual([]);

      expect(exposition.samples.filter((sample) => sample.name === 'faultline_recovery_attempts_total')).toEqual([]);
      expect(exposition.samples.filter((sample) => sample.name === 'faultline_recovery_breaker_state')).toEqual([]);
      expect(sampleValue(exposition, 'faultline_recovery_started_recoveries_total')).toBe(0);
    });

    it('reads new values at each scrape', async () => {
      const source = busySource();
      const metrics = new PrometheusMetrics(source);
      await metrics.render();

      source.receiverFigures.grpc.acceptedSpans = 500;
      source.bufferFigures.tracesHeld = 0;
      const exposition = parseExposition(await metrics.render());

      expect(sampleValue(exposition, 'faultline_receiver_accepted_spans_total', { transport: 'grpc' })).toBe(500);
      expect(sampleValue(exposition, 'faultline_buffer_traces')).toBe(0);
    });

    it('observes each time to recover once', async () => {
      const source = new FixedSource();
      source.recoveryFigures = recoveryFigures({ recoveriesSucceeded: 1, timesToRecoverMs: [2_000] });
      const metrics = new PrometheusMetrics(source);
      await metrics.render();

      source.recoveryFigures = recoveryFigures({ recoveriesSucceeded: 3, timesToRecoverMs: [2_000, 20_000, 400_000] });
      await metrics.render();
      const exposition = parseExposition(await metrics.render());

      expect(sampleValue(exposition, 'faultline_recovery_time_to_recover_seconds_count')).toBe(3);
      expect(sampleValue(exposition, 'faultline_recovery_time_to_recover_seconds_sum')).toBe(422);
      expect(sampleValue(exposition, 'faultline_recovery_time_to_recover_seconds_bucket', { le: '5' })).toBe(1);
      expect(sampleValue(exposition, 'faultline_recovery_time_to_recover_seconds_bucket', { le: '300' })).toBe(2);
    });

    it.skipIf(skipReasonFor(PROMTOOL_PATH) !== undefined)('passes promtool check metrics', async () => {
      const metrics = new PrometheusMetrics(busySource());
      metrics.observeRequest('/api/v1/incidents/{id}', 'GET', 200, 0.004);

      const result = await promtoolCheckMetrics(await metrics.render());

      expect(result.output).toBe('');
      expect(result.exitCode).toBe(0);
    });
  });

  describe('observeRequest', () => {
    it('counts requests by route, method and code', async () => {
      const metrics = new PrometheusMetrics(new FixedSource());

      metrics.observeRequest('/api/v1/status', 'GET', 200, 0.002);
      metrics.observeRequest('/api/v1/status', 'GET', 200, 0.2);
      metrics.observeRequest('/api/v1/incidents/{id}/recover', 'POST', 403, 0.001);
      const exposition = parseExposition(await metrics.render());

      const status = { route: '/api/v1/status', method: 'GET', code: '200' };
      expect(sampleValue(exposition, 'faultline_api_request_duration_seconds_count', status)).toBe(2);
      expect(sampleValue(exposition, 'faultline_api_request_duration_seconds_bucket', { ...status, le: '0.005' })).toBe(1);
      expect(sampleValue(exposition, 'faultline_api_request_duration_seconds_sum', status)).toBeCloseTo(0.202);
      expect(sampleValue(exposition, 'faultline_api_request_duration_seconds_count', { route: '/api/v1/incidents/{id}/recover', method: 'POST', code: '403' })).toBe(1);
    });

    const methodCases = [
      { method: 'get', label: 'GET' },
      { method: 'DELETE', label: 'DELETE' },
      { method: 'BREW', label: 'other' },
    ];
    it.each(methodCases)('labels method $method as $label', async ({ method, label }) => {
      const metrics = new PrometheusMetrics(new FixedSource());

      metrics.observeRequest('/healthz', method, 405, 0.001);
      const exposition = parseExposition(await metrics.render());

      expect(sampleValue(exposition, 'faultline_api_request_duration_seconds_count', { route: '/healthz', method: label, code: '405' })).toBe(1);
    });

    it('folds routes past the cap into other', async () => {
      const metrics = new PrometheusMetrics(new FixedSource());

      for (let index = 0; index <= MAX_ROUTES; index += 1) metrics.observeRequest(`/route-${index}`, 'GET', 404, 0.001);
      const exposition = parseExposition(await metrics.render());

      expect(sampleValue(exposition, 'faultline_api_request_duration_seconds_count', { route: `/route-${MAX_ROUTES - 1}`, method: 'GET', code: '404' })).toBe(1);
      expect(sampleValue(exposition, 'faultline_api_request_duration_seconds_count', { route: `/route-${MAX_ROUTES}`, method: 'GET', code: '404' })).toBeUndefined();
      expect(sampleValue(exposition, 'faultline_api_request_duration_seconds_count', { route: 'other', method: 'GET', code: '404' })).toBe(1);
    });

    it('ignores a negative duration', async () => {
      const metrics = new PrometheusMetrics(new FixedSource());

      metrics.observeRequest('/healthz', 'GET', 200, -1);
      const exposition = parseExposition(await metrics.render());

      expect(sampleValue(exposition, 'faultline_api_request_duration_seconds_count', { route: '/healthz', method: 'GET', code: '200' })).toBeUndefined();
    });
  });
});
