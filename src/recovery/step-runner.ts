import { performance } from 'node:perf_hooks';
import { status } from '@grpc/grpc-js';
import { BrokenCircuitError } from 'cockatiel';
import type { Logger } from 'pino';
import type { Incident } from '../correlation/incident.js';
import type { AuditRecordInput, AuditStore, StepResult } from '../store/audit-store.js';
import type { RecoverySpan } from '../telemetry/self-tracing.js';
import type { ActionRateLimiter } from './action-rate-limiter.js';
import type { RecoveryPolicy, RecoveryStep } from './config.js';
import { ActionRejectedError, ControlCallError, NoHealthyEndpointError } from './control-call-error.js';
import type { ExecuteActionRequestMessage, WireOutcome } from './control-protocol.js';
import type { CooldownTracker } from './cooldown-tracker.js';
import type { RecoveryCounters } from './recovery-counters.js';
import { runWithRetries } from './retry-backoff.js';
import type { ControlCallResult, TargetClient } from './target-client.js';

/**
 * Runs one recovery step: the cooldown check, the per-minute cap, then the control call with
 * retries through the target's breaker. Every decision and both sides of every call are
 * written to the audit store before the runner moves on.
 */

/** The engine stopped while the step waited or ran; the step did not finish. */
export class RecoveryStoppedError extends Error {
  override readonly name = 'RecoveryStoppedError';

  constructor() {
    super('recovery stopped because the engine is shutting down');
  }
}

export interface StepRunnerDependencies {
  targets: ReadonlyMap<string, TargetClient>;
  store: AuditStore;
  rateLimiter: ActionRateLimiter;
  cooldowns: CooldownTracker;
  counters: RecoveryCounters;
  logger: Logger;
  dryRun: boolean;
}

/** One step of one recovery run. */
export interface StepContext {
  incident: Incident;
  policy: RecoveryPolicy;
  stepIndex: number;
  /** 1 for the first recovery of the incident; part of the idempotency key from run 2 on. */
  run: number;
  /** True for a recovery an operator asked for; it ignores cooldowns. */
  manual: boolean;
  span: RecoverySpan;
  signal: AbortSignal;
}

const OUTCOME_NAMES: Record<WireOutcome, string> = {
  OUTCOME_UNSPECIFIED: 'unspecified',
  OUTCOME_APPLIED: 'applied',
  OUTCOME_ALREADY_APPLIED: 'already_applied',
  OUTCOME_REJECTED: 'rejected',
  OUTCOME_IN_PROGRESS: 'in_progress',
};

/** Builds the key that stays the same for every attempt of one step of one recovery run. */
export function idempotencyKeyOf(incidentId: string, policy: string, stepIndex: number, run: number): string {
  const key = `${incidentId}:${policy}:${stepIndex}`;
  return run === 1 ? key : `${key}:run-${run}`;
}

export class StepRunner {
  constructor(private readonly deps: StepRunnerDependencies) {}

  /**
   * Runs the step and returns how it finished. Throws RecoveryStoppedError when the engine
   * stops before the step finished, so the recovery can resume it after a restart.
   */
  async run(context: StepContext): Promise<StepResult> {
    const step = this.stepOf(context);
    const base = this.auditBase(context, step);
    const nowMs = Date.now();

    if (!context.manual && this.deps.cooldowns.isCoolingDown(context.policy.name, step.target, context.policy.cooldown, nowMs)) {
      this.decide(base, 'cooldown', `policy acted on target ${step.target} less than its cooldown ago`);
      return 'skipped';
    }

    if (this.deps.dryRun) {
      this.decide(base, 'dry_run', 'dry run: the action was not sent');
      this.deps.logger.info({ ...logFields(base) }, 'dry run: recovery action not sent');
      return 'dry_run';
    }

    await this.waitForBudget(base, context.signal);
    this.deps.cooldowns.record(context.policy.name, step.target, Date.now());

    try {
      await this.callWithRetries(context, step, base);
      return 'applied';
    } catch (error) {
      if (context.signal.aborted) throw new RecoveryStoppedError();
      this.deps.logger.warn({ ...logFields(base), err: error }, 'recovery step failed');
      return 'failed';
    }
  }

  private stepOf(context: StepContext): RecoveryStep {
    const step = context.policy.steps[context.stepIndex];
    if (step === undefined) throw new RangeError(`policy ${context.policy.name} has no step ${context.stepIndex}`);
    return step;
  }

  private async waitForBudget(base: AuditRecordInput, signal: AbortSignal): Promise<void> {
    const reservation = this.deps.rateLimiter.reserve();
    if (reservation.deferred) {
      this.decide(base, 'deferred', 'over max_actions_per_minute: the action waits for budget');
      this.deps.logger.info({ ...logFields(base), waiting: this.deps.rateLimiter.waitingCount }, 'recovery action deferred by the per-minute cap');
    }
    try {
      await reservation.ready;
    } catch {
      throw new RecoveryStoppedError();
    }
    if (signal.aborted) throw new RecoveryStoppedError();
  }

