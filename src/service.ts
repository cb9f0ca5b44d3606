import type { Logger } from 'pino';
import { AlertmanagerNotifier } from './alerting/alertmanager-notifier.js';
import { ExpiringValue } from './api/expiring-value.js';
import { StatusEventFanout, type StatusEventListener } from './api/status-events.js';
import { RecoveryNotConfiguredError, type IncidentFilter, type IncidentPage, type StatusSource } from './api/status-source.js';
import { StatusServer } from './api/status-server.js';
import { summarizeSystems, type SystemStatus } from './api/system-health.js';
import type { FaultlineConfig } from './config/faultline-config.js';
import { SliceScheduler } from './common/slice-scheduler.js';
import { CorrelationStage } from './correlation/correlation-stage.js';
import { ExportStage } from './exporter/export-stage.js';
import type { Incident, IncidentListener } from './correlation/incident.js';
import { IncidentLog } from './correlation/incident-log.js';
import { IncidentTracker } from './correlation/incident-tracker.js';
import type { IncidentPosition } from './correlation/incident-order.js';
import type { ServiceGraphSnapshot } from './correlation/service-graph.js';
import type { RootCauseCandidate, Verdict } from './correlation/verdict.js';
import { TraceBuffer } from './pipeline/trace-buffer.js';
import { OtlpReceiver } from './receiver/otlp-receiver.js';
import { ReceiverMetrics } from './receiver/receiver-metrics.js';
import type { IncidentControl } from './recovery/incident-control.js';
import { RecoveryEngine, type IncidentRecoveryState, type RecoveryResult } from './recovery/recovery-engine.js';
import type { AuditRecord } from './store/audit-store.js';
import { IncidentStore } from './store/incident-store.js';
import { IncidentChangeCounter } from './telemetry/incident-change-counter.js';
import type { MetricsSource } from './telemetry/metrics-source.js';
import { PrometheusMetrics } from './telemetry/prometheus-metrics.js';

/** The addresses Faultline listens on, as host:port with the real ports. A component not started is absent. */
export interface ServiceAddresses {
  grpc?: string;
  http?: string;
  status_api?: string;
}

/**
 * Faultline assembled from its config. Data flows one way:
 * receiver → trace buffer → correlation stage (analyzer) → incident tracker → incident log
 * and recovery engine. With exporters configured, the export stage sits between the trace
 * buffer and the correlation stage and forwards each analyzed trace's spans. The recovery
 * engine changes incident states through the tracker's control methods. The status API reads the state of each stage and changes none of it.
 */
export class FaultlineService implements StatusSource {
  private readonly receiverMetrics = new ReceiverMetrics();
  private readonly incidentChanges = new IncidentChangeCounter();
  /** Served by the status API at `/metrics`; reads every stage at scrape time. */
  private readonly metrics: PrometheusMetrics;
  private readonly tracker: IncidentTracker;
  private readonly stage: CorrelationStage;
  /** Undefined when no exporter is configured, so the buffer feeds analysis directly. */
  private readonly exportStage: ExportStage | undefined;
  private readonly buffer: TraceBuffer;
  private readonly receiver: OtlpReceiver;
  private readonly statusServer: StatusServer | undefined;
  private readonly recovery: RecoveryEngine | undefined;
  private readonly incidentStore: IncidentStore | undefined;
  private readonly alertmanager: AlertmanagerNotifier | undefined;
  /** Incident changes and audit records for the status API's event stream. */
  private readonly statusEvents: StatusEventFanout;
  private ready = false;
  /** Per-system health for the status API, recomputed at most once a second because it walks every tracked service. */
  private readonly systems = new ExpiringValue<SystemStatus[]>(1000, () =>
    summarizeSystems(this.tracker.trafficSummaries(), this.tracker.countIncidents().activeBySystem),
  );
  /** The correlation stage's figures for the status API, at most a second old, because computing them sorts up to 10,000 latency samples. */
  private readonly correlationFigures = new ExpiringValue<Record<string, unknown>>(1000, () => this.stage.snapshot());
  private readonly startedAtMs = Date.now();
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(config: FaultlineConfig, logger: Logger) {
    const correlation = config.errorCorrelation;
    const listeners: IncidentListener[] = [new IncidentLog(logger), this.incidentChanges];
    this.statusEvents = new StatusEventFanout(logger);
    if (config.recovery !== undefined) {
      // The store saves each change before the engine acts on it, so a restart finds the incident.
      this.incidentStore = new IncidentStore(config.recovery.audit.path, logger);
      this.recovery = new RecoveryEngine({ config: config.recovery, control: this.incidentControl(), logger });
      this.recovery.addAuditListener(this.statusEvents);
      listeners.push(this.incidentStore, this.recovery);
    }
    if (config.alertmanager !== undefined) {
      this.alertmanager = new AlertmanagerNotifier({ config: config.alertmanager, logger });
      listeners.push(this.alertmanager);
    }
    // Last, so the event stream shows a change after the store saved it and the engine saw it.
    listeners.push(this.statusEvents);
    this.tracker = new IncidentTracker({
      settings: correlation.incidents,
      listeners,
      logger,
      rememberedTraces: correlation.verdict_cache_size,
    });
    this.stage = new CorrelationStage(correlation, this.tracker, logger);
    this.exportStage =
      config.exporters.length === 0
        ? undefined
        : new ExportStage({
            exporters: config.exporters,
            analysis: this.stage,
            incidents: this.tracker,
            rememberedTraces: correlation.verdict_cache_size,
            logger,
          });
    // Decoding and analysis share one scheduler, so together they hold the event loop for one turn budget at a time.
    const scheduler = new SliceScheduler();
    this.buffer = new TraceBuffer({ settings: correlation, consumer: this.exportStage ?? this.stage, logger, scheduler });
    this.receiver = new OtlpReceiver({ config: config.receiver, sink: this.buffer, logger, metrics: this.receiverMetrics, scheduler });
    this.metrics = new PrometheusMetrics(this.metricsSource());
    this.statusServer = config.statusApi === undefined ? undefined : new StatusServer(config.statusApi, this, logger, { metrics: this.metrics });
  }

