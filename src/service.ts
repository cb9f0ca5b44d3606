import type { Logger } from 'pino';
import type { IncidentFilter, StatusSource } from './api/status-source.js';
import { StatusServer } from './api/status-server.js';
import type { FaultlineConfig } from './config/faultline-config.js';
import { CorrelationStage } from './correlation/correlation-stage.js';
import type { Incident, IncidentListener, IncidentState } from './correlation/incident.js';
import { IncidentLog } from './correlation/incident-log.js';
import { IncidentTracker } from './correlation/incident-tracker.js';
import type { ServiceGraphSnapshot } from './correlation/service-graph.js';
import type { Verdict } from './correlation/verdict.js';
import { TraceBuffer } from './pipeline/trace-buffer.js';
import { OtlpReceiver } from './receiver/otlp-receiver.js';
import { ReceiverMetrics } from './receiver/receiver-metrics.js';
import type { IncidentControl } from './recovery/incident-control.js';
import { RecoveryEngine } from './recovery/recovery-engine.js';
import { IncidentStore } from './store/incident-store.js';

/** The addresses Faultline listens on, as host:port with the real ports. A component not started is absent. */
export interface ServiceAddresses {
  grpc?: string;
  http?: string;
  status_api?: string;
}

/**
 * Faultline assembled from its config. Data flows one way:
 * receiver → trace buffer → correlation stage (analyzer) → incident tracker → incident log
 * and recovery engine. The recovery engine changes incident states through the tracker's
 * control methods. The status API reads the state of each stage and changes none of it.
 */
export class FaultlineService implements StatusSource {
  private readonly receiverMetrics = new ReceiverMetrics();
  private readonly tracker: IncidentTracker;
  private readonly stage: CorrelationStage;
  private readonly buffer: TraceBuffer;
  private readonly receiver: OtlpReceiver;
  private readonly statusServer: StatusServer | undefined;
  private readonly recovery: RecoveryEngine | undefined;
  private readonly incidentStore: IncidentStore | undefined;
  private readonly startedAtMs = Date.now();
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(config: FaultlineConfig, logger: Logger) {
    const correlation = config.errorCorrelation;
    const listeners: IncidentListener[] = [new IncidentLog(logger)];
    if (config.recovery !== undefined) {
      // The store saves each change before the engine acts on it, so a restart finds the incident.
      this.incidentStore = new IncidentStore(config.recovery.audit.path, logger);
      this.recovery = new RecoveryEngine({ config: config.recovery, control: this.incidentControl(), logger });
      listeners.push(this.incidentStore, this.recovery);
    }
    this.tracker = new IncidentTracker({
      settings: correlation.incidents,
      listeners,
      logger,
      rememberedTraces: correlation.verdict_cache_size,
    });
    this.stage = new CorrelationStage(correlation, this.tracker, logger);
    this.buffer = new TraceBuffer({ settings: correlation, consumer: this.stage, logger });
    this.receiver = new OtlpReceiver({ config: config.receiver, sink: this.buffer, logger, metrics: this.receiverMetrics });
    this.statusServer = config.statusApi === undefined ? undefined : new StatusServer(config.statusApi, this, logger);
  }

  /** Starts every component, downstream first so nothing receives data before its consumer runs. */
  start(): Promise<void> {
    this.starting ??= this.startComponents();
    return this.starting;
  }

  /**
   * Stops receiving, drains the trace buffer into analysis, then stops the rest. Idempotent;
   * safe after a failed start.
   */
  shutdown(): Promise<void> {
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
      correlation: this.stage.snapshot(),
      incidents: this.incidentCounts(),
      recovery: this.recovery?.snapshot(),
    };
  }

  incidents(filter: IncidentFilter): Incident[] {
    return this.tracker.list(filter);
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

  private async startComponents(): Promise<void> {
    if (this.incidentStore !== undefined) this.tracker.restore(this.incidentStore.unresolved());
    this.tracker.start();
    this.recovery?.start();
    this.buffer.start();
    await this.receiver.start();
    await this.statusServer?.start();
  }

  private async stopComponents(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.receiver.shutdown();
    this.buffer.shutdown();
    this.tracker.shutdown();
    await this.recovery?.shutdown();
    this.incidentStore?.close();
    await this.statusServer?.shutdown();
  }

  private incidentCounts(): Record<string, unknown> {
    const byState: Record<IncidentState, number> = { open: 0, mitigating: 0, escalated: 0, resolved: 0 };
    const activeBySystem: Record<string, number> = {};
    for (const incident of this.tracker.list()) {
      byState[incident.state] += 1;
      if (incident.state === 'resolved') continue;
      const system = incident.rootCause.system === '' ? '(none)' : incident.rootCause.system;
      activeBySystem[system] = (activeBySystem[system] ?? 0) + 1;
    }
    return { byState, activeBySystem, dropped: this.tracker.drops() };
  }
}
