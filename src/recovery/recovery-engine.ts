import type { Logger } from 'pino';
import type { Incident, IncidentChange, IncidentListener } from '../correlation/incident.js';
import { AuditStore } from '../store/audit-store.js';
import type { AuditListener, AuditRecord, StoredRecovery } from '../store/audit-store.js';
import { SelfTracing } from '../telemetry/self-tracing.js';
import type { RecoverySpan } from '../telemetry/self-tracing.js';
import { ActionRateLimiter } from './action-rate-limiter.js';
import type { RecoveryConfig, RecoveryPolicy } from './config.js';
import { CooldownTracker } from './cooldown-tracker.js';
import type { IncidentControl } from './incident-control.js';
import { findMatchingPolicy } from './policy-matcher.js';
import { RecoveryCounters } from './recovery-counters.js';
import type { RecoverySnapshot } from './recovery-counters.js';
import { RecoveryStoppedError, StepRunner } from './step-runner.js';
import { TargetClient } from './target-client.js';
import type { BreakerState } from './target-client.js';
import { verifyStep } from './verification.js';

/**
 * The recovery engine: incident changes come in, control calls go out.
 *
 *   incident opened ──▶ policy match ──▶ step ──▶ verify window ──▶ resolved (recovered)
 *                                         ▲              │ failures continue
 *                                         └── next step ◀┘ ... no steps left ──▶ escalated
 *
 * One recovery runs per incident at a time. Its progress is stored before and after each
 * step, so a restarted engine resumes it at the first unfinished step.
 */

/**
 * The end of a recovery:
 * - `recovered`: a step was applied and the incident saw no new failure for `verify.window`;
 * - `escalated`: every step ran and failures continued; the incident is `escalated`;
 * - `ended`: the recovery stopped early (`resolved_meanwhile`, `incident_missing`, `dry_run`,
 *   or `stopped` on shutdown, which leaves it to resume on the next start);
 * - `not_started`: no recovery ran (`no_policy`, `skipped_error_kind`, `incident_not_found`,
 *   `incident_resolved`, `engine_stopped`).
 */
export type RecoveryResult =
  | { outcome: 'recovered'; incidentId: string; policy: string; stepsRun: number; timeToRecoverMs: number }
  | { outcome: 'escalated'; incidentId: string; policy: string; stepsRun: number }
  | { outcome: 'ended'; incidentId: string; policy: string; stepsRun: number; reason: 'resolved_meanwhile' | 'incident_missing' | 'dry_run' | 'stopped' }
  | { outcome: 'not_started'; incidentId: string; reason: 'no_policy' | 'skipped_error_kind' | 'incident_not_found' | 'incident_resolved' | 'engine_stopped' };

export interface RecoveryEngineOptions {
  config: RecoveryConfig;
  control: IncidentControl;
  logger: Logger;
  /** The audit store; by default the engine opens `audit.path` and closes it on shutdown. */
  store?: AuditStore;
  /** Self-tracing; by default built from `self_tracing`. */
  tracing?: SelfTracing;
}

interface RunningRecovery {
  promise: Promise<RecoveryResult>;
  abort: AbortController;
  run: RecoveryRun;
}

/**
 * The state of an incident's recovery, for the status API:
 * - `idle`: no recovery was started for the incident;
 * - `running`: a recovery runs now; `currentStep` is the step executing or being verified;
 * - `done`: the last recovery finished (recovered, escalated or ended).
 */
export type IncidentRecoveryState =
  | { state: 'idle'; currentStep: null }
  | { state: 'running'; currentStep: { policy: string; step: number; action: string; target: string } | null }
  | { state: 'done'; currentStep: null };

/** A recovery run in progress: what it acts on and the state that is stored after each step. */
interface RecoveryRun {
  stored: StoredRecovery;
  policy: RecoveryPolicy;
  manual: boolean;
  span: RecoverySpan;
  signal: AbortSignal;
  stepsRun: number;
  /** Steps of this run that were not applied, by result: a failed call, or a skip such as cooldown. */
  notApplied: { failed: number; skipped: number };
}

export class RecoveryEngine implements IncidentListener {
  private readonly logger: Logger;
  private readonly targets = new Map<string, TargetClient>();
  private readonly store: AuditStore;
  private readonly tracing: SelfTracing;
  private readonly rateLimiter: ActionRateLimiter;
  private readonly counters = new RecoveryCounters();
  private readonly steps: StepRunner;
  private readonly running = new Map<string, RunningRecovery>();
  private started = false;
  private shutdownPromise: Promise<void> | undefined;

