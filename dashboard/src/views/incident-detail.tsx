import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { describeError, UnauthorizedError } from '../api/api-errors.js';
import type { AuditRecord, IncidentDetail, IncidentView } from '../api/wire-types.js';
import { GraphCanvas } from '../components/graph-canvas.js';
import { pathGraph, serviceGraphModel } from '../components/graph-model.js';
import { RecoveryTimeline } from '../components/recovery-timeline.js';
import { IncidentStateBadge } from '../components/state-badge.js';
import { formatPercent, formatTime, systemLabel } from '../format.js';
import { useSession } from '../session.js';
import { useLiveIncidents } from '../state/live-incidents.js';
import { useDocumentTitle } from './document-title.js';
import { IncidentActions } from './incident-actions.js';
import { describeRecovery } from './incident-list.js';
import { CandidatesTable, EdgesTable, SampleTraces } from './incident-tables.js';

/**
 * Renders one incident: the propagation path, the service graph around the root cause, the ranked
 * candidates, fingerprints, sample traces and the recovery timeline, kept live by the event stream.
 */
export function IncidentDetailView({ id }: { id: string }) {
  const session = useSession();
  const store = useLiveIncidents(session.incidents);
  const [detail, setDetail] = useState<IncidentDetail | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [records, setRecords] = useState<AuditRecord[]>([]);
  useDocumentTitle(`Incident ${id}`);

  const load = useCallback(() => {
    session.client
      .incident(id)
      .then((loaded) => {
        setDetail(loaded);
        setLoadError(undefined);
        setRecords((live) => mergeRecords(loaded.recoveryHistory, live));
      })
      .catch((error: unknown) => {
        if (error instanceof UnauthorizedError) session.signOut();
        else setLoadError(describeError(error));
      });
  }, [id, session]);

  // Loads on open, and again each time the event stream reconnects, for the events it missed.
  const streamLive = session.streamState === 'live';
  useEffect(load, [load, streamLive]);
  useEffect(
    () =>
      store.subscribeRecords((record) => {
        if (record.incidentId === id) setRecords((current) => mergeRecords(current, [record]));
      }),
    [store, id],
  );

  // The store has the newest copy from the event stream; the detail response may be older.
  const incident = store.get(id) ?? detail?.incident;
  const pathModel = useMemo(() => pathGraph(incident?.propagationPath ?? []), [JSON.stringify(incident?.propagationPath ?? [])]);
  const graphModel = useMemo(() => (detail === undefined ? undefined : serviceGraphModel(detail.serviceGraph, detail.incident.rootCause)), [detail]);

  if (incident === undefined) {
    return (
      <>
        <h1>Incident {id}</h1>
        {loadError === undefined ? <p role="status">Loading…</p> : <p class="error" role="alert">{loadError}</p>}
        <p>
          <a href="#/incidents">Back to the incident list</a>
        </p>
      </>
    );
  }

  return (
    <>
      <p class="breadcrumb">
        <a href="#/incidents">Incidents</a> / {incident.id}
      </p>
      <h1>
        {incident.rootCause.errorKind} in {incident.rootCause.service} <span class="muted">({systemLabel(incident.rootCause.system)})</span>
      </h1>
      {loadError !== undefined && (
        <p class="error" role="alert">
          {loadError}
        </p>
      )}
      <IncidentSummary incident={incident} />
      {session.canOperate && <IncidentActions incident={incident} onChanged={load} />}

      <section aria-labelledby="path-title">
        <h2 id="path-title">Propagation path</h2>
        <p>
          {incident.propagationPath.map((hop, index) => (
            <span key={index}>
              {index > 0 && <span aria-label="calls"> → </span>}
              {hop.service} <span class="muted">({systemLabel(hop.system)})</span>
            </span>
          ))}
        </p>
        <GraphCanvas model={pathModel} heightPx={200} label={`Propagation path: ${incident.propagationPath.map((hop) => hop.service).join(' calls ')}; the failure started at ${incident.rootCause.service}`} />
      </section>

      <section aria-labelledby="graph-title">
        <h2 id="graph-title">Service graph around {incident.rootCause.service}</h2>
        {detail === undefined || graphModel === undefined ? (
          <p role="status">Loading…</p>
        ) : (
          <>
            <GraphCanvas model={graphModel} heightPx={260} label={`Services calling or called by ${incident.rootCause.service}; dashed edges had errors. The table below lists every edge.`} />
            <EdgesTable edges={detail.serviceGraph.edges} />
          </>
        )}
      </section>

      <section aria-labelledby="candidates-title">
        <h2 id="candidates-title">Root-cause candidates</h2>
        {detail === undefined ? <p role="status">Loading…</p> : <CandidatesTable candidates={detail.rootCauseCandidates} />}
      </section>

      <div class="columns">
        <section aria-labelledby="fingerprints-title">
          <h2 id="fingerprints-title">Fingerprints</h2>
          <ul class="mono-list">
            {incident.fingerprints.map((fingerprint) => (
              <li key={fingerprint}>
                <code>{fingerprint}</code>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="samples-title">
          <h2 id="samples-title">Sample traces</h2>
          <SampleTraces traceIds={incident.sampleTraceIds} template={session.uiConfig.traceUrlTemplate} />
        </section>
      </div>

      <section aria-labelledby="recovery-title">
        <h2 id="recovery-title">Recovery timeline</h2>
        <p>Recovery: {describeRecovery(incident)}</p>
        <div aria-live="polite">
          <RecoveryTimeline records={records} />
        </div>
      </section>
    </>
  );
}

function IncidentSummary({ incident }: { incident: IncidentView }) {
  return (
    <dl class="summary">
      <div>
        <dt>State</dt>
        <dd>
          <IncidentStateBadge state={incident.state} />
        </dd>
      </div>
      <div>
        <dt>Acknowledged</dt>
        <dd>{incident.acknowledged === null ? 'no' : `by ${incident.acknowledged.by} at ${formatTime(incident.acknowledged.atMs)}`}</dd>
      </div>
      <div>
        <dt>First seen</dt>
        <dd>{formatTime(incident.openedAtMs)}</dd>
      </div>
      <div>
        <dt>Last seen</dt>
        <dd>{formatTime(incident.lastSeenAtMs)}</dd>
      </div>
      {typeof incident.resolvedAtMs === 'number' && (
        <div>
          <dt>Resolved</dt>
          <dd>{formatTime(incident.resolvedAtMs)}</dd>
        </div>
      )}
      <div>
        <dt>Failing traces</dt>
        <dd>{incident.failingTraces}</dd>
      </div>
      <div>
        <dt>Error ratio</dt>
        <dd>{formatPercent(incident.errorRatio)}</dd>
      </div>
      <div>
        <dt>Operations</dt>
        <dd>{incident.rootCause.operations.join(', ') || '–'}</dd>
      </div>
    </dl>
  );
}

/** Joins two lists of audit records by id, oldest first. */
function mergeRecords(first: readonly AuditRecord[], second: readonly AuditRecord[]): AuditRecord[] {
  const byId = new Map<number, AuditRecord>();
  for (const record of [...first, ...second]) byId.set(record.id, record);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
