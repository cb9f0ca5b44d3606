import { describe, expect, it } from 'vitest';
import { alertLabels, describeIncident, endedAlert, firingAlert, generatorUrlOf, type AlertTemplate } from '../../src/alerting/incident-alert.js';
import { incident, OPENED_AT_MS } from './incident-fixtures.js';

const TEMPLATE: AlertTemplate = { staticLabels: { team: 'sre' }, generatorUrl: undefined };

describe('alertLabels', () => {
  it('sets the incident labels and the static ones', () => {
    expect(alertLabels(incident(), 'mitigating', TEMPLATE)).toEqual({
      alertname: 'FaultlineIncident',
      incident_id: 'inc-1733337600000-1',
      system: 'RelayCore',
      service: 'router',
      error_kind: 'unavailable',
      state: 'mitigating',
      team: 'sre',
    });
  });

  it('leaves out the system when the service has none', () => {
    const withoutSystem = incident({ rootCause: { service: 'checkout', system: '', errorKind: 'internal', operations: [] } });

    expect(alertLabels(withoutSystem, 'open', TEMPLATE)).not.toHaveProperty('system');
  });
});

describe('firingAlert', () => {
  it('starts at the opening time and has no end', () => {
    const alert = firingAlert(incident(), 'open', TEMPLATE);

    expect(alert.startsAt).toBe('2024-12-04T18:40:00.000Z');
    expect(alert).not.toHaveProperty('endsAt');
    expect(alert).not.toHaveProperty('generatorURL');
    expect(alert.annotations.summary).toBe('RelayCore/router fails with unavailable (incident inc-1733337600000-1, open)');
  });
});

describe('endedAlert', () => {
  it('ends at the given time with the reason in the summary', () => {
    const alert = endedAlert(incident({ state: 'resolved' }), 'escalated', OPENED_AT_MS + 90_000, TEMPLATE, 'recovered');

    expect(alert.labels.state).toBe('escalated');
    expect(alert.endsAt).toBe('2024-12-04T18:41:30.000Z');
    expect(alert.annotations.summary).toContain('escalated), resolved (recovered)');
  });

  it('never ends before it starts', () => {
    expect(endedAlert(incident(), 'open', OPENED_AT_MS - 5_000, TEMPLATE).endsAt).toBe('2024-12-04T18:40:00.000Z');
  });
});

describe('generatorUrlOf', () => {
  it.each([
    { template: 'http://127.0.0.1:4319/incidents/{incidentId}', id: 'inc-1', expected: 'http://127.0.0.1:4319/incidents/inc-1' },
    { template: 'http://host/?incident={incidentId}', id: 'a b/c', expected: 'http://host/?incident=a%20b%2Fc' },
    { template: 'http://host/incidents', id: 'inc-1', expected: 'http://host/incidents' },
  ])('fills $template', ({ template, id, expected }) => {
    expect(generatorUrlOf(id, { staticLabels: {}, generatorUrl: template })).toBe(expected);
  });
});

describe('describeIncident', () => {
  it('names the root cause, path, failing traces and error ratio', () => {
    const lines = describeIncident(incident()).split('\n');

    expect(lines).toEqual([
      'Root cause: RelayCore/router fails with unavailable in POST /route.',
      'Propagation path: AutoMatrix/scheduler -> RelayCore/router.',
      'Failing traces: 6; error ratio of router: 25.0%.',
      'Sample traces: 4bf92f3577b34da6a3ce929d0e0e4736.',
      'Fingerprints: fp-router.',
    ]);
  });

  it('says the path is unknown when there is none', () => {
    expect(describeIncident(incident({ propagationPath: [], sampleTraceIds: [], fingerprints: [] }))).toContain('Propagation path: unknown.');
  });
});
