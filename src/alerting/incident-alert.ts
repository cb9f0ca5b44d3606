import type { Incident, IncidentState, ResolveReason } from '../correlation/incident.js';
import type { PathHop } from '../correlation/verdict.js';
import { INCIDENT_ID_PLACEHOLDER } from './config.js';

/** The `alertname` label of every alert Faultline sends. */
export const ALERT_NAME = 'FaultlineIncident';

/** The states in which an incident's alert fires. */
export type FiringState = Exclude<IncidentState, 'resolved'>;

export const FIRING_STATES: readonly FiringState[] = ['open', 'mitigating', 'escalated'];

/**
 * One alert as Alertmanager's v2 API takes it (`PostableAlert`). Times are RFC 3339 strings.
 * An alert without `endsAt` fires until it is sent with an `endsAt` in the past, or until
 * Alertmanager's `resolve_timeout` passes without it being sent again.
 */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

/** The static labels and the generator URL template that every alert shares, from the config. */
export interface AlertTemplate {
  staticLabels: Record<string, string>;
  generatorUrl: string | undefined;
}

/**
 * Builds the labels of an incident's alert in one state. Alertmanager identifies an alert by its
 * labels, so the `state` label makes each state a separate alert. Labels with an empty value,
 * such as the system of a service without `service.namespace`, are left out, because Prometheus
 * treats an empty label as an absent one.
 */
export function alertLabels(incident: Incident, state: FiringState, template: AlertTemplate): Record<string, string> {
  const labels: Record<string, string> = {
    ...template.staticLabels,
    alertname: ALERT_NAME,
    incident_id: incident.id,
    system: incident.rootCause.system,
    service: incident.rootCause.service,
    error_kind: incident.rootCause.errorKind,
    state,
  };
  for (const [name, value] of Object.entries(labels)) if (value === '') delete labels[name];
  return labels;
}

/** Builds the alert of an unresolved incident in its current state; it fires until resolved. */
export function firingAlert(incident: Incident, state: FiringState, template: AlertTemplate): PostableAlert {
  return withGeneratorUrl(
    {
      labels: alertLabels(incident, state, template),
      annotations: { summary: summaryOf(incident, state), description: describeIncident(incident) },
      startsAt: new Date(incident.openedAtMs).toISOString(),
    },
    incident.id,
    template,
  );
}

/**
 * Builds the alert that ends the firing alert of `state` at `endsAtMs`: the incident resolved,
 * or it left that state and now fires with another `state` label.
 */
export function endedAlert(incident: Incident, state: FiringState, endsAtMs: number, template: AlertTemplate, reason?: ResolveReason): PostableAlert {
  const summary = reason === undefined ? `${summaryOf(incident, state)}, now ${incident.state}` : `${summaryOf(incident, state)}, resolved (${reason})`;
  return withGeneratorUrl(
    {
      labels: alertLabels(incident, state, template),
      annotations: { summary, description: describeIncident(incident) },
      startsAt: new Date(incident.openedAtMs).toISOString(),
      endsAt: new Date(Math.max(endsAtMs, incident.openedAtMs)).toISOString(),
    },
    incident.id,
    template,
  );
}

/** Returns the generator URL of an incident, or undefined when no template is configured. */
export function generatorUrlOf(incidentId: string, template: AlertTemplate): string | undefined {
  return template.generatorUrl?.replaceAll(INCIDENT_ID_PLACEHOLDER, encodeURIComponent(incidentId));
}

function withGeneratorUrl(alert: PostableAlert, incidentId: string, template: AlertTemplate): PostableAlert {
  const generatorURL = generatorUrlOf(incidentId, template);
  return generatorURL === undefined ? alert : { ...alert, generatorURL };
}

function summaryOf(incident: Incident, state: FiringState): string {
  return `${hopName(incident.rootCause)} fails with ${incident.rootCause.errorKind} (incident ${incident.id}, ${state})`;
}

/** Describes the root cause, propagation path, failing traces and error ratio, one fact per line. */
export function describeIncident(incident: Incident): string {
  const { rootCause } = incident;
  const operations = rootCause.operations.length === 0 ? '' : ` in ${rootCause.operations.slice(0, 3).join(', ')}`;
  const lines = [
    `Root cause: ${hopName(rootCause)} fails with ${rootCause.errorKind}${operations}.`,
    `Propagation path: ${incident.propagationPath.length === 0 ? 'unknown' : incident.propagationPath.map(hopName).join(' -> ')}.`,
    `Failing traces: ${incident.failingTraces}; error ratio of ${rootCause.service}: ${formatPercent(incident.errorRatio)}.`,
  ];
  if (incident.sampleTraceIds.length > 0) lines.push(`Sample traces: ${incident.sampleTraceIds.join(', ')}.`);
  if (incident.fingerprints.length > 0) lines.push(`Fingerprints: ${incident.fingerprints.slice(0, 3).join(', ')}.`);
  return lines.join('\n');
}

function hopName(hop: PathHop): string {
  return hop.system === '' ? hop.service : `${hop.system}/${hop.service}`;
}

function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}