  private async callWithRetries(context: StepContext, step: RecoveryStep, base: AuditRecordInput): Promise<ControlCallResult> {
    const target = this.deps.targets.get(step.target);
    if (target === undefined) throw new RangeError(`target ${step.target} is not configured`);
    const request = buildRequest(context.incident, step, base.idempotencyKey ?? '');
    return runWithRetries((attempt) => this.callOnce(context, target, request, { ...base, attempt }), {
      config: context.policy.retry,
      signal: context.signal,
      onRetry: (retry) => this.deps.logger.info({ ...logFields(base), attempt: retry.nextAttempt, delayMs: retry.delayMs, err: retry.error }, 'retrying recovery action'),
    });
  }

  private async callOnce(context: StepContext, target: TargetClient, request: ExecuteActionRequestMessage, base: AuditRecordInput): Promise<ControlCallResult> {
    if (context.signal.aborted) throw new RecoveryStoppedError();
    const endpoint = target.currentEndpoint;
    const callSpan = context.span.startControlCall({
      target: target.name,
      endpoint,
      action: request.action,
      stepIndex: context.stepIndex,
      attempt: base.attempt ?? 1,
      idempotencyKey: request.idempotency_key,
    });
    this.deps.store.append({ ...base, event: 'call_started', outcome: 'started', endpoint });
    const startedAt = performance.now();

    try {
      const result = await target.execute(request, callSpan.headers);
      const outcome = OUTCOME_NAMES[result.response.outcome];
      this.finishCall(base, { outcome, endpoint: result.endpoint, grpcCode: status.OK, latencyMs: performance.now() - startedAt, message: result.response.message });
      callSpan.end({ outcome, grpcCode: status.OK });
      return result;
    } catch (error) {
      const failure = describeFailure(error, endpoint);
      this.finishCall(base, { ...failure, latencyMs: performance.now() - startedAt });
      callSpan.end({ outcome: failure.outcome, grpcCode: failure.grpcCode, error: error instanceof Error ? error : undefined });
      throw error;
    }
  }

  private finishCall(base: AuditRecordInput, result: { outcome: string; endpoint: string | undefined; grpcCode: number | undefined; latencyMs: number; message: string }): void {
    this.deps.store.append({ ...base, event: 'call_finished', ...result });
    this.deps.counters.countAttempt(base.target ?? '', result.outcome);
  }

  private decide(base: AuditRecordInput, outcome: string, message: string): void {
    this.deps.store.append({ ...base, event: 'decision', outcome, message });
  }

  private auditBase(context: StepContext, step: RecoveryStep): AuditRecordInput {
    return {
      event: 'decision',
      outcome: '',
      incidentId: context.incident.id,
      policy: context.policy.name,
      stepIndex: context.stepIndex,
      target: step.target,
      action: step.action,
      parameters: step.parameters,
      idempotencyKey: idempotencyKeyOf(context.incident.id, context.policy.name, context.stepIndex, context.run),
    };
  }
}

function buildRequest(incident: Incident, step: RecoveryStep, idempotencyKey: string): ExecuteActionRequestMessage {
  return {
    action: step.action,
    target_component: step.component,
    parameters: step.parameters,
    idempotency_key: idempotencyKey,
    incident: {
      id: incident.id,
      root_cause_service: incident.rootCause.service,
      root_cause_system: incident.rootCause.system,
      error_kind: incident.rootCause.errorKind,
      fingerprint: incident.fingerprints[0] ?? '',
      sample_trace_ids: incident.sampleTraceIds,
    },
    dry_run: false,
  };
}

/** Names a failed call's result for the audit log and counters: a gRPC code name or the reason no call was made. */
function describeFailure(error: unknown, endpoint: string | undefined): { outcome: string; endpoint: string | undefined; grpcCode: number | undefined; message: string } {
  if (error instanceof ControlCallError) {
    return { outcome: status[error.code].toLowerCase(), endpoint: error.endpoint, grpcCode: error.code, message: error.message };
  }
  if (error instanceof ActionRejectedError) {
    return { outcome: 'rejected', endpoint: error.endpoint, grpcCode: status.OK, message: error.serverMessage };
  }
  if (error instanceof BrokenCircuitError) return { outcome: 'breaker_open', endpoint: undefined, grpcCode: undefined, message: error.message };
  if (error instanceof NoHealthyEndpointError) return { outcome: 'no_healthy_endpoint', endpoint: undefined, grpcCode: undefined, message: error.message };
  if (error instanceof RecoveryStoppedError) return { outcome: 'stopped', endpoint: undefined, grpcCode: undefined, message: error.message };
  return { outcome: 'error', endpoint, grpcCode: undefined, message: error instanceof Error ? error.message : String(error) };
}

function logFields(base: AuditRecordInput): Record<string, unknown> {
  return { incidentId: base.incidentId, policy: base.policy, stepIndex: base.stepIndex, target: base.target, action: base.action, idempotencyKey: base.idempotencyKey };
}
