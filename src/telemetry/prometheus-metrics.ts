import { collectDefaultMetrics, Registry } from 'prom-client';
import type { MetricsEndpoint } from '../api/status-source.js';
import { registerAlertmanagerMetrics } from './alertmanager-metrics.js';
import { ApiRequestMetrics } from './api-request-metrics.js';
import { registerExporterMetrics } from './exporter-metrics.js';
import { type MetricsReading, readMetricsSource } from './metrics-reading.js';
import type { MetricsSource } from './metrics-source.js';
import { registerBufferMetrics, registerReceiverMetrics } from './pipeline-metrics.js';
import { registerIncidentMetrics, registerProcessorMetrics } from './processor-metrics.js';
import { registerRecoveryMetrics } from './recovery-metrics.js';

/**
 * Default prom-client gauges whose `_total` suffix marks them as counters to Prometheus' linter.
 * Each is the sum over the `type` label of the gauge of the same name without `_total`, which
 * stays exported.
 */
const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * Faultline's self-metrics in the Prometheus text format, served by the status API at
 * `/metrics`. Each scrape reads the source once and copies its counts into the metrics, so
 * the receiver, buffer and analyzer keep plain counters on their hot paths. The registry is
 * this object's own, never prom-client's global one, so several instances can run in one
 * process. It also exports prom-client's default Node.js and process metrics
 * (`nodejs_eventloop_lag_seconds`, `process_cpu_seconds_total`, ...) under their usual names.
 */
export class PrometheusMetrics implements MetricsEndpoint {
  readonly contentType: string;
  private readonly registry = new Registry();
  private readonly apiRequests: ApiRequestMetrics;
  private latest: MetricsReading | undefined;

  constructor(private readonly source: MetricsSource) {
    this.contentType = this.registry.contentType;
    const read = (): MetricsReading => this.reading();
    registerReceiverMetrics(this.registry, read);
    registerBufferMetrics(this.registry, read);
    registerProcessorMetrics(this.registry, read);
    registerIncidentMetrics(this.registry, read);
    registerRecoveryMetrics(this.registry, read);
    registerAlertmanagerMetrics(this.registry, read);
    registerExporterMetrics(this.registry, read);
    this.apiRequests = new ApiRequestMetrics(this.registry);
    collectDefaultMetrics({ register: this.registry });
    for (const name of MISNAMED_DEFAULT_GAUGES) this.registry.removeSingleMetric(name);
  }

  /** Reads the source and renders every metric in the Prometheus text format, version 0.0.4. */
  render(): Promise<string> {
    this.latest = readMetricsSource(this.source);
    return this.registry.metrics();
  }

  observeRequest(route: string, method: string, statusCode: number, durationSeconds: number): void {
    this.apiRequests.observe(route, method, statusCode, durationSeconds);
  }

  /** Returns the reading of the current scrape; the metrics' collect callbacks call it. */
  private reading(): MetricsReading {
    this.latest ??= readMetricsSource(this.source);
    return this.latest;
  }
}
