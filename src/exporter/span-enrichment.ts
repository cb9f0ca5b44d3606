import type { Attributes, SpanRecord } from '../model/span.js';
import type { Verdict } from '../correlation/verdict.js';

/**
 * The attributes Faultline adds to the spans it forwards, from the verdict of their trace:
 * - every span of a failed trace gets the incident id (when the trace counted toward an
 *   incident) and the top root-cause candidate's service, error kind and fingerprint;
 * - every span the verdict lists as failed also gets its role (`root_cause`, `propagated`,
 *   `symptom`, `handled`), in failed and handled traces alike;
 * - spans of healthy traces, and of traces whose analysis failed, get nothing.
 */

export const INCIDENT_ID_ATTRIBUTE = 'faultline.incident.id';
export const ROLE_ATTRIBUTE = 'faultline.role';
export const ROOT_CAUSE_SERVICE_ATTRIBUTE = 'faultline.root_cause.service';
export const ERROR_KIND_ATTRIBUTE = 'faultline.error.kind';
export const ERROR_FINGERPRINT_ATTRIBUTE = 'faultline.error.fingerprint';

/** The added attributes of one trace, computed once per verdict. */
export interface TraceEnrichment {
  /** Attributes for every span of the trace; undefined when the trace did not fail. */
  everySpan: Attributes | undefined;
  /** Attributes for each failed span, by span id, including `everySpan`'s. */
  bySpanId: Map<string, Attributes>;
}

/** Builds the added attributes of a trace; undefined when nothing is added (no verdict, or healthy). */
export function enrichmentOf(verdict: Verdict | undefined, incidentId: string | undefined): TraceEnrichment | undefined {
  if (verdict === undefined || verdict.outcome === 'healthy') return undefined;

  const top = verdict.outcome === 'failed' ? verdict.rootCauses[0] : undefined;
  let everySpan: Attributes | undefined;
  if (top !== undefined) {
    everySpan = {
      [ROOT_CAUSE_SERVICE_ATTRIBUTE]: top.service,
      [ERROR_KIND_ATTRIBUTE]: top.errorKind,
      [ERROR_FINGERPRINT_ATTRIBUTE]: top.fingerprint,
    };
    if (incidentId !== undefined) everySpan[INCIDENT_ID_ATTRIBUTE] = incidentId;
  }

  const bySpanId = new Map<string, Attributes>();
  for (const failed of verdict.failedSpans) {
    bySpanId.set(failed.spanId, { ...everySpan, [ROLE_ATTRIBUTE]: failed.role });
  }
  return { everySpan, bySpanId };
}

/** Returns the attributes to add to one span of the trace, or undefined for none. */
export function addedAttributesOf(enrichment: TraceEnrichment | undefined, span: SpanRecord): Attributes | undefined {
  if (enrichment === undefined) return undefined;
  return enrichment.bySpanId.get(span.spanId) ?? enrichment.everySpan;
}
