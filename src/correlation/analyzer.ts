import type { SpanRecord } from '../model/span.js';
import { hasErrorSignal } from '../model/signals.js';
import type { ErrorKindRule } from './config.js';
import { analyzeFailures } from './failure-analysis.js';
import type { KnownServices } from './known-services.js';
import { isFailedSpan } from './span-failure.js';
import { collectTraffic, TrafficCollector } from './traffic.js';
import type { Verdict } from './verdict.js';

export interface AnalyzerOptions {
  /** Error-kind rules from `processors.errorcorrelation.error_kinds`, tried in order. */
  rules: readonly ErrorKindRule[];
  /** The current wall-clock time in Unix milliseconds, stored as `analyzedAtMs`. */
  nowMs: number;
  /** Services the caller has seen, by network address, to name dead callees. */
  knownServices: KnownServices;
}

/**
 * Analyzes one trace: which spans failed, where each failure started, how it spread, and the
 * services and calls the trace carried.
 *
 * Causality comes from parent span ids only; timestamps are never compared, because services'
 * clocks disagree. A trace with no error signal takes a fast path that builds no tree. A
 * trace whose error signals mark no span as failed (for example an exception recorded on a
 * span that ended OK) is `healthy` as well and lists no failed span.
 */
export function analyzeTrace(spans: readonly SpanRecord[], options: AnalyzerOptions): Verdict {
  const indexById = new Map<string, number>();
  let hasRootSpan = false;
  let hasSignal = false;
  let linkedTraceIds: Set<string> | undefined;
  for (let index = 0; index < spans.length; index++) {
    const span = spans[index];
    if (span === undefined) continue;
    indexById.set(span.spanId, index);
    if (span.parentSpanId === '') hasRootSpan = true;
    if (!hasSignal && hasErrorSignal(span.signals)) hasSignal = true;
    if (span.links.length > 0) linkedTraceIds = addLinkedTraceIds(span, linkedTraceIds);
  }

  const failed = hasSignal ? markFailedSpans(spans) : undefined;
  const traffic = new TrafficCollector();
  const verdict: Verdict = {
    traceId: spans[0]?.traceId ?? '',
    outcome: 'healthy',
    rootCauses: [],
    propagationPath: [],
    failedSpans: [],
    services: [],
    edges: [],
    linkedTraceIds: linkedTraceIds === undefined ? [] : [...linkedTraceIds],
    spanCount: spans.length,
    missingRoot: !hasRootSpan,
    analyzedAtMs: options.nowMs,
    revision: 0,
  };

  if (failed === undefined) {
    collectTraffic(spans, indexById, options.knownServices, traffic, undefined);
  } else {
    const context = { errorKindRules: options.rules, knownServices: options.knownServices };
    const analysis = analyzeFailures(spans, indexById, failed, context);
    collectTraffic(spans, indexById, options.knownServices, traffic, analysis.failures);
    for (const callee of analysis.blamedCallees) traffic.addService(callee.service, callee.system, true);
    verdict.outcome = analysis.outcome;
    verdict.rootCauses = analysis.rootCauses;
    verdict.propagationPath = analysis.propagationPath;
    verdict.failedSpans = analysis.failedSpans;
  }

  verdict.services = traffic.services();
  verdict.edges = traffic.edges();
  return verdict;
}

/** Returns the failed flag of each span, or undefined when no span failed. */
function markFailedSpans(spans: readonly SpanRecord[]): Uint8Array | undefined {
  const failed = new Uint8Array(spans.length);
  let anyFailed = false;
  for (let index = 0; index < spans.length; index++) {
    const span = spans[index];
    if (span !== undefined && isFailedSpan(span)) {
      failed[index] = 1;
      anyFailed = true;
    }
  }
  return anyFailed ? failed : undefined;
}

/** Adds the trace ids a span links to, other than its own trace's, creating the set on first use. */
function addLinkedTraceIds(span: SpanRecord, linked: Set<string> | undefined): Set<string> | undefined {
  let result = linked;
  for (const link of span.links) {
    if (link.traceId === span.traceId) continue;
    result ??= new Set();
    result.add(link.traceId);
  }
  return result;
}
