import type { SpanRecord } from '../model/span.js';
import { findCallee, findPeerOperation, type Callee, type CalleeEvidence } from './callee.js';
import type { ErrorKindRule } from './config.js';
import { classifyBuiltInErrorKind, classifyErrorKind } from './error-classifier.js';
import { computeFingerprint } from './fingerprint.js';
import type { KnownServices } from './known-services.js';
import type { BlameReason, PathHop, RootCauseCandidate } from './verdict.js';

/**
 * A callee server span whose duration is at least this share of its client's duration was
 * still working when the client gave up. Durations, not timestamps, are compared, because
 * the two spans come from different clocks.
 */
export const SLOW_CALLEE_DURATION_RATIO = 0.9;

/**
 * Confidence by evidence, before the depth bonus:
 * - the failing service reported the error on its own server, consumer or internal span: 0.9;
 * - a callee named by `peer.service` or a database or broker named by `db.system` or
 *   `messaging.system`: 0.8;
 * - a callee found by a known service's address: 0.75;
 * - a callee server span that was still working when its client timed out: 0.7;
 * - a callee named by `rpc.service`, or an external host by `server.address`: 0.65;
 * - only the caller's client span tells of the failure and names no callee: 0.6.
 */
const CALLEE_CONFIDENCE: Readonly<Record<CalleeEvidence, number>> = {
  peer_service: 0.8,
  db_system: 0.8,
  messaging_system: 0.8,
  known_address: 0.75,
  rpc_service: 0.65,
  server_address: 0.65,
};
const SERVER_SIDE_CONFIDENCE = 0.9;
const SLOW_CALLEE_CONFIDENCE = 0.7;
const CLIENT_ONLY_CONFIDENCE = 0.6;

/** Each parent link above the failing span adds this much, up to `MAX_DEPTH_BONUS`. */
const DEPTH_BONUS = 0.004;
const MAX_DEPTH_BONUS = 0.08;

export interface BlameContext {
  errorKindRules: readonly ErrorKindRule[];
  knownServices: KnownServices;
}

/** The service blamed for a failure, read from the deepest failed span of a failing chain. */
export interface Blame {
  candidate: RootCauseCandidate;
  /** The blamed callee, appended to the propagation path; undefined when the span's own service is blamed. */
  callee: PathHop | undefined;
}

/**
 * Decides which service a failure started in, from a failed span none of whose children
 * failed:
 * - a client or producer span with no server or consumer child blames its callee, because a
 *   dead service reports nothing. A database, cache or broker, or a host that is not a known
 *   service, is an `uninstrumented_dependency`. Any other named callee is a `dead_callee`;
 * - a client span that timed out while its callee's server span was still working blames
 *   the callee as a `slow_callee`;
 * - otherwise the span's own service is blamed (`deepest_error`).
 *
 * `children` are the span's children in the trace; `depth` counts parent links above it.
 */
export function blameFailedSpan(span: SpanRecord, children: readonly SpanRecord[], depth: number, context: BlameContext): Blame {
  const errorKind = classifyErrorKind(span, context.errorKindRules);
  const depthBonus = Math.min(depth * DEPTH_BONUS, MAX_DEPTH_BONUS);
  const callerSide = span.kind === 'client' || span.kind === 'producer';
  const callees = children.filter((child) => child.kind === 'server' || child.kind === 'consumer');

  if (callerSide && callees.length === 0) {
    const blame = blameMissingCallee(span, errorKind, depthBonus, context);
    if (blame !== undefined) return blame;
  }

  if (callerSide && classifyBuiltInErrorKind(span) === 'timeout') {
    const slowCallee = callees.find((callee) => callee.durationMs >= span.durationMs * SLOW_CALLEE_DURATION_RATIO);
    if (slowCallee !== undefined) {
      const hop = { service: slowCallee.resource.service, system: slowCallee.resource.system };
      const confidence = SLOW_CALLEE_CONFIDENCE + depthBonus;
      return { candidate: buildCandidate(span, hop, slowCallee.name, errorKind, confidence, 'slow_callee'), callee: hop };
    }
  }

  const hop = { service: span.resource.service, system: span.resource.system };
  const confidence = (callerSide ? CLIENT_ONLY_CONFIDENCE : SERVER_SIDE_CONFIDENCE) + depthBonus;
  return { candidate: buildCandidate(span, hop, span.name, errorKind, confidence, 'deepest_error'), callee: undefined };
}

function blameMissingCallee(span: SpanRecord, errorKind: string, depthBonus: number, context: BlameContext): Blame | undefined {
  const callee = findDependency(span) ?? findCallee(span, context.knownServices);
  if (callee === undefined) return undefined;

  const reason = isUninstrumented(callee.evidence) ? 'uninstrumented_dependency' : 'dead_callee';
  const confidence = CALLEE_CONFIDENCE[callee.evidence] + depthBonus;
  const candidate = buildCandidate(span, callee.hop, findPeerOperation(span), errorKind, confidence, reason);
  return { candidate, callee: callee.hop };
}

/** Names a database, cache or broker by `peer.service`, else by its system name. */
function findDependency(span: SpanRecord): Callee | undefined {
  const peer = span.peer;
  if (peer.dbSystem !== '') return { hop: { service: peer.service || peer.dbSystem, system: '' }, evidence: 'db_system' };
  if (peer.messagingSystem !== '') {
    return { hop: { service: peer.service || peer.messagingSystem, system: '' }, evidence: 'messaging_system' };
  }
  return undefined;
}

function isUninstrumented(evidence: CalleeEvidence): boolean {
  return evidence === 'db_system' || evidence === 'messaging_system' || evidence === 'server_address';
}

const NANOS_PER_MS = 1_000_000n;

function buildCandidate(
  span: SpanRecord,
  hop: PathHop,
  operation: string,
  errorKind: string,
  confidence: number,
  reason: BlameReason,
): RootCauseCandidate {
  const signals = span.signals;
  const fingerprint = computeFingerprint({
    service: hop.service,
    operation,
    errorType: signals.errorType || signals.exception?.type || errorKind,
    message: signals.exception?.message || signals.statusMessage,
  });
  return {
    service: hop.service,
    system: hop.system,
    operation,
    spanId: span.spanId,
    errorKind,
    fingerprint,
    confidence: Math.min(1, roundConfidence(confidence)),
    reason,
    startedAtMs: Number(span.startTimeUnixNano / NANOS_PER_MS),
  };
}

/** Rounds to 3 decimals so that sums such as 0.9 + 0.004 compare and print cleanly. */
function roundConfidence(confidence: number): number {
  return Math.round(confidence * 1000) / 1000;
}
