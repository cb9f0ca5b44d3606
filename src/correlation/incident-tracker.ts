import type { Logger } from 'pino';
import { BoundedMap } from './bounded-map.js';
import type { IncidentsConfig } from './config.js';
import type { Incident, IncidentChange, IncidentListener, IncidentState, ResolveReason } from './incident.js';
import { type GroupedFailure, groupKeyOf, groupRootCauseOf, IncidentGroup } from './incident-group.js';
import { IncidentOrder, type IncidentPosition, type OrderedIncident } from './incident-order.js';
import { ServiceGraph, type ServiceGraphSnapshot } from './service-graph.js';
import { TrafficCounter, type TrafficSummary } from './traffic-counter.js';
import type { EdgeTraffic, RootCauseCandidate, ServiceTraffic, Verdict } from './verdict.js';

/**
 * The incident tracker counts traffic per service and per call edge from every verdict. It
 * groups failed verdicts by their top root cause (system, service, error kind) and opens an
 * incident when a group reaches `min_traces` and `min_error_ratio` within `window`. The
 * incident resolves after `resolve_after` without a new failing trace.
 *
 * Data flow: analyzer -> `record(verdict)` -> traffic counter, service graph, groups ->
 * incident changes -> listeners (the recovery engine, the status API's event stream).
 * The recovery engine changes state through `setState` and `resolve`.
 */

/** An unknown incident id was given. */
export class IncidentNotFoundError extends Error {
  override readonly name = 'IncidentNotFoundError';

  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} not found`);
  }
}

/** A state change was requested for an incident that is already resolved. */
export class IncidentResolvedError extends Error {
  override readonly name = 'IncidentResolvedError';

  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} is resolved; its state can no longer change`);
  }
}

export interface IncidentTrackerOptions {
  settings: IncidentsConfig;
  listeners: IncidentListener[];
  logger: Logger;
  /**
   * Traces whose counted contribution is remembered, so that a revised verdict replaces it
   * instead of counting the trace twice. Default 10000; set it to at least `verdict_cache_size`.
   */
  rememberedTraces?: number;
}

export interface IncidentFilter {
  state?: IncidentState;
  system?: string;
  service?: string;
  /** Only incidents opened at or after this time, in Unix milliseconds. */
  openedSinceMs?: number;
}

function matchesEntry(entry: OrderedIncident, filter: IncidentFilter): boolean {
  return (
    (filter.openedSinceMs === undefined || entry.openedAtMs >= filter.openedSinceMs) &&
    (filter.system === undefined || entry.system === filter.system) &&
    (filter.service === undefined || entry.service === filter.service) &&
    (filter.state === undefined || entry.incident.state === filter.state)
  );
}

/** One page of incidents, newest first; `next` is where the following page starts, if any. */
export interface IncidentPage {
  incidents: Incident[];
  next: IncidentPosition | undefined;
}

/** Incident counts without copying incidents, for the status summary. */
export interface IncidentCounts {
  byState: Record<IncidentState, number>;
  /** Unresolved incidents by root-cause system. */
  activeBySystem: Record<string, number>;
}

function matchesFilter(incident: Incident, filter: IncidentFilter): boolean {
  return (
    (filter.state === undefined || incident.state === filter.state) &&
    (filter.system === undefined || incident.rootCause.system === filter.system) &&
    (filter.service === undefined || incident.rootCause.service === filter.service) &&
    (filter.openedSinceMs === undefined || incident.openedAtMs >= filter.openedSinceMs)
  );
}

/** How often the sweep timer resolves quiet incidents and sends held-back updates. */
export const SWEEP_INTERVAL_MS = 1000;

/**
 * Minimum time between two `updated` changes of one incident. A change inside it is held back
 * and sent by the next `record` or sweep after the period.
 */
export const UPDATE_INTERVAL_MS = 1000;

/** Groups kept at once; past it, failures of new root causes are not grouped (`ungroupedFailures`). */
export const MAX_GROUPS = 10_000;

const DEFAULT_REMEMBERED_TRACES = 10_000;

