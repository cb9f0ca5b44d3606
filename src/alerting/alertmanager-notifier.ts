import type { Logger } from 'pino';
import type { Incident, IncidentChange, IncidentListener, ResolveReason } from '../correlation/incident.js';
import { AlertmanagerClient } from './alertmanager-client.js';
import { AlertQueue } from './alert-queue.js';
import type { AlertmanagerConfig } from './config.js';
import { type AlertTemplate, endedAlert, FIRING_STATES, type FiringState, firingAlert, type PostableAlert } from './incident-alert.js';
import { sendWithRetries } from './send-retries.js';

/**
 * Sends incidents to Prometheus Alertmanager as alerts, one alert per incident and state.
 *
 * Data flow: incident tracker -> `incidentChanged` (synchronous, returns at once) -> alert queue ->
 * one batch per event loop turn -> `POST /api/v2/alerts`, with retries. One request is in
 * flight at a time, so an alert's versions reach Alertmanager in the order they were made.
 *
 * An incident's alert carries its state as a label, and Alertmanager identifies alerts by their
 * labels. So when an incident changes state, the alert of the old state is sent with `endsAt`
 * (it resolves) and the alert of the new state starts firing. On resolution the alert of the
 * last state is sent with `endsAt` set to the resolution time. The alerts of unresolved
 * incidents are sent again every `resend_interval`, so that Alertmanager does not resolve them
 * after its `resolve_timeout`.
 */

/** Counters for the status API. */
export interface AlertmanagerSnapshot {
  /** The URL alerts are posted to. */
  url: string;
  /** Alerts Alertmanager accepted. */
  sent: number;
  /** Alerts in batches that failed after every retry, or that Alertmanager rejected. */
  failed: number;
  /** Alerts not queued because the queue was full, or still queued when shutdown ended. */
  dropped: number;
  /** Alerts waiting to be sent. */
  pending: number;
  /** Unresolved incidents whose alerts fire. */
  firing: number;
  /** The message of the last failed request, or null when none failed yet. */
  lastError: string | null;
}

/**
 * The notifier's life:
 * - `idle`: built, not started; changes are queued but nothing is sent;
 * - `running`: sends each batch on the next event loop turn and resends on a timer;
 * - `stopping`: shutdown is sending what is queued, with no more waits between retries;
 * - `stopped`: changes are dropped and counted.
 */
type NotifierState = 'idle' | 'running' | 'stopping' | 'stopped';

/** An unresolved incident as last seen, and the state whose alert fires for it. */
interface FiringIncident {
  incident: Incident;
  state: FiringState;
}

export interface AlertmanagerNotifierOptions {
  config: AlertmanagerConfig;
  logger: Logger;
}

export class AlertmanagerNotifier implements IncidentListener {
  private readonly config: AlertmanagerConfig;
  private readonly logger: Logger;
  private readonly client: AlertmanagerClient;
  private readonly template: AlertTemplate;
  private readonly queue: AlertQueue;
  private readonly firing = new Map<string, FiringIncident>();
  /** Aborted when shutdown begins, to cut retry waits short. */
  private readonly hurry = new AbortController();
  /** Aborted when the shutdown deadline passes, to stop the request in flight. */
  private readonly abort = new AbortController();
  private state: NotifierState = 'idle';
  private flushTimer: NodeJS.Immediate | undefined;
  private resendTimer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private sent = 0;
  private failed = 0;
  private dropped = 0;
  /** Drops since the last warning, so a full queue logs one line per resend interval, not one per alert. */
  private droppedSinceWarning = 0;
  private lastError: string | null = null;

  constructor(options: AlertmanagerNotifierOptions) {
    this.config = options.config;
    this.client = new AlertmanagerClient({ endpoint: options.config.endpoint, timeoutMs: options.config.timeout, headers: options.config.headers });
    this.logger = options.logger.child({ component: 'alertmanager', url: this.client.alertsUrl });
    this.template = { staticLabels: options.config.labels, generatorUrl: options.config.generator_url };
    this.queue = new AlertQueue(options.config.queue_size);
  }

  /**
   * Starts sending, beginning with the alerts of `unresolved`: incidents that were restored
   * after a restart and that the tracker announces with no change. Idempotent.
   */
  start(unresolved: readonly Incident[] = []): void {
    if (this.state !== 'idle') return;

    this.state = 'running';
    for (const incident of unresolved) {
      if (incident.state !== 'resolved' && !this.firing.has(incident.id)) this.fire(incident, incident.state);
    }
    this.resendTimer = setInterval(() => this.resend(), this.config.resend_interval);
    this.resendTimer.unref();
    this.logger.info({ resendIntervalMs: this.config.resend_interval, unresolved: this.firing.size }, 'alertmanager notifier started');
    this.scheduleFlush();
  }

  /** Queues the alerts a change calls for and returns at once. The batch is sent on a later turn of the event loop. */
  incidentChanged(change: IncidentChange): void {
    const { incident } = change;
    if (change.type === 'resolved') {
      this.resolve(incident, change.reason);
    } else if (incident.state !== 'resolved') {
      this.change(incident, incident.state, change.type === 'updated');
    }
    this.scheduleFlush();
  }