  constructor(private readonly options: RecoveryEngineOptions) {
    const { config } = options;
    this.logger = options.logger.child({ component: 'recovery' });
    for (const [name, target] of Object.entries(config.targets)) this.targets.set(name, new TargetClient(name, target, this.logger));
    this.store = options.store ?? new AuditStore(config.audit.path);
    this.tracing = options.tracing ?? new SelfTracing(config.self_tracing);
    this.rateLimiter = new ActionRateLimiter(config.max_actions_per_minute);
    this.steps = new StepRunner({
      targets: this.targets,
      store: this.store,
      rateLimiter: this.rateLimiter,
      cooldowns: new CooldownTracker(),
      counters: this.counters,
      logger: this.logger,
      dryRun: config.dry_run,
    });
  }

  /** Starts health checks and resumes the recoveries a previous process left unfinished. Idempotent. */
  start(): void {
    if (this.started || this.shutdownPromise !== undefined) return;
    this.started = true;
    for (const target of this.targets.values()) target.startHealthChecks();
    for (const stored of this.store.unfinishedRecoveries()) this.resume(stored);
    this.logger.info({ targets: this.targets.size, policies: this.options.config.policies.length, dryRun: this.options.config.dry_run }, 'recovery engine started');
  }

  incidentChanged(change: IncidentChange): void {
    if (change.type === 'opened') {
      void this.begin(change.incident, false);
      return;
    }
    if (change.type === 'resolved') this.running.get(change.incident.id)?.abort.abort('resolved');
  }

  /**
   * Runs recovery for an incident now. Cooldowns do not apply, but `never_act_on` does. When a
   * recovery of the incident is already running, returns that recovery's result instead.
   */
  recoverNow(incidentId: string): Promise<RecoveryResult> {
    const incident = this.options.control.get(incidentId);
    if (incident === undefined) return Promise.resolve({ outcome: 'not_started', incidentId, reason: 'incident_not_found' });
    if (incident.state === 'resolved') return Promise.resolve({ outcome: 'not_started', incidentId, reason: 'incident_resolved' });
    return this.begin(incident, true);
  }

  snapshot(): RecoverySnapshot {
    const breakers: Record<string, BreakerState> = {};
    for (const [name, target] of this.targets) breakers[name] = target.breakerState;
    return this.counters.snapshot({
      actionsDeferred: this.rateLimiter.deferredCount,
      actionsWaiting: this.rateLimiter.waitingCount,
      recoveriesRunning: this.running.size,
      breakers,
    });
  }

  /** Returns the state of the incident's recovery; `done` and `idle` are read from the audit store. */
  recoveryState(incidentId: string): IncidentRecoveryState {
    const running = this.running.get(incidentId);
    if (running !== undefined) {
      const { progress, policy } = running.run.stored;
      const stepIndex = progress.status === 'executing' || progress.status === 'verifying' ? progress.stepIndex : undefined;
      const step = stepIndex === undefined ? undefined : running.run.policy.steps[stepIndex];
      if (stepIndex === undefined || step === undefined) return { state: 'running', currentStep: null };
      return { state: 'running', currentStep: { policy, step: stepIndex, action: step.action, target: step.target } };
    }
    return this.store.getRecovery(incidentId) === undefined ? { state: 'idle', currentStep: null } : { state: 'done', currentStep: null };
  }

  /** Returns the incident's audit records, oldest first. */
  recoveryHistory(incidentId: string): AuditRecord[] {
    return this.store.records(incidentId);
  }

  /** Adds a listener that receives every audit record written from now on. */
  addAuditListener(listener: AuditListener): void {
    this.store.addListener(listener);
  }

  /** Returns the client of a configured target, for health checks on demand and breaker state. */
  target(name: string): TargetClient | undefined {
    return this.targets.get(name);
  }

