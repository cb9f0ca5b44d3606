import type { AuditRecord } from '../api/wire-types.js';

/**
 * One line of the recovery timeline: a decision of the engine, or one control call (an attempt
 * of a step) with the `call_started` and `call_finished` records joined.
 */
export type TimelineEntry =
  | { kind: 'decision'; key: string; atMs: number; outcome: string; policy: string | null; message: string | null }
  | {
      kind: 'attempt';
      key: string;
      atMs: number;
      stepIndex: number | null;
      action: string | null;
      target: string | null;
      endpoint: string | null;
      attempt: number | null;
      /** `started` until the call finishes. */
      outcome: string;
      latencyMs: number | null;
      message: string | null;
    };

/** Builds the timeline from audit records in id order; records already seen (same id) are skipped. */
export function buildTimeline(records: readonly AuditRecord[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const openCalls = new Map<string, Extract<TimelineEntry, { kind: 'attempt' }>>();
  const sorted = [...new Map(records.map((record) => [record.id, record])).values()].sort((a, b) => a.id - b.id);

  for (const record of sorted) {
    if (record.event === 'decision') {
      entries.push({ kind: 'decision', key: `r${record.id}`, atMs: record.atMs, outcome: record.outcome, policy: record.policy, message: record.message });
      continue;
    }

    const callKey = `${record.idempotencyKey ?? ''}|${record.stepIndex ?? ''}|${record.attempt ?? ''}`;
    const open = openCalls.get(callKey);
    if (record.event === 'call_finished' && open !== undefined) {
      open.outcome = record.outcome;
      open.latencyMs = record.latencyMs;
      open.message = record.message;
      open.endpoint = record.endpoint ?? open.endpoint;
      openCalls.delete(callKey);
      continue;
    }

    const entry: TimelineEntry = {
      kind: 'attempt',
      key: `r${record.id}`,
      atMs: record.atMs,
      stepIndex: record.stepIndex,
      action: record.action,
      target: record.target,
      endpoint: record.endpoint,
      attempt: record.attempt,
      outcome: record.outcome,
      latencyMs: record.latencyMs,
      message: record.message,
    };
    entries.push(entry);
    if (record.event === 'call_started') openCalls.set(callKey, entry);
  }
  return entries;
}