/** The counts one verdict added, kept so that a revision of the same trace can take them back. */
interface TraceContribution {
  revision: number;
  countedAtMs: number;
  services: readonly ServiceTraffic[];
  edges: readonly EdgeTraffic[];
  failure: { group: IncidentGroup; grouped: GroupedFailure } | undefined;
}

/** An incident not yet resolved; the group supplies its fingerprints, operations, path and samples. */
interface ActiveIncident {
  incident: Incident;
  group: IncidentGroup;
  /** `resolve_after` counts from the later of this and `lastSeenAtMs`; set when restored after a restart. */
  quietSinceMs: number;
  lastUpdateSentAtMs: number;
  updateHeldBack: boolean;
  /** The ranked root-cause candidates of the latest failing verdict counted for the incident. */
  rootCauseCandidates: RootCauseCandidate[];
  /** The incident's place in `order`. */
  orderEntry: OrderedIncident;
}

function copyIncident(incident: Incident): Incident {
  return {
    ...incident,
    rootCause: { ...incident.rootCause, operations: [...incident.rootCause.operations] },
    fingerprints: [...incident.fingerprints],
    propagationPath: incident.propagationPath.map((hop) => ({ ...hop })),
    sampleTraceIds: [...incident.sampleTraceIds],
  };
}

/** Returns the verdict's services, with the top root cause added as failed when the analyzer left it out. */
function servicesOf(verdict: Verdict, top: RootCauseCandidate | undefined): readonly ServiceTraffic[] {
  if (top === undefined) return verdict.services;
  if (verdict.services.some((traffic) => traffic.service === top.service && traffic.system === top.system)) return verdict.services;
  return [...verdict.services, { service: top.service, system: top.system, failed: true }];
}

export class IncidentTracker {
  private readonly settings: IncidentsConfig;
  private readonly listeners: IncidentListener[];
  private readonly logger: Logger;
  private readonly trafficCounter: TrafficCounter;
  private readonly graph = new ServiceGraph();
  private readonly groups = new Map<string, IncidentGroup>();
  private readonly active = new Map<string, ActiveIncident>();
  /** Resolved incidents, oldest first, at most `max_resolved`. */
  private readonly resolved: BoundedMap<string, Incident>;
  /** The latest root-cause candidates of each incident in `resolved`, dropped with it. */
  private readonly resolvedCandidates: BoundedMap<string, RootCauseCandidate[]>;
  /** Every incident in `active` and `resolved` by opening time. */
  private readonly order = new IncidentOrder();
  /** The order entries of `resolved`, oldest first, so the one `resolved` drops is marked dropped too. */
  private readonly resolvedEntries: OrderedIncident[] = [];
  /** Recently counted traces, oldest first. */
  private readonly contributions: BoundedMap<string, TraceContribution>;
  private readonly queuedChanges: IncidentChange[] = [];
  private delivering = false;
  private incidentCounter = 0;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Failures not grouped because `MAX_GROUPS` was reached. */
  ungroupedFailures = 0;

  constructor(options: IncidentTrackerOptions) {
    this.settings = options.settings;
    this.listeners = options.listeners;
    this.logger = options.logger.child({ component: 'incident_tracker' });
    this.resolved = new BoundedMap(options.settings.max_resolved);
    this.resolvedCandidates = new BoundedMap(options.settings.max_resolved);
    this.contributions = new BoundedMap(options.rememberedTraces ?? DEFAULT_REMEMBERED_TRACES);
    this.trafficCounter = new TrafficCounter(options.settings.window);
  }

