import type { SpanRecord } from '../model/span.js';
import { blameFailedSpan, type Blame, type BlameContext } from './blame.js';
import { classifyBuiltInErrorKind, classifyErrorKind } from './error-classifier.js';
import type { TrafficFailures } from './traffic.js';
import { buildTraceTree, type TraceTree } from './trace-tree.js';
import type { FailedSpan, PathHop, RootCauseCandidate, SpanRole } from './verdict.js';

/** The findings for a trace with at least one failed span. */
export interface FailureAnalysis {
  outcome: 'handled' | 'failed';
  rootCauses: RootCauseCandidate[];
  propagationPath: PathHop[];
  failedSpans: FailedSpan[];
  /** Callees blamed by root causes; they count as failed services. */
  blamedCallees: PathHop[];
  failures: TrafficFailures;
}

interface RankedBlame extends Blame {
  spanIndex: number;
  role: 'root_cause' | 'symptom';
  /** True when the span's own service is blamed for a timeout or cancellation. */
  mayBeSymptom: boolean;
}

/**
 * Finds where the failures of a trace started, given which spans failed (`failed[i]` is 1
 * for a failed span):
 * - a failed span whose parent did not fail, or whose parent is itself handled, is `handled`,
 *   because its caller carried on (a retry or fallback that succeeded). Internal spans left
 *   UNSET are looked through to the span above them;
 * - any other failed span with a failed child is `propagated`;
 * - any other failed span is where a failure started, and is blamed (see `blameFailedSpan`).
 *   Such a span whose error is a timeout or a cancellation is only a `symptom` when another
 *   failure started elsewhere in the trace, because a failing branch often cancels its
 *   siblings.
 */
export function analyzeFailures(
  spans: readonly SpanRecord[],
  indexById: ReadonlyMap<string, number>,
  failed: Uint8Array,
  context: BlameContext,
): FailureAnalysis {
  const tree = buildTraceTree(spans, indexById);
  const { handled, hasFailedChild } = markHandledFailures(spans, tree, failed);
  const blames = rankBlames(findBlames(spans, tree, failed, handled, hasFailedChild, context));

  const roles = new Map<number, SpanRole>();
  for (const blame of blames) roles.set(blame.spanIndex, blame.role);
  const failedSpans: FailedSpan[] = [];
  const unhandled = new Uint8Array(spans.length);
  for (let index = 0; index < spans.length; index++) {
    const span = spans[index];
    if (span === undefined || failed[index] !== 1) continue;
    const role = handled[index] === 1 ? 'handled' : (roles.get(index) ?? 'propagated');
    if (role !== 'handled') unhandled[index] = 1;
    failedSpans.push(describeFailedSpan(span, role, context));
  }

  const rootBlames = blames.filter((blame) => blame.role === 'root_cause');
  const top = rootBlames[0];
  return {
    outcome: top === undefined ? 'handled' : 'failed',
    rootCauses: rootBlames.map((blame) => blame.candidate),
    propagationPath: top === undefined ? [] : buildPropagationPath(spans, tree, top),
    failedSpans,
    blamedCallees: rootBlames.flatMap((blame) => (blame.callee === undefined ? [] : [blame.callee])),
    failures: { failed, unhandled },
  };
}

function markHandledFailures(
  spans: readonly SpanRecord[],
  tree: TraceTree,
  failed: Uint8Array,
): { handled: Uint8Array; hasFailedChild: Uint8Array } {
  const handled = new Uint8Array(failed.length);
  const hasFailedChild = new Uint8Array(failed.length);
  const decidingParent = new Int32Array(failed.length).fill(-1);
  for (const index of tree.order) {
    const parent = tree.parentIndex[index] ?? -1;
    decidingParent[index] = parent >= 0 && isTransparent(spans[parent], failed[parent] === 1) ? (decidingParent[parent] ?? -1) : parent;
    if (failed[index] !== 1) continue;

    const decider = decidingParent[index] ?? -1;
    if (decider < 0) continue;
    hasFailedChild[decider] = 1;
    if (failed[decider] !== 1 || handled[decider] === 1) handled[index] = 1;
  }
  return { handled, hasFailedChild };
}

/**
 * An internal span that ended with status UNSET and no error signal tells nothing about
 * whether its caller handled a failure below it (instrumentation often leaves such spans
 * UNSET while the error propagates), so the handled rule looks through it to the span above.
 */
function isTransparent(span: SpanRecord | undefined, spanFailed: boolean): boolean {
  if (span === undefined || spanFailed) return false;
  return span.signals.status === 'unset' && (span.kind === 'internal' || span.kind === 'unspecified');
}

function findBlames(
  spans: readonly SpanRecord[],
  tree: TraceTree,
  failed: Uint8Array,
  handled: Uint8Array,
  hasFailedChild: Uint8Array,
  context: BlameContext,
): RankedBlame[] {
  const blames: RankedBlame[] = [];
  for (const index of tree.order) {
    const span = spans[index];
    if (span === undefined || failed[index] !== 1 || handled[index] === 1 || hasFailedChild[index] === 1) continue;
    const children = (tree.children[index] ?? []).flatMap((child) => spans[child] ?? []);
    const blame = blameFailedSpan(span, children, tree.depth[index] ?? 0, context);
    const builtInKind = classifyBuiltInErrorKind(span);
    const mayBeSymptom = blame.candidate.reason === 'deepest_error' && (builtInKind === 'timeout' || builtInKind === 'cancelled');
    blames.push({ ...blame, spanIndex: index, role: 'root_cause', mayBeSymptom });
  }

  if (blames.some((blame) => !blame.mayBeSymptom)) {
    for (const blame of blames) {
      if (blame.mayBeSymptom) blame.role = 'symptom';
    }
  }
  return blames;
}

/** Sorts by confidence, highest first; equal confidences keep the walk order. */
function rankBlames(blames: RankedBlame[]): RankedBlame[] {
  return blames.sort((left, right) => right.candidate.confidence - left.candidate.confidence);
}

/**
 * Lists the services from the top of the failing chain down to the root cause, collapsing
 * consecutive spans of one service, then the blamed callee.
 */
function buildPropagationPath(spans: readonly SpanRecord[], tree: TraceTree, blame: RankedBlame): PathHop[] {
  const chain: PathHop[] = [];
  for (let index = blame.spanIndex; index >= 0; index = tree.parentIndex[index] ?? -1) {
    const resource = spans[index]?.resource;
    if (resource !== undefined) chain.push({ service: resource.service, system: resource.system });
  }
  chain.reverse();
  if (blame.callee !== undefined) chain.push({ ...blame.callee });

  return chain.filter((hop, position) => {
    const previous = chain[position - 1];
    return previous === undefined || previous.service !== hop.service || previous.system !== hop.system;
  });
}

function describeFailedSpan(span: SpanRecord, role: SpanRole, context: BlameContext): FailedSpan {
  return {
    spanId: span.spanId,
    service: span.resource.service,
    system: span.resource.system,
    operation: span.name,
    role,
    errorKind: classifyErrorKind(span, context.errorKindRules),
  };
}
