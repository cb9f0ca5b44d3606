import type { IncidentView } from '../api/wire-types.js';
import { INCIDENT_STATES } from '../api/wire-types.js';
import { IncidentStateBadge } from '../components/state-badge.js';
import { formatPercent, formatTime, systemLabel } from '../format.js';
import { incidentHref, incidentListHref, type IncidentFilter } from '../routing.js';
import { useSession } from '../session.js';
import { useLiveIncidents } from '../state/live-incidents.js';
import { useDocumentTitle } from './document-title.js';

/** Lists every incident the server keeps, newest first, updated from the event stream and filtered by the hash. */
export function IncidentListView({ filter }: { filter: IncidentFilter }) {
  const session = useSession();
  const store = useLiveIncidents(session.incidents);
  useDocumentTitle('Incidents');
  const all = store.list();
  const systems = [...new Set(all.map((incident) => incident.rootCause.system))].sort();
  const matching = all.filter((incident) => matches(incident, filter));

  const setFilter = (change: Partial<IncidentFilter>): void => {
    // replaceState keeps typing in the search box out of the back-button history.
    history.replaceState(null, '', incidentListHref({ ...filter, ...change }));
    dispatchEvent(new HashChangeEvent('hashchange'));
  };

  return (
    <>
      <h1>Incidents</h1>
      <form class="filters" role="search" aria-label="Filter incidents" onSubmit={(event) => event.preventDefault()}>
        <label>
          State
          <select value={filter.state} onChange={(event) => setFilter({ state: event.currentTarget.value })}>
            <option value="">any</option>
            {INCIDENT_STATES.map((state) => (
              <option key={state} value={state}>
                {state}
              </option>
            ))}
          </select>
        </label>
        <label>
          System
          <select value={filter.system} onChange={(event) => setFilter({ system: event.currentTarget.value })}>
            <option value="">any</option>
            {[...new Set([...systems, filter.system])]
              .filter((system) => system !== '' || systems.includes(''))
              .map((system) => (
                <option key={system} value={system}>
                  {systemLabel(system)}
                </option>
              ))}
          </select>
        </label>
        <label>
          Service contains
          <input type="search" value={filter.service} onInput={(event) => setFilter({ service: event.currentTarget.value })} />
        </label>
      </form>

      {store.loadError !== undefined && (
        <p class="error" role="alert">
          <span aria-hidden="true">✕ </span>
          {store.loadError}
        </p>
      )}
      <p class="muted" aria-live="polite">
        {store.loaded ? `${matching.length} of ${all.length} incidents` : 'Loading incidents…'}
      </p>
      {matching.length > 0 && <IncidentTable incidents={matching} />}
    </>
  );
}

function IncidentTable({ incidents }: { incidents: IncidentView[] }) {
  return (
    <div class="table-scroll">
      <table class="incident-table">
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Root cause</th>
            <th scope="col">Error kind</th>
            <th scope="col">First seen</th>
            <th scope="col">Last seen</th>
            <th scope="col" class="number">Failing traces</th>
            <th scope="col" class="number">Error ratio</th>
            <th scope="col">Recovery</th>
          </tr>
        </thead>
        <tbody>
          {incidents.map((incident) => (
            <tr key={incident.id} data-incident-id={incident.id}>
              <td>
                <IncidentStateBadge state={incident.state} />
                {incident.acknowledged !== null && (
                  <span class="badge ack">
                    <span aria-hidden="true">☑ </span>acknowledged
                  </span>
                )}
              </td>
              <th scope="row">
                <a href={incidentHref(incident.id)}>{incident.rootCause.service}</a>
                <span class="muted"> {systemLabel(incident.rootCause.system)}</span>
              </th>
              <td>{incident.rootCause.errorKind}</td>
              <td>{formatTime(incident.openedAtMs)}</td>
              <td>{formatTime(incident.lastSeenAtMs)}</td>
              <td class="number">{incident.failingTraces}</td>
              <td class="number">{formatPercent(incident.errorRatio)}</td>
              <td>{describeRecovery(incident)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Names the step a recovery is at, or the recovery's state. */
export function describeRecovery(incident: IncidentView): string {
  const recovery = incident.recovery;
  if (recovery === null) return 'off';
  const step = recovery.currentStep;
  if (recovery.state === 'running' && step !== null) return `step ${step.step + 1}: ${step.action} on ${step.target}`;
  if (recovery.state === 'running') return 'running';
  return recovery.state === 'done' ? 'finished' : 'not started';
}

function matches(incident: IncidentView, filter: IncidentFilter): boolean {
  if (filter.state !== '' && incident.state !== filter.state) return false;
  if (filter.system !== '' && incident.rootCause.system !== filter.system) return false;
  if (filter.service === '') return true;

  const text = filter.service.toLowerCase();
  return incident.rootCause.service.toLowerCase().includes(text) || incident.propagationPath.some((hop) => hop.service.toLowerCase().includes(text));
}