  /**
   * Stops timers, cancels waiting actions and open calls, waits for running recoveries to
   * stop, and closes channels, the store and the exporter. Stopped recoveries stay stored as
   * unfinished, so the next start resumes them. Idempotent.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.stop();
    return this.shutdownPromise;
  }

  private async stop(): Promise<void> {
    for (const recovery of this.running.values()) recovery.abort.abort('shutdown');
    this.rateLimiter.close();
    for (const target of this.targets.values()) target.close();
    await Promise.allSettled([...this.running.values()].map((recovery) => recovery.promise));
    if (this.options.store === undefined) this.store.close();
    await this.tracing.shutdown();
    this.logger.info('recovery engine stopped');
  }

  private begin(incident: Incident, manual: boolean): Promise<RecoveryResult> {
    const existing = this.running.get(incident.id);
    if (existing !== undefined) return existing.promise;
    if (this.shutdownPromise !== undefined) return Promise.resolve({ outcome: 'not_started', incidentId: incident.id, reason: 'engine_stopped' });

    if (this.options.config.never_act_on.includes(incident.rootCause.errorKind)) {
      this.store.append({ event: 'decision', incidentId: incident.id, outcome: 'skipped_error_kind', message: `error kind ${incident.rootCause.errorKind} is in never_act_on` });
      this.logger.info({ incidentId: incident.id, errorKind: incident.rootCause.errorKind }, 'incident not acted on because of its error kind');
      return Promise.resolve({ outcome: 'not_started', incidentId: incident.id, reason: 'skipped_error_kind' });
    }

    const policy = findMatchingPolicy(this.options.config.policies, incident);
    if (policy === undefined) {
      this.store.append({ event: 'decision', incidentId: incident.id, outcome: 'no_policy', message: 'no policy matches the incident' });
      this.logger.debug({ incidentId: incident.id, service: incident.rootCause.service, errorKind: incident.rootCause.errorKind }, 'no recovery policy matches incident');
      return Promise.resolve({ outcome: 'not_started', incidentId: incident.id, reason: 'no_policy' });
    }

    const previousRun = this.store.getRecovery(incident.id)?.run ?? 0;
    const nowMs = Date.now();
    const stored: StoredRecovery = { incidentId: incident.id, policy: policy.name, run: previousRun + 1, progress: { status: 'executing', stepIndex: 0 }, incident, startedAtMs: nowMs, updatedAtMs: nowMs };
    this.store.saveRecovery(stored);
    this.store.append({ event: 'decision', incidentId: incident.id, policy: policy.name, outcome: 'recovery_started', message: manual ? 'started manually through the API (POST /api/v1/incidents/{id}/recover)' : 'started when the incident opened' });
    return this.launch(stored, policy, manual);
  }

  /**
   * Resumes a recovery from its stored progress, with the stored incident as context. The
   * resumed step is sent with its original idempotency key. When the incident store did not
   * restore the incident (another audit path, or the incident resolved meanwhile),
   * verification ends the recovery as `incident_missing`.
   */
  private resume(stored: StoredRecovery): void {
    const policy = this.options.config.policies.find((candidate) => candidate.name === stored.policy);
    if (policy === undefined) {
      this.store.saveRecovery({ ...stored, progress: { status: 'ended' }, updatedAtMs: Date.now() });
      this.store.append({ event: 'decision', incidentId: stored.incidentId, policy: stored.policy, outcome: 'policy_missing', message: 'the policy of an unfinished recovery is no longer configured' });
      this.logger.warn({ incidentId: stored.incidentId, policy: stored.policy }, 'unfinished recovery not resumed because its policy is gone');
      return;
    }
    this.store.append({ event: 'decision', incidentId: stored.incidentId, policy: stored.policy, outcome: 'recovery_resumed', message: `resumed at ${stored.progress.status} step` });
    this.logger.info({ incidentId: stored.incidentId, policy: stored.policy, progress: stored.progress }, 'resuming unfinished recovery');
    void this.launch(stored, policy, false);
  }

  private launch(stored: StoredRecovery, policy: RecoveryPolicy, manual: boolean): Promise<RecoveryResult> {
    const abort = new AbortController();
    const incident = this.options.control.get(stored.incidentId) ?? stored.incident;
    this.counters.started += 1;
    const run: RecoveryRun = { stored: { ...stored, incident }, policy, manual, span: this.tracing.startRecovery(incident, policy.name), signal: abort.signal, stepsRun: 0, notApplied: { failed: 0, skipped: 0 } };

    const promise = this.execute(run)
      .then((result) => {
        run.span.end({ outcome: result.outcome });
        return result;
      })
      .catch((error: unknown) => {
        this.logger.error({ incidentId: stored.incidentId, policy: policy.name, err: error }, 'recovery failed unexpectedly');
        run.span.end({ outcome: 'error', error: error instanceof Error ? error : undefined });
        throw error;
      })
      .finally(() => this.running.delete(stored.incidentId));
    promise.catch(() => undefined);
    this.running.set(stored.incidentId, { promise, abort, run });
    return promise;
  }

