/**
 * One fault round. It injects a fault and waits for Faultline to open an incident that names
 * the fault's system. It then waits for the recovery to resolve the incident, or for a client
 * error, for the engine to decide not to act. Last it clears the fault and lets traffic settle.
 */
import type { AuditRecord } from '../../src/store/audit-store.js';
import { clearFaults, injectFault } from './fault-admin.js';
import { FAULTS, type FaultName, type SystemName } from './fault-catalog.js';
import { chooseFaultTarget } from './fault-target.js';
import { finishedCalls, hasDecision, type IncidentWatcher, type WatchedIncident } from './incident-watcher.js';
import type { IncidentView } from './status-client.js';
import type { Timeline } from './timeline.js';

/** Decisions by which the recovery engine declines an incident. */
const DECLINE_DECISIONS = ['skipped_error_kind', 'no_policy'];

export interface RoundTiming {
  /** From injection to an incident that names the fault's system. */
  detectTimeoutMs: number;
  /** From the incident opening to its resolution by recovery. */
  repairTimeoutMs: number;
  /** For a fault that needs no action: how long to wait for the engine's decision. */
  decisionTimeoutMs: number;
  /**
   * After a recovery, how long the fault stays injected before it is cleared, so the runs in
   * that time show that the recovery, not the clearing, repaired the system.
   */
  holdAfterRecoveryMs: number;
  /** After clearing the fault, how long traffic runs before the next round. */
  settleMs: number;
  /** How often the round checks the watcher. */
  checkIntervalMs: number;
}

export interface RoundContext {
  adminUrls: Readonly<Record<SystemName, string>>;
  /** RelayCore's HTTP API, read to pick the provider a `provider_outage` hits. */
  relaycoreUrl: string;
  watcher: IncidentWatcher;
  timeline: Timeline;
  timing: RoundTiming;
  /** Aborted when the demo stops early; the round then clears its fault and returns. */
  signal: AbortSignal;
}

/**
 * The end of a round:
 * - `recovered`: the incident resolved after a recovery step was verified;
 * - `no_action`: the incident opened and the engine declined it with no control call, as
 *   expected for a client error;
 * - `acted_on`: a control call was made for a fault that needs none;
 * - `not_detected`: no incident named the fault's system in time;
 * - `escalated`: recovery ran out of steps;
 * - `not_repaired`: no verified recovery when time ran out (the incident still unresolved, or
 *   resolved some other way), or, for a fault that needs no action, no decision of the engine;
 * - `aborted`: the demo stopped during the round.
 */
export type RoundResult = 'recovered' | 'no_action' | 'acted_on' | 'not_detected' | 'escalated' | 'not_repaired' | 'aborted';

export interface FaultOutcome {
  fault: FaultName;
  system: SystemName;
  /** 1 for the first round of this fault. */
  round: number;
  result: RoundResult;
  injectedAtMs: number;
  /** The incident that named the fault's system, as last seen. */
  incident: IncidentView | undefined;
  /** Incidents opened during the round that blamed another system. */
  misattributed: IncidentView[];
  /** Finished control calls of the incident, oldest first. */
  actions: AuditRecord[];
  /** When the incident resolved as recovered. */
  recoveredAtMs: number | undefined;
  clearedAtMs: number;
  /** When the round ended, after settling; runs started before it count for this round. */
  endedAtMs: number;
}

/** Tells whether a round ended as its fault's catalog entry expects. */
export function isExpectedResult(outcome: FaultOutcome): boolean {
  return outcome.result === (FAULTS[outcome.fault].expected === 'recover' ? 'recovered' : 'no_action');
}

