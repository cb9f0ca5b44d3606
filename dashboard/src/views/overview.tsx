import type { IncidentView, StatusResponse } from '../api/wire-types.js';
import { HealthBadge } from '../components/state-badge.js';
import { LineChart } from '../components/line-chart.js';
import { formatCount, formatDuration, formatRate, quantile, systemLabel } from '../format.js';
import { incidentListHref } from '../routing.js';
import { useSession } from '../session.js';
import { useLiveIncidents } from '../state/live-incidents.js';
import { useDocumentTitle } from './document-title.js';

/** Incidents opened and resolved are counted over this last period. */
const RECENT_PERIOD_MS = 60 * 60 * 1_000;

/** Pipeline health, system health, open incidents and recovery figures at a glance. */
export function OverviewView() {
  const session = useSession();
  const incidents = useLiveIncidents(session.incidents).list();
  useDocumentTitle('Overview');
  const status = session.status.latest;
  const rates = session.status.rates();
  const chartData = session.status.failingTracesSeries();

  return (
    <>
      <h1>Overview</h1>
      {status === undefined && <p role="status">Reading /api/v1/status…</p>}

      <section aria-labelledby="pipeline-title">
        <h2 id="pipeline-title">Pipeline</h2>
        <dl class="tiles">
          <Tile label="Spans per second" value={formatRate(rates?.spansPerSecond)} />
          <Tile label="Traces buffered" value={formatCount(status?.buffer?.tracesHeld)} />
          <Tile label="Verdicts per second" value={formatRate(rates?.verdictsPerSecond)} />
          <Tile label="Dropped spans and requests" value={formatCount(session.status.samples.at(-1)?.drops)} detail={rates === undefined ? undefined : `${formatRate(rates.dropsPerSecond)}/s now`} />
          <Tile label="Traces analyzed early (buffer full)" value={formatCount(status?.buffer?.tracesEvicted)} />
        </dl>
      </section>

      <section aria-labelledby="failing-title">
        <h2 id="failing-title">Failing traces per minute</h2>
        {chartData[0].length < 2 ? (
          <p class="muted">The chart starts after a few readings of the status counters.</p>
        ) : (
          <LineChart data={chartData} seriesLabel="failing traces per minute" label={`Failing traces per minute over the last ${formatDuration((chartData[0].at(-1) ?? 0) * 1_000 - (chartData[0][0] ?? 0) * 1_000)}; now ${Math.round(chartData[1].at(-1) ?? 0)}`} />
        )}
      </section>

      <div class="columns">
        <SystemsSection status={status} />
        <IncidentFigures incidents={incidents} status={status} />
      </div>
      <RecoveryFigures status={status} />
    </>
  );
}

function Tile({ label, value, detail }: { label: string; value: string; detail?: string | undefined }) {
  return (
    <div class="tile">
      <dt>{label}</dt>
      <dd>
        <span class="tile-value">{value}</span>
        {detail !== undefined && <span class="tile-detail">{detail}</span>}
      </dd>
    </div>
  );
}

function SystemsSection({ status }: { status: StatusResponse | undefined }) {
  const systems = status?.systems ?? [];
  return (
    <section aria-labelledby="systems-title">
      <h2 id="systems-title">Systems</h2>
      {systems.length === 0 ? (
        <p class="muted">No system has sent traces yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">System</th>
              <th scope="col">Health</th>
              <th scope="col">Services failing</th>
              <th scope="col">Open incidents</th>
            </tr>
          </thead>
          <tbody>
            {systems.map((system) => (
              <tr key={system.system}>
                <th scope="row">{systemLabel(system.system)}</th>
                <td>
                  <HealthBadge health={system.health} />
                </td>
                <td>
                  {system.services.filter((service) => service.failed > 0).length} of {system.services.length}
                  <ul class="inline-list">
                    {system.services
                      .filter((service) => service.failed > 0)
                      .map((service) => (
                        <li key={service.service}>
                          {service.service}: {service.failed}/{service.total} traces failed
                        </li>
                      ))}
                  </ul>
                </td>
                <td>
                  <a href={incidentListHref({ system: system.system })} aria-label={`${system.openIncidents} open incidents in ${systemLabel(system.system)}`}>
                    {system.openIncidents}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function IncidentFigures({ incidents, status }: { incidents: IncidentView[]; status: StatusResponse | undefined }) {
  const sinceMs = Date.now() - RECENT_PERIOD_MS;
  const opened = incidents.filter((incident) => incident.openedAtMs >= sinceMs).length;
  const resolved = incidents.filter((incident) => (incident.resolvedAtMs ?? 0) >= sinceMs).length;
  const bySystem = Object.entries(status?.incidents?.activeBySystem ?? {}).sort(([, a], [, b]) => b - a);

  return (
    <section aria-labelledby="incidents-title">
      <h2 id="incidents-title">Incidents</h2>
      <dl class="tiles">
        <Tile label="Opened in the last hour" value={formatCount(opened)} />
        <Tile label="Resolved in the last hour" value={formatCount(resolved)} />
        <Tile label="Not resolved" value={formatCount(incidents.filter((incident) => incident.state !== 'resolved').length)} />
      </dl>
      <h3>Open incidents by system</h3>
      {bySystem.length === 0 ? (
        <p class="muted">No open incidents.</p>
      ) : (
        <ul>
          {bySystem.map(([system, count]) => (
            <li key={system}>
              {system}: {count}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RecoveryFigures({ status }: { status: StatusResponse | undefined }) {
  const recovery = status?.recovery;
  if (recovery === undefined) {
    return (
      <section aria-labelledby="recovery-title">
        <h2 id="recovery-title">Recovery</h2>
        <p class="muted">Recovery is off: the recovery extension is not configured.</p>
      </section>
    );
  }
  const times = recovery.timesToRecoverMs ?? [];
  const median = quantile(times, 0.5);
  const p90 = quantile(times, 0.9);
  const last = times.at(-1);

  return (
    <section aria-labelledby="recovery-title">
      <h2 id="recovery-title">Recovery</h2>
      <dl class="tiles">
        <Tile label="Recoveries started" value={formatCount(recovery.recoveriesStarted)} />
        <Tile label="Recovered" value={formatCount(recovery.recoveriesSucceeded)} />
        <Tile label="Escalated" value={formatCount(recovery.recoveriesEscalated)} />
        <Tile label="Running now" value={formatCount(recovery.recoveriesRunning)} />
        <Tile label="Median time to recover" value={median === undefined ? '–' : formatDuration(median)} detail={p90 === undefined ? undefined : `p90 ${formatDuration(p90)}`} />
        <Tile label="Last time to recover" value={last === undefined ? '–' : formatDuration(last)} detail={times.length === 1 ? '1 recovery' : `${times.length} recoveries`} />
      </dl>
    </section>
  );
}