  /**
   * Stops the resend timer and sends what is queued, with one last attempt for a batch that
   * waits to be retried. Gives up after `timeout`: the request in flight is aborted, and the
   * alerts still queued are counted as dropped. Idempotent.
   */
  shutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  snapshot(): AlertmanagerSnapshot {
    return {
      url: this.client.alertsUrl,
      sent: this.sent,
      failed: this.failed,
      dropped: this.dropped,
      pending: this.queue.size,
      firing: this.firing.size,
      lastError: this.lastError,
    };
  }

  /**
   * Records an unresolved incident. A new state ends the alert of the old state and fires the
   * new one. An update in the same state only refreshes the incident, so its annotations change
   * at the next resend instead of costing a request per update.
   */
  private change(incident: Incident, state: FiringState, isUpdate: boolean): void {
    const previous = this.firing.get(incident.id);
    if (previous === undefined) {
      this.fire(incident, state);
      return;
    }
    if (previous.state === state) {
      previous.incident = incident;
      if (!isUpdate) this.enqueue(incident.id, state, firingAlert(incident, state, this.template));
      return;
    }

    this.enqueue(incident.id, previous.state, endedAlert(incident, previous.state, Date.now(), this.template));
    this.fire(incident, state);
  }

  private fire(incident: Incident, state: FiringState): void {
    this.firing.set(incident.id, { incident, state });
    this.enqueue(incident.id, state, firingAlert(incident, state, this.template));
  }

  /**
   * Ends the alert of the incident's last state. An incident this notifier never saw firing
   * (it was restored and resolved before start) ends the alert of every state, because any of
   * them may still fire in Alertmanager from before a restart.
   */
  private resolve(incident: Incident, reason: ResolveReason): void {
    const previous = this.firing.get(incident.id);
    this.firing.delete(incident.id);
    const states = previous === undefined ? FIRING_STATES : [previous.state];
    const resolvedAtMs = incident.resolvedAtMs ?? Date.now();
    for (const state of states) this.enqueue(incident.id, state, endedAlert(incident, state, resolvedAtMs, this.template, reason));
  }

  private enqueue(incidentId: string, state: FiringState, alert: PostableAlert): void {
    if (this.state === 'stopped' || !this.queue.offer(`${incidentId}/${state}`, alert)) {
      this.dropped += 1;
      this.droppedSinceWarning += 1;
    }
  }

  /** Queues the alert of every unresolved incident that has none waiting, then sends them. */
  private resend(): void {
    for (const [id, { incident, state }] of this.firing) {
      if (!this.queue.has(`${id}/${state}`)) this.enqueue(id, state, firingAlert(incident, state, this.template));
    }
    this.warnAboutDrops();
    this.scheduleFlush();
  }

  private warnAboutDrops(): void {
    if (this.droppedSinceWarning === 0) return;
    this.logger.warn({ dropped: this.droppedSinceWarning, queueSize: this.config.queue_size }, 'alerts dropped because the queue was full');
    this.droppedSinceWarning = 0;
  }

  /** Sends the queue on the next turn of the event loop, so every change of this turn shares one request. */
  private scheduleFlush(): void {
    if (this.state !== 'running' || this.flushTimer !== undefined || this.sending !== undefined) return;

    this.flushTimer = setImmediate(() => {
      this.flushTimer = undefined;
      this.startSending();
    });
  }

  private startSending(): void {
    if (this.sending !== undefined || this.queue.size === 0) return;

    this.sending = this.sendQueued().finally(() => {
      this.sending = undefined;
      // A change may have arrived after the loop saw an empty queue but before this callback.
      if (this.queue.size > 0) this.scheduleFlush();
    });
  }

  /** Sends batches until the queue is empty; changes that arrive meanwhile go in the next batch. */
  private async sendQueued(): Promise<void> {
    while (this.queue.size > 0 && !this.abort.signal.aborted) {
      await this.sendBatch(this.queue.takeAll());
    }
  }

  private async sendBatch(alerts: PostableAlert[]): Promise<void> {
    try {
      await sendWithRetries(() => this.client.postAlerts(alerts, this.abort.signal), {
        retry: this.config.retry,
        hurry: this.hurry.signal,
        onRetry: (event) => {
          this.logger.info({ err: event.error, alerts: alerts.length, nextAttempt: event.nextAttempt, delayMs: Math.round(event.delayMs) }, 'alertmanager request failed; retrying');
        },
      });
      this.sent += alerts.length;
      this.logger.debug({ alerts: alerts.length }, 'alerts sent');
    } catch (error) {
      this.failed += alerts.length;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.logger.warn({ err: error, alerts: alerts.length }, 'alerts not sent');
    }
  }

  private async stop(): Promise<void> {
    clearInterval(this.resendTimer);
    if (this.flushTimer !== undefined) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.hurry.abort();

    if (wasRunning) await this.sendWithDeadline();

    this.state = 'stopped';
    const unsent = this.queue.takeAll().length;
    this.dropped += unsent;
    this.droppedSinceWarning += unsent;
    this.warnAboutDrops();
    this.logger.info({ sent: this.sent, failed: this.failed, dropped: this.dropped }, 'alertmanager notifier stopped');
  }

  /** Sends what is queued, aborting the request in flight once `timeout` has passed. */
  private async sendWithDeadline(): Promise<void> {
    const deadline = setTimeout(() => this.abort.abort(), this.config.timeout);
    try {
      await this.sending;
      while (this.queue.size > 0 && !this.abort.signal.aborted) {
        this.startSending();
        await this.sending;
      }
    } finally {
      clearTimeout(deadline);
    }
  }
}
