/**
 * The demo's live timeline: what happened and when, as seconds since the demo started, one
 * line per event.
 */
import type { PathHop } from '../../src/correlation/verdict.js';
import { describeExit, type ProcessExit } from './child-process.js';

/**
 * One thing that happened:
 * - `fault_injected`, `fault_cleared`: the demo switched a fault on or off;
 * - `incident_opened`, `incident_state_changed`, `incident_resolved`: read from the incident list;
 * - `action_taken`: a control call finished (from the recovery history);
 * - `recovery_decision`: a decision of the recovery engine from the recovery history, such as
 *   `recovery_started`, `recovered` (verified), `still_failing` or `skipped_error_kind`;
 * - `process_exited`: a child process ended although the demo did not stop it;
 * - `note`: anything else worth a line.
 */
export type TimelineEvent =
  | { type: 'fault_injected'; fault: string; system: string; target: string; description: string }
  | { type: 'fault_cleared'; fault: string; system: string }
  | { type: 'incident_opened'; incidentId: string; service: string; system: string; errorKind: string; path: PathHop[] }
  | { type: 'incident_state_changed'; incidentId: string; from: string; to: string }
  | { type: 'incident_resolved'; incidentId: string; openForMs: number }
  | { type: 'action_taken'; incidentId: string; action: string; target: string; outcome: string; attempt: number; latencyMs: number | null }
  | { type: 'recovery_decision'; incidentId: string; decision: string; message: string }
  | { type: 'process_exited'; name: string; exit: ProcessExit }
  | { type: 'note'; message: string };

export interface TimelineEntry {
  atMs: number;
  event: TimelineEvent;
}

export class Timeline {
  readonly entries: TimelineEntry[] = [];

  /** `write` receives each formatted line without a newline; pass a no-op to record silently. */
  constructor(
    readonly startedAtMs: number,
    private readonly write: (line: string) => void,
  ) {}

  /** Records an event at `atMs` (now by default) and writes its line. */
  record(event: TimelineEvent, atMs: number = Date.now()): void {
    this.entries.push({ atMs, event });
    this.write(`${formatElapsed(atMs - this.startedAtMs).padStart(8)}  ${describeEvent(event)}`);
  }

  /** Returns the entries of one type, oldest first. */
  ofType<T extends TimelineEvent['type']>(type: T): (TimelineEntry & { event: Extract<TimelineEvent, { type: T }> })[] {
    return this.entries.filter((entry): entry is TimelineEntry & { event: Extract<TimelineEvent, { type: T }> } => entry.event.type === type);
  }
}

/** Formats a duration as seconds with one decimal, for example `12.3s`. */
export function formatElapsed(durationMs: number): string {
  return `${(durationMs / 1000).toFixed(1)}s`;
}

/** Formats a propagation path as `AutoMatrix/automatrix → RelayCore/relaycore`. */
export function formatPath(path: readonly PathHop[]): string {
  return path.map((hop) => (hop.system === '' ? hop.service : `${hop.system}/${hop.service}`)).join(' → ');
}

/** Timeline labels of the recovery decisions a reader looks for, padded to the label column. */
const DECISION_LABELS: Readonly<Record<string, string>> = {
  recovered: 'verified            ',
  still_failing: 'not verified        ',
  skipped_error_kind: 'no action           ',
  no_policy: 'no action           ',
  escalated: 'escalated           ',
};

export function describeEvent(event: TimelineEvent): string {
  switch (event.type) {
    case 'fault_injected':
      return `fault injected      ${event.fault} into ${event.system}${event.target === '' ? '' : ` (${event.target})`}: ${event.description}`;
    case 'fault_cleared':
      return `fault cleared       ${event.fault} in ${event.system}`;
    case 'incident_opened':
      return `incident opened     ${event.incidentId}: root cause ${event.system}/${event.service} (${event.errorKind}), path ${formatPath(event.path)}`;
    case 'incident_state_changed':
      return `incident ${event.to.padEnd(11)}${event.incidentId} (was ${event.from})`;
    case 'incident_resolved':
      return `incident resolved   ${event.incidentId} after ${formatElapsed(event.openForMs)}`;
    case 'action_taken': {
      const attempt = event.attempt > 1 ? `, attempt ${event.attempt}` : '';
      const latency = event.latencyMs === null ? '' : ` in ${Math.round(event.latencyMs)} ms`;
      return `action taken        ${event.action} on ${event.target} for ${event.incidentId}: ${event.outcome}${latency}${attempt}`;
    }
    case 'recovery_decision':
      return `${DECISION_LABELS[event.decision] ?? 'recovery'.padEnd(20)}${event.incidentId}: ${event.decision} (${event.message})`;
    case 'process_exited':
      return `process exited      ${event.name} (${describeExit(event.exit)})`;
    case 'note':
      return event.message;
  }
}