  private async execute(run: RecoveryRun): Promise<RecoveryResult> {
    let stepIndex = 0;
    const { progress } = run.stored;
    if (progress.status === 'verifying') {
      const verified = await this.verify(run, progress.stepIndex, Date.now());
      if (verified !== undefined) return verified;
      stepIndex = progress.stepIndex + 1;
    } else if (progress.status === 'executing') {
      stepIndex = progress.stepIndex;
    }

    for (; stepIndex < run.policy.steps.length; stepIndex += 1) {
      const finished = await this.runStep(run, stepIndex);
      if (finished !== undefined) return finished;
    }
    return this.finishWithoutRecovery(run);
  }

  /** Runs one step and its verification; returns a result when the recovery ends there. */
  private async runStep(run: RecoveryRun, stepIndex: number): Promise<RecoveryResult | undefined> {
    this.saveProgress(run, { status: 'executing', stepIndex });
    let result;
    try {
      result = await this.steps.run({ incident: run.stored.incident, policy: run.policy, stepIndex, run: run.stored.run, manual: run.manual, span: run.span, signal: run.signal });
    } catch (error) {
      if (error instanceof RecoveryStoppedError) return this.interrupted(run, stepIndex);
      throw error;
    }
    if (run.signal.aborted) return this.interrupted(run, stepIndex);
    run.stepsRun += 1;

    if (result !== 'applied') {
      if (result === 'failed') run.notApplied.failed += 1;
      if (result === 'skipped') run.notApplied.skipped += 1;
      this.finishStep(run, stepIndex, result, { status: 'executing', stepIndex: stepIndex + 1 });
      return undefined;
    }

    const appliedAtMs = Date.now();
    this.finishStep(run, stepIndex, result, { status: 'verifying', stepIndex });
    if (!this.changeIncident(run, () => this.options.control.setState(run.stored.incidentId, 'mitigating'))) return this.endUnchangeable(run, stepIndex);
    return this.verify(run, stepIndex, appliedAtMs);
  }

  /** Watches the incident after an applied step; returns a result unless failures continue. */
  private async verify(run: RecoveryRun, stepIndex: number, appliedAtMs: number): Promise<RecoveryResult | undefined> {
    const { incidentId } = run.stored;
    const verification = await verifyStep({ control: this.options.control, incidentId, appliedAtMs, windowMs: run.policy.verify.window, signal: run.signal });
    const base = { event: 'decision' as const, incidentId, policy: run.policy.name, stepIndex };

    switch (verification) {
      case 'quiet': {
        if (!this.changeIncident(run, () => this.options.control.resolve(incidentId, 'recovered'))) return this.endUnchangeable(run, stepIndex);
        const timeToRecoverMs = Date.now() - run.stored.incident.openedAtMs;
        this.counters.countRecovered(timeToRecoverMs);
        this.store.append({ ...base, outcome: 'recovered', message: `no new failing trace within the verify window; recovered ${timeToRecoverMs} ms after the incident opened` });
        this.saveProgress(run, { status: 'recovered' });
        this.logger.info({ incidentId, policy: run.policy.name, stepIndex, timeToRecoverMs }, 'incident recovered');
        return { outcome: 'recovered', incidentId, policy: run.policy.name, stepsRun: run.stepsRun, timeToRecoverMs };
      }
      case 'failing':
        this.store.append({ ...base, outcome: 'still_failing', message: 'a failing trace arrived after the step' });
        this.saveProgress(run, { status: 'executing', stepIndex: stepIndex + 1 });
        return undefined;
      case 'resolved':
        return this.endEarly(run, stepIndex, 'resolved_meanwhile');
      case 'missing':
        return this.endEarly(run, stepIndex, 'incident_missing');
      case 'aborted':
        return this.interrupted(run, stepIndex);
    }
  }