  /** Starts every component, downstream first so nothing receives data before its consumer runs. */
  start(): Promise<void> {
    this.starting ??= this.startComponents().then(() => {
      this.ready = this.stopping === undefined;
    });
    return this.starting;
  }

  /**
   * Stops receiving, drains the trace buffer into analysis, then stops the rest. Idempotent;
   * safe after a failed start.
   */
  shutdown(): Promise<void> {
    this.ready = false;
    this.stopping ??= this.stopComponents();
    return this.stopping;
  }

  addresses(): ServiceAddresses {
    const addresses: ServiceAddresses = { ...this.receiver.addresses() };
    if (this.statusServer !== undefined) addresses.status_api = this.statusServer.address();
    return addresses;
  }

  status(): Record<string, unknown> {
    return {
      startedAtMs: this.startedAtMs,
      uptimeMs: Date.now() - this.startedAtMs,
      receiver: this.receiverMetrics.snapshot(),
      buffer: this.buffer.snapshot(),
      correlation: this.correlationFigures.get(),
      incidents: this.incidentCounts(),
      systems: this.systems.get(),
      recovery: this.recovery?.snapshot(),
      exporters: this.exportStage?.snapshot(),
      alertmanager: this.alertmanager?.snapshot(),
    };
  }

  incidents(filter: IncidentFilter): Incident[] {
    return this.tracker.list(filter);
  }

  incidentPage(filter: IncidentFilter, limit: number, after?: IncidentPosition): IncidentPage {
    return this.tracker.page(filter, limit, after);
  }

  incident(id: string): Incident | undefined {
    return this.tracker.get(id);
  }

  rootCauseCandidates(id: string): RootCauseCandidate[] {
    return this.tracker.rootCauseCandidates(id);
  }

  recoveryState(id: string): IncidentRecoveryState | null {
    return this.recovery?.recoveryState(id) ?? null;
  }

  recoveryHistory(id: string): AuditRecord[] {
    return this.recovery?.recoveryHistory(id) ?? [];
  }

  recover(id: string): Promise<RecoveryResult> {
    if (this.recovery === undefined) return Promise.reject(new RecoveryNotConfiguredError());
    return this.recovery.recoverNow(id);
  }

  resolve(id: string): Incident {
    return this.tracker.resolve(id, 'manual');
  }

  acknowledge(id: string, by: string): Incident {
    return this.tracker.acknowledge(id, by);
  }

  subscribe(listener: StatusEventListener): () => void {
    return this.statusEvents.subscribe(listener);
  }

  isReady(): boolean {
    return this.ready;
  }

  verdict(traceId: string): Verdict | undefined {
    return this.stage.verdict(traceId);
  }

  serviceGraph(): ServiceGraphSnapshot {
    return this.tracker.serviceGraph();
  }

  /** Returns the tracker's control methods, bound late because the tracker is built after its listeners. */
  private incidentControl(): IncidentControl {
    return {
      get: (id) => this.tracker.get(id),
      setState: (id, state) => {
        this.tracker.setState(id, state);
      },
      resolve: (id, reason) => {
        this.tracker.resolve(id, reason);
      },
    };
  }

  /** Returns what the Prometheus metrics read at each scrape. */
  private metricsSource(): MetricsSource {
    return {
      receiver: () => this.receiverMetrics.snapshot(),
      buffer: () => this.buffer.snapshot(),
      correlation: () => this.stage.snapshot(),
      incidents: () => ({ byState: this.tracker.countIncidents().byState, ...this.incidentChanges.totals(), dropped: this.tracker.drops() }),
      recovery: () => this.recovery?.snapshot(),
      alertmanager: () => this.alertmanager?.snapshot(),
      exporters: () => this.exportStage?.snapshot() ?? {},
    };
  }

  private async startComponents(): Promise<void> {
    if (this.incidentStore !== undefined) this.tracker.restore(this.incidentStore.unresolved());
    this.tracker.start();
    // Restored incidents come with no change, so the notifier is given them to keep their alerts firing.
    this.alertmanager?.start(this.tracker.openIncidents());
    this.recovery?.start();
    this.buffer.start();
    await this.receiver.start();
    await this.statusServer?.start();
  }

  private async stopComponents(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.receiver.shutdown();
    this.buffer.shutdown();
    await this.exportStage?.shutdown();
    this.tracker.shutdown();
    await this.recovery?.shutdown();
    // After the recovery engine, so that the state changes it makes while stopping are sent.
    await this.alertmanager?.shutdown();
    this.incidentStore?.close();
    await this.statusServer?.shutdown();
  }

  /** Counts incidents in place; copying every incident would make the status route slow with many incidents. */
  private incidentCounts(): Record<string, unknown> {
    const { byState, activeBySystem } = this.tracker.countIncidents();
    const named = Object.fromEntries(Object.entries(activeBySystem).map(([system, count]) => [system === '' ? '(none)' : system, count]));
    return { byState, activeBySystem: named, dropped: this.tracker.drops() };
  }
}