/** Runs one round of `fault` and returns how it went; the fault is cleared whatever happened. */
export async function runFaultRound(context: RoundContext, fault: FaultName, round: number): Promise<FaultOutcome> {
  const spec = FAULTS[fault];
  const adminUrl = context.adminUrls[spec.system];
  const target = await chooseFaultTarget(fault, context.relaycoreUrl);
  const injectedAtMs = Date.now();
  await injectFault(adminUrl, fault, target);
  context.timeline.record({ type: 'fault_injected', fault, system: spec.system, target: target ?? '', description: spec.description }, injectedAtMs);

  let watched: WatchedIncident | undefined;
  let result: RoundResult;
  try {
    watched = await waitForIncident(context, spec.system, injectedAtMs);
    result = await waitForResponse(context, watched, spec.expected);
    if (result === 'recovered') await sleep(context.timing.holdAfterRecoveryMs, context.signal);
  } finally {
    await clearFaultsUnlessStopped(adminUrl, context);
  }
  const clearedAtMs = Date.now();
  context.timeline.record({ type: 'fault_cleared', fault, system: spec.system }, clearedAtMs);
  await sleep(context.timing.settleMs, context.signal);

  const incident = watched?.incident;
  return {
    fault,
    system: spec.system,
    round,
    result,
    injectedAtMs,
    incident,
    misattributed: incidentsOpenedSince(context.watcher, injectedAtMs).filter((other) => other.rootCause.system !== spec.system),
    actions: watched === undefined ? [] : finishedCalls(watched),
    recoveredAtMs: result === 'recovered' ? incident?.resolvedAtMs : undefined,
    clearedAtMs,
    endedAtMs: Date.now(),
  };
}

/** Clears the system's faults; once the demo is stopping, a system that is already gone is no error. */
async function clearFaultsUnlessStopped(adminUrl: string, context: RoundContext): Promise<void> {
  try {
    await clearFaults(adminUrl);
  } catch (error) {
    if (!context.signal.aborted) throw error;
    context.timeline.record({ type: 'note', message: `faults not cleared while stopping: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/** Waits for an incident naming `system` that opened, or saw a failure, after the injection. */
async function waitForIncident(context: RoundContext, system: SystemName, injectedAtMs: number): Promise<WatchedIncident | undefined> {
  const deadlineMs = injectedAtMs + context.timing.detectTimeoutMs;
  while (Date.now() < deadlineMs && !context.signal.aborted) {
    const found = findFaultIncident(context.watcher, system, injectedAtMs);
    if (found !== undefined) return found;
    await sleep(context.timing.checkIntervalMs, context.signal);
  }
  return undefined;
}

function findFaultIncident(watcher: IncidentWatcher, system: SystemName, injectedAtMs: number): WatchedIncident | undefined {
  const candidates = watcher.incidents().filter((watched) => watched.incident.rootCause.system === system);
  const opened = candidates.find((watched) => watched.incident.openedAtMs >= injectedAtMs);
  if (opened !== undefined) return opened;
  // An incident of the same cause still open from an earlier round takes the new failures.
  return candidates.find((watched) => watched.incident.state !== 'resolved' && watched.incident.lastSeenAtMs >= injectedAtMs);
}

async function waitForResponse(context: RoundContext, watched: WatchedIncident | undefined, expected: 'recover' | 'no_action'): Promise<RoundResult> {
  if (watched === undefined) return context.signal.aborted ? 'aborted' : 'not_detected';
  return expected === 'recover' ? waitForRecovery(context, watched) : waitForDecline(context, watched);
}

async function waitForRecovery(context: RoundContext, watched: WatchedIncident): Promise<RoundResult> {
  const deadlineMs = watched.incident.openedAtMs + context.timing.repairTimeoutMs;
  while (!context.signal.aborted) {
    if (hasDecision(watched, 'recovered')) return 'recovered';
    if (watched.incident.state === 'escalated') return 'escalated';
    if (Date.now() > deadlineMs) return 'not_repaired';
    await sleep(context.timing.checkIntervalMs, context.signal);
  }
  return 'aborted';
}

async function waitForDecline(context: RoundContext, watched: WatchedIncident): Promise<RoundResult> {
  const deadlineMs = Date.now() + context.timing.decisionTimeoutMs;
  while (!context.signal.aborted && Date.now() < deadlineMs) {
    if (DECLINE_DECISIONS.some((decision) => hasDecision(watched, decision))) break;
    await sleep(context.timing.checkIntervalMs, context.signal);
  }
  const called = watched.history.some((record) => record.event !== 'decision');
  if (called) return 'acted_on';
  if (DECLINE_DECISIONS.some((decision) => hasDecision(watched, decision))) return 'no_action';
  return context.signal.aborted ? 'aborted' : 'not_repaired';
}

function incidentsOpenedSince(watcher: IncidentWatcher, sinceMs: number): IncidentView[] {
  return watcher
    .incidents()
    .map((watched) => watched.incident)
    .filter((incident) => incident.openedAtMs >= sinceMs);
}

/** Resolves after `durationMs`, or at once when `signal` aborts. */
export function sleep(durationMs: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, durationMs);
    signal.addEventListener('abort', done, { once: true });
  });
}