  /** Starts the sweep timer that resolves quiet incidents. Idempotent. */
  start(): void {
    if (this.sweepTimer !== undefined) return;

    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /** Stops the sweep timer. Incidents stay as they are. Idempotent. */
  shutdown(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /**
   * Counts one verdict. A verdict with `revision` above 0 first takes back what the earlier
   * verdict of the same trace counted. A revision older than the one counted is ignored.
   */
  record(verdict: Verdict): void {
    const nowMs = Date.now();
    const previous = this.contributions.get(verdict.traceId);
    let revisedIncident: ActiveIncident | undefined;
    if (previous !== undefined && verdict.revision > 0) {
      if (verdict.revision < previous.revision) return;
      revisedIncident = this.takeBack(previous, nowMs);
    }

    this.contributions.set(verdict.traceId, this.count(verdict, nowMs));

    // Every trace that counted for the incident now names another root cause.
    if (revisedIncident === undefined || revisedIncident.incident.failingTraces > 0) return;
    if (this.active.get(revisedIncident.incident.id) === revisedIncident) this.resolveActive(revisedIncident, 'withdrawn', nowMs);
  }

  /**
   * Resolves incidents without a failing trace for `resolve_after`, sends held-back updates,
   * and drops idle groups and services. The sweep timer calls it every `SWEEP_INTERVAL_MS`.
   */
  sweep(nowMs = Date.now()): void {
    for (const active of [...this.active.values()]) {
      if (nowMs - Math.max(active.incident.lastSeenAtMs, active.quietSinceMs) >= this.settings.resolve_after) {
        this.resolveActive(active, 'quiet', nowMs);
      } else if (active.updateHeldBack && nowMs - active.lastUpdateSentAtMs >= UPDATE_INTERVAL_MS) {
        this.sendUpdate(active, nowMs);
      }
    }

    for (const [key, group] of this.groups) {
      if (group.incidentId === undefined && group.failingTraces.sum(nowMs) === 0) this.groups.delete(key);
    }
    this.trafficCounter.prune(nowMs);
  }

  /**
   * Takes back unresolved incidents saved before a restart, so that new failures with the same
   * root cause join them and a resumed recovery finds them. Sends no change. Resolved incidents,
   * known ids and root causes that already have an incident are skipped. Because Faultline saw
   * no traffic while it was down, `resolve_after` counts from the restore.
   */
  restore(incidents: readonly Incident[]): void {
    const nowMs = Date.now();
    for (const stored of incidents) {
      if (stored.state === 'resolved' || this.active.has(stored.id)) continue;
      const group = new IncidentGroup(
        { service: stored.rootCause.service, system: stored.rootCause.system, errorKind: stored.rootCause.errorKind },
        this.settings.window,
      );
      if (this.groups.has(group.key)) continue;

      group.incidentId = stored.id;
      this.groups.set(group.key, group);
      const incident = copyIncident(stored);
      this.active.set(stored.id, { incident, group, quietSinceMs: nowMs, lastUpdateSentAtMs: nowMs, updateHeldBack: false, rootCauseCandidates: [], orderEntry: this.order.add(incident) });
      this.logger.info({ incidentId: stored.id, state: stored.state, key: group.key }, 'incident restored');
    }
  }

  /** Returns a copy of the incident, or undefined when the id is unknown. */
  get(id: string): Incident | undefined {
    const active = this.active.get(id);
    if (active !== undefined) return this.describe(active);
    const resolved = this.resolved.get(id);
    return resolved === undefined ? undefined : copyIncident(resolved);
  }

  /** Returns copies of the matching incidents, most recently opened first. */
  list(filter: IncidentFilter = {}): Incident[] {
    const all = [...[...this.active.values()].map((active) => this.describe(active)), ...[...this.resolved.values()].map(copyIncident)];
    return all.filter((incident) => matchesFilter(incident, filter)).sort((left, right) => right.openedAtMs - left.openedAtMs);
  }

  /**
   * Returns up to `limit` matching incidents, newest first, starting after `after` (the `next`
   * of the previous page). It reads incidents in place and copies only the ones it returns.
   */
  page(filter: IncidentFilter, limit: number, after?: IncidentPosition): IncidentPage {
    const incidents: Incident[] = [];
    for (let index = this.order.indexAfter(after); index >= 0; index -= 1) {
      const entry = this.order.at(index);
      if (entry === undefined || entry.dropped || !matchesEntry(entry, filter)) continue;
      if (incidents.length === limit) return { incidents, next: this.positionOf(incidents.at(-1)) };
      incidents.push(this.get(entry.id) ?? copyIncident(entry.incident));
    }
    return { incidents, next: undefined };
  }

  /** Counts incidents by state, and unresolved ones by root-cause system. */
  countIncidents(): IncidentCounts {
    const byState: Record<IncidentState, number> = { open: 0, mitigating: 0, escalated: 0, resolved: this.resolved.size };
    const activeBySystem: Record<string, number> = {};
    for (const { incident } of this.active.values()) {
      byState[incident.state] += 1;
      activeBySystem[incident.rootCause.system] = (activeBySystem[incident.rootCause.system] ?? 0) + 1;
    }
    return { byState, activeBySystem };
  }

  /** Returns the ranked root-cause candidates of the latest failing verdict counted for the incident; [] when unknown. */
  rootCauseCandidates(id: string): RootCauseCandidate[] {
    const candidates = this.active.get(id)?.rootCauseCandidates ?? this.resolvedCandidates.get(id) ?? [];
    return candidates.map((candidate) => ({ ...candidate }));
  }

  /**
   * Records who acknowledged an unresolved incident and sends `acknowledged`. The first
   * acknowledgement stays; acknowledging again changes nothing. Throws IncidentNotFoundError
   * or IncidentResolvedError.
   */
  acknowledge(id: string, by: string): Incident {
    const active = this.activeOrThrow(id);
    if (active.incident.acknowledged !== undefined) return this.describe(active);

    active.incident.acknowledged = { by, atMs: Date.now() };
    const incident = this.describe(active);
    this.logger.info({ incidentId: id, by }, 'incident acknowledged');
    this.emit({ type: 'acknowledged', incident });
    return incident;
  }

  /** Returns the traffic in the current window of every service in the service graph. */
  trafficSummaries(): TrafficSummary[] {
    const nowMs = Date.now();
    const summaries: TrafficSummary[] = [];
    for (const node of this.graph.snapshot().nodes) {
      const summary = this.trafficCounter.summary(node.service, node.system, nowMs);
      if (summary !== undefined) summaries.push(summary);
    }
    return summaries;
  }

  /** Returns copies of the incidents not yet resolved (open, mitigating or escalated), oldest first. */
  openIncidents(): Incident[] {
    return [...this.active.values()].map((active) => this.describe(active));
  }

  /**
   * Sets the state of an unresolved incident and sends `state_changed`; setting the current
   * state changes nothing. Throws IncidentNotFoundError or IncidentResolvedError.
   */
  setState(id: string, state: 'mitigating' | 'escalated' | 'open'): Incident {
    const active = this.activeOrThrow(id);
    const from = active.incident.state;
    if (from === state) return this.describe(active);

    active.incident.state = state;
    active.updateHeldBack = false;
    const incident = this.describe(active);
    this.logger.debug({ incidentId: id, from, to: state }, 'incident state changed');
    this.emit({ type: 'state_changed', incident, from });
    return incident;
  }

  /**
   * Resolves an incident and sends `resolved`. Resolving a resolved incident changes nothing.
   * Throws IncidentNotFoundError for an unknown id.
   */
  resolve(id: string, reason: 'recovered' | 'manual'): Incident {
    const resolved = this.resolved.get(id);
    if (resolved !== undefined) return copyIncident(resolved);

    return this.resolveActive(this.activeOrThrow(id), reason, Date.now());
  }

  /** Returns the counts of data the tracker could not keep because a cap was reached. */
  drops(): { ungroupedFailures: number; untrackedServices: number; serviceGraphEntries: number } {
    return {
      ungroupedFailures: this.ungroupedFailures,
      untrackedServices: this.trafficCounter.untrackedServices,
      serviceGraphEntries: this.graph.droppedEntryCount,
    };
  }

  serviceGraph(): ServiceGraphSnapshot {
    return this.graph.snapshot();
  }

  /** Returns the traffic in the current window of each service with this name, or only the one in `system`. */
  traffic(service: string, system?: string): TrafficSummary[] {
    return this.trafficCounter.summaries(service, Date.now(), system);
  }

  /**
   * Returns the id of the incident that the trace's counted verdict added a failing trace to,
   * or undefined when it counted toward none (healthy, or its group has no incident yet).
   * Meant to be called right after `record`, because a group that opens an incident later
   * reports that incident for its earlier traces too.
   */
  incidentIdOf(traceId: string): string | undefined {
    return this.contributions.get(traceId)?.failure?.group.incidentId;
  }

  private count(verdict: Verdict, nowMs: number): TraceContribution {
    const top = verdict.outcome === 'failed' ? verdict.rootCauses[0] : undefined;
    const services = servicesOf(verdict, top);
    this.trafficCounter.record(services, nowMs, 1);
    this.graph.record(services, verdict.edges, nowMs, 1);

    const contribution: TraceContribution = {
      revision: verdict.revision,
      countedAtMs: nowMs,
      services,
      edges: verdict.edges,
      failure: undefined,
    };
    if (top !== undefined) contribution.failure = this.countFailure(verdict, top, nowMs);
    return contribution;
  }

  private countFailure(verdict: Verdict, top: RootCauseCandidate, nowMs: number): TraceContribution['failure'] {
    const group = this.groupOf(top);
    if (group === undefined) return undefined;

    const grouped: GroupedFailure = {
      traceId: verdict.traceId,
      atMs: nowMs,
      fingerprint: top.fingerprint,
      operation: top.operation,
      path: verdict.propagationPath,
    };
    group.add(grouped);

    const active = group.incidentId === undefined ? undefined : this.active.get(group.incidentId);
    if (active !== undefined) {
      active.incident.failingTraces += 1;
      active.incident.lastSeenAtMs = nowMs;
      active.incident.lastFailureStartedAtMs = Math.max(active.incident.lastFailureStartedAtMs ?? 0, top.startedAtMs);
      active.incident.errorRatio = this.errorRatioOf(group, nowMs);
      active.rootCauseCandidates = verdict.rootCauses;
      this.noteUpdate(active, nowMs);
    } else {
      this.openIfDue(group, nowMs, verdict.rootCauses);
    }
    return { group, grouped };
  }

  private groupOf(top: RootCauseCandidate): IncidentGroup | undefined {
    const rootCause = groupRootCauseOf(top);
    const existing = this.groups.get(groupKeyOf(rootCause));
    if (existing !== undefined) return existing;

    if (this.groups.size >= MAX_GROUPS) {
      this.ungroupedFailures += 1;
      return undefined;
    }
    const group = new IncidentGroup(rootCause, this.settings.window);
    this.groups.set(group.key, group);
    return group;
  }

  private errorRatioOf(group: IncidentGroup, nowMs: number): number {
    const summary = this.trafficCounter.summary(group.rootCause.service, group.rootCause.system, nowMs);
    return summary?.errorRatio ?? 0;
  }

  /** Opens an incident on the group when its failing traces and error ratio reach the thresholds. */
  private openIfDue(group: IncidentGroup, nowMs: number, rootCauseCandidates: RootCauseCandidate[]): void {
    const failingTraces = group.failingTraces.sum(nowMs);
    if (failingTraces < this.settings.min_traces) return;
    const errorRatio = this.errorRatioOf(group, nowMs);
    if (errorRatio < this.settings.min_error_ratio) return;

    this.incidentCounter += 1;
    const id = `inc-${nowMs}-${this.incidentCounter}`;
    const incident: Incident = {
      id,
      key: group.key,
      state: 'open',
      rootCause: { ...group.rootCause, operations: [] },
      fingerprints: [],
      propagationPath: [],
      openedAtMs: nowMs,
      lastSeenAtMs: nowMs,
      lastFailureStartedAtMs: rootCauseCandidates[0]?.startedAtMs,
      resolvedAtMs: undefined,
      failingTraces,
      errorRatio,
      sampleTraceIds: [],
    };
    const active: ActiveIncident = {
      incident,
      group,
      quietSinceMs: nowMs,
      lastUpdateSentAtMs: nowMs,
      updateHeldBack: false,
      rootCauseCandidates,
      orderEntry: this.order.add(incident),
    };
    group.incidentId = id;
    this.active.set(id, active);

    this.logger.debug({ incidentId: id, key: group.key, failingTraces, errorRatio }, 'incident opened');
    this.emit({ type: 'opened', incident: this.describe(active) });
  }

  /** Takes back what a trace's earlier verdict counted; returns the incident that lost a failing trace. */
  private takeBack(previous: TraceContribution, nowMs: number): ActiveIncident | undefined {
    this.trafficCounter.record(previous.services, previous.countedAtMs, -1);
    this.graph.record(previous.services, previous.edges, nowMs, -1);

    const failure = previous.failure;
    if (failure === undefined || this.groups.get(failure.group.key) !== failure.group) return undefined;
    failure.group.remove(failure.grouped);

    // The group's incident counted the trace, either as it arrived or in the window that opened it.
    const active = failure.group.incidentId === undefined ? undefined : this.active.get(failure.group.incidentId);
    if (active === undefined) return undefined;
    active.incident.failingTraces -= 1;
    return active;
  }

  private noteUpdate(active: ActiveIncident, nowMs: number): void {
    if (nowMs - active.lastUpdateSentAtMs < UPDATE_INTERVAL_MS) {
      active.updateHeldBack = true;
      return;
    }
    this.sendUpdate(active, nowMs);
  }

  private sendUpdate(active: ActiveIncident, nowMs: number): void {
    active.updateHeldBack = false;
    active.lastUpdateSentAtMs = nowMs;
    this.emit({ type: 'updated', incident: this.describe(active) });
  }

  private resolveActive(active: ActiveIncident, reason: ResolveReason, nowMs: number): Incident {
    const incident = this.describe(active);
    incident.state = 'resolved';
    incident.resolvedAtMs = nowMs;

    this.active.delete(incident.id);
    if (this.groups.get(active.group.key) === active.group) this.groups.delete(active.group.key);
    this.resolved.set(incident.id, incident);
    this.resolvedCandidates.set(incident.id, active.rootCauseCandidates);
    active.orderEntry.incident = incident;
    this.resolvedEntries.push(active.orderEntry);
    // `resolved` dropped its oldest entry in the same order; mark it dropped here too.
    while (this.resolvedEntries.length > this.settings.max_resolved) {
      const dropped = this.resolvedEntries.shift();
      if (dropped !== undefined) this.order.drop(dropped);
    }

    this.logger.debug({ incidentId: incident.id, reason, failingTraces: incident.failingTraces }, 'incident resolved');
    this.emit({ type: 'resolved', incident: copyIncident(incident), reason });
    return copyIncident(incident);
  }

  private positionOf(incident: Incident | undefined): IncidentPosition | undefined {
    return incident === undefined ? undefined : { openedAtMs: incident.openedAtMs, id: incident.id };
  }

  private activeOrThrow(id: string): ActiveIncident {
    const active = this.active.get(id);
    if (active !== undefined) return active;
    if (this.resolved.has(id)) throw new IncidentResolvedError(id);
    throw new IncidentNotFoundError(id);
  }

  /**
   * Returns a copy of an active incident with the group's current fingerprints, operations,
   * path and samples. A restored incident keeps its stored ones until its group counts a failure.
   */
  private describe(active: ActiveIncident): Incident {
    const { incident, group } = active;
    const fingerprints = group.rankedFingerprints();
    if (fingerprints.length === 0) return copyIncident(incident);
    return {
      ...incident,
      rootCause: { ...incident.rootCause, operations: group.rankedOperations() },
      fingerprints,
      propagationPath: group.topPath(),
      sampleTraceIds: group.samples(),
    };
  }

  /**
   * Queues a change and delivers queued changes to every listener in order. A listener that
   * changes an incident while handling a change gets the new change after the current one.
   */
  private emit(change: IncidentChange): void {
    this.queuedChanges.push(change);
    if (this.delivering) return;

    this.delivering = true;
    try {
      for (let next = this.queuedChanges.shift(); next !== undefined; next = this.queuedChanges.shift()) this.deliver(next);
    } finally {
      this.delivering = false;
    }
  }

  private deliver(change: IncidentChange): void {
    for (const listener of this.listeners) {
      try {
        listener.incidentChanged({ ...change, incident: copyIncident(change.incident) });
      } catch (error) {
        this.logger.warn({ err: error, incidentId: change.incident.id, change: change.type }, 'incident listener failed');
      }
    }
  }
}