  /** Ends a recovery whose signal aborted: the incident resolved meanwhile, or the engine is shutting down. */
  private interrupted(run: RecoveryRun, stepIndex: number): RecoveryResult {
    if (run.signal.reason === 'resolved') return this.endEarly(run, stepIndex, 'resolved_meanwhile');
    return this.stopped(run);
  }

  /**
   * Calls the incident tracker; returns false when it threw, as it does for an incident that
   * is resolved or gone.
   */
  private changeIncident(run: RecoveryRun, change: () => void): boolean {
    try {
      change();
      return true;
    } catch (error) {
      this.logger.warn({ incidentId: run.stored.incidentId, policy: run.policy.name, err: error }, 'incident state change failed');
      return false;
    }
  }

  /** Ends a recovery whose incident the tracker would not change: resolved meanwhile, or gone. */
  private endUnchangeable(run: RecoveryRun, stepIndex: number): RecoveryResult {
    const incident = this.options.control.get(run.stored.incidentId);
    return this.endEarly(run, stepIndex, incident === undefined ? 'incident_missing' : 'resolved_meanwhile');
  }

  private endEarly(run: RecoveryRun, stepIndex: number, reason: 'resolved_meanwhile' | 'incident_missing'): RecoveryResult {
    const { incidentId } = run.stored;
    const message = reason === 'resolved_meanwhile' ? 'the incident was resolved while the recovery ran' : 'the incident is no longer in the incident tracker';
    this.store.append({ event: 'decision', incidentId, policy: run.policy.name, stepIndex, outcome: reason, message });
    this.saveProgress(run, { status: 'ended' });
    this.logger.info({ incidentId, policy: run.policy.name, reason }, 'recovery ended early');
    return { outcome: 'ended', incidentId, policy: run.policy.name, stepsRun: run.stepsRun, reason };
  }

  private finishWithoutRecovery(run: RecoveryRun): RecoveryResult {
    const { incidentId } = run.stored;
    if (this.options.config.dry_run) {
      this.store.append({ event: 'decision', incidentId, policy: run.policy.name, outcome: 'dry_run_finished', message: 'dry run: every step was decided, none was sent' });
      this.saveProgress(run, { status: 'ended' });
      return { outcome: 'ended', incidentId, policy: run.policy.name, stepsRun: run.stepsRun, reason: 'dry_run' };
    }

    if (!this.changeIncident(run, () => this.options.control.setState(incidentId, 'escalated'))) return this.endUnchangeable(run, run.policy.steps.length - 1);
    this.counters.escalated += 1;
    const { failed, skipped } = run.notApplied;
    const applied = run.stepsRun - failed - skipped;
    const message =
      applied > 0
        ? `every step ran and failures continued (${applied} applied, ${failed} failed, ${skipped} skipped)`
        : `no step could be applied (${failed} failed, ${skipped} skipped, for example by cooldown); see the step records`;
    this.store.append({ event: 'decision', incidentId, policy: run.policy.name, outcome: 'escalated', message });
    this.saveProgress(run, { status: 'escalated' });
    this.logger.warn({ incidentId, policy: run.policy.name, stepsRun: run.stepsRun, applied, failed, skipped }, `recovery steps ran out, incident escalated: ${message}`);
    return { outcome: 'escalated', incidentId, policy: run.policy.name, stepsRun: run.stepsRun };
  }

  /** Leaves the stored progress as it is, so the next start resumes the recovery. */
  private stopped(run: RecoveryRun): RecoveryResult {
    this.logger.info({ incidentId: run.stored.incidentId, policy: run.policy.name, progress: run.stored.progress }, 'recovery stopped by shutdown');
    return { outcome: 'ended', incidentId: run.stored.incidentId, policy: run.policy.name, stepsRun: run.stepsRun, reason: 'stopped' };
  }

  private saveProgress(run: RecoveryRun, progress: StoredRecovery['progress']): void {
    run.stored = { ...run.stored, progress, updatedAtMs: Date.now() };
    this.store.saveRecovery(run.stored);
  }

  private finishStep(run: RecoveryRun, stepIndex: number, result: Parameters<AuditStore['finishStep']>[2], next: StoredRecovery['progress']): void {
    run.stored = { ...run.stored, progress: next, updatedAtMs: Date.now() };
    this.store.finishStep(run.stored, stepIndex, result);
  }
}
