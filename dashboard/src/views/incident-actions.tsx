import { useState } from 'preact/hooks';
import { describeError, ForbiddenError, UnauthorizedError } from '../api/api-errors.js';
import type { IncidentView } from '../api/wire-types.js';
import { useSession } from '../session.js';

type Action = 'recover' | 'resolve' | 'acknowledge';

/**
 * The last action's progress:
 * - `idle`: nothing sent yet;
 * - `pending`: a request is open; the buttons are disabled;
 * - `done`, `failed`: the server's response, shown until the next action.
 */
type ActionState = { kind: 'idle' } | { kind: 'pending'; action: Action } | { kind: 'done'; message: string } | { kind: 'failed'; message: string };

/** Recover, Resolve and Acknowledge buttons for operators (and for everyone when auth is off). */
export function IncidentActions({ incident, onChanged }: { incident: IncidentView; onChanged: () => void }) {
  const session = useSession();
  const [state, setState] = useState<ActionState>({ kind: 'idle' });
  const resolved = incident.state === 'resolved';

  const run = async (action: Action): Promise<void> => {
    setState({ kind: 'pending', action });
    try {
      const message = await send(action);
      setState({ kind: 'done', message });
      onChanged();
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        session.signOut();
        return;
      }
      const message = error instanceof ForbiddenError ? `${describeError(error)}. Your token lacks the operator role.` : describeError(error);
      setState({ kind: 'failed', message });
    }
  };

  const send = async (action: Action): Promise<string> => {
    switch (action) {
      case 'recover': {
        const { result } = await session.client.recover(incident.id);
        return `Recovery ${describeResult(result)}.`;
      }
      case 'resolve': {
        const response = await session.client.resolve(incident.id);
        session.incidents.put(response.incident);
        return 'Incident resolved.';
      }
      case 'acknowledge': {
        const response = await session.client.acknowledge(incident.id);
        session.incidents.put(response.incident);
        return 'Incident acknowledged.';
      }
    }
  };

  const pending = state.kind === 'pending';
  return (
    <section class="actions" aria-label="Actions">
      <button type="button" disabled={pending || resolved} onClick={() => void run('recover')}>
        <span aria-hidden="true">↻ </span>Recover
      </button>
      <button type="button" disabled={pending || resolved} onClick={() => void run('resolve')}>
        <span aria-hidden="true">✓ </span>Resolve
      </button>
      <button type="button" disabled={pending || resolved || incident.acknowledged !== null} onClick={() => void run('acknowledge')}>
        <span aria-hidden="true">☑ </span>Acknowledge
      </button>
      <span class="action-status" role="status">
        {state.kind === 'pending' && `Sending ${state.action}…`}
        {state.kind === 'done' && state.message}
        {state.kind === 'failed' && (
          <span class="error">
            <span aria-hidden="true">✕ </span>
            {state.message}
          </span>
        )}
      </span>
    </section>
  );
}

/** Describes a RecoveryResult: its outcome and, when it has one, the reason. */
function describeResult(result: Record<string, unknown>): string {
  const outcome = typeof result.outcome === 'string' ? result.outcome.replace(/_/g, ' ') : 'sent';
  const reason = typeof result.reason === 'string' ? ` (${result.reason.replace(/_/g, ' ')})` : '';
  return `${outcome}${reason}`;
}
