import type { IncidentState, SystemHealth } from '../api/wire-types.js';

/**
 * Every state is shown as a word and a distinct symbol, with colour only as a third cue, so the
 * state reads the same without colour vision and in monochrome.
 */
const INCIDENT_STATE_SYMBOLS: Record<IncidentState, string> = {
  open: '▲',
  mitigating: '↻',
  escalated: '⚑',
  resolved: '✓',
};

const HEALTH_SYMBOLS: Record<SystemHealth, string> = {
  healthy: '✓',
  degraded: '◐',
  failing: '✕',
};

export function IncidentStateBadge({ state }: { state: IncidentState }) {
  return (
    <span class={`badge state-${state}`}>
      <span class="badge-symbol" aria-hidden="true">
        {INCIDENT_STATE_SYMBOLS[state]}
      </span>
      {state}
    </span>
  );
}

export function HealthBadge({ health }: { health: SystemHealth }) {
  return (
    <span class={`badge health-${health}`}>
      <span class="badge-symbol" aria-hidden="true">
        {HEALTH_SYMBOLS[health]}
      </span>
      {health}
    </span>
  );
}

/** Shows the result of a control call or a recovery decision in one of four tones. */
export function OutcomeBadge({ outcome }: { outcome: string }) {
  const tone = outcomeTone(outcome);
  return (
    <span class={`badge outcome-${tone}`}>
      <span class="badge-symbol" aria-hidden="true">
        {OUTCOME_SYMBOLS[tone]}
      </span>
      {outcome.replace(/_/g, ' ')}
    </span>
  );
}

type OutcomeTone = 'good' | 'pending' | 'info' | 'bad';

const OUTCOME_SYMBOLS: Record<OutcomeTone, string> = { good: '✓', pending: '…', info: '•', bad: '✕' };

const OUTCOME_TONES: Record<string, OutcomeTone> = {
  applied: 'good',
  already_applied: 'good',
  recovered: 'good',
  started: 'pending',
  in_progress: 'pending',
  recovery_started: 'pending',
  recovery_resumed: 'pending',
  no_policy: 'info',
  skipped_error_kind: 'info',
  not_started: 'info',
  ended: 'info',
  stopped: 'info',
  dry_run_finished: 'info',
};

/** Outcomes not listed are failures: gRPC code names (`unavailable`, `deadline_exceeded`), `rejected`, `escalated`, ... */
function outcomeTone(outcome: string): OutcomeTone {
  return OUTCOME_TONES[outcome] ?? 'bad';
}
