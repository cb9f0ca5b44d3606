import type { AuditRecord } from '../api/wire-types.js';
import { formatDuration, formatTime } from '../format.js';
import { OutcomeBadge } from './state-badge.js';
import { buildTimeline } from './timeline-entries.js';

/** Renders the recovery timeline as a table: each decision, and each attempt of each step with its outcome and latency. */
export function RecoveryTimeline({ records }: { records: readonly AuditRecord[] }) {
  const entries = buildTimeline(records);
  if (entries.length === 0) return <p class="muted">No recovery has run for this incident.</p>;

  return (
    <div class="table-scroll">
      <table class="timeline">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Step</th>
            <th scope="col">Action</th>
            <th scope="col" class="number">Attempt</th>
            <th scope="col">Outcome</th>
            <th scope="col" class="number">Latency</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) =>
            entry.kind === 'decision' ? (
              <tr key={entry.key} class="timeline-decision">
                <td>{formatTime(entry.atMs)}</td>
                <td colSpan={3}>{entry.policy === null ? 'decision' : `policy ${entry.policy}`}</td>
                <td>
                  <OutcomeBadge outcome={entry.outcome} />
                </td>
                <td />
                <td>{entry.message}</td>
              </tr>
            ) : (
              <tr key={entry.key} class="timeline-attempt">
                <td>{formatTime(entry.atMs)}</td>
                <td>{entry.stepIndex === null ? '–' : `step ${entry.stepIndex + 1}`}</td>
                <td>
                  {entry.action ?? '–'} on {entry.target ?? '–'}
                  {entry.endpoint !== null && <span class="muted"> ({entry.endpoint})</span>}
                </td>
                <td class="number">{entry.attempt ?? '–'}</td>
                <td>
                  <OutcomeBadge outcome={entry.outcome} />
                </td>
                <td class="number">{entry.latencyMs === null ? '–' : formatDuration(entry.latencyMs)}</td>
                <td>{entry.message}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}
