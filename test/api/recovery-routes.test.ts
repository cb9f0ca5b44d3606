import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentView } from '../../src/api/incident-view.js';
import type { AuditRecord } from '../../src/store/audit-store.js';
import { ControlServer } from '../support/control-server.js';
import { POLICY_NAME, sendFailingTrace, startFaultline, waitFor, type RunningFaultline } from './api-harness.js';
import { SseReader } from './sse-reader.js';

interface IncidentEventData {
  type: string;
  incident: IncidentView;
}

describe('recovery and events', () => {
  let control: ControlServer;
  let faultline: RunningFaultline;
  let stream: SseReader;
  const abort = new AbortController();

  beforeAll(async () => {
    control = await ControlServer.start();
    faultline = await startFaultline({ controlAddress: control.address });
    const response = await fetch(`${faultline.baseUrl}/api/v1/events`, { signal: abort.signal });
    if (response.body === null) throw new Error('the event stream has no body');
    stream = new SseReader(response.body);
  });

  afterAll(async () => {
    abort.abort();
    await faultline.stop();
    await control.stop();
  });

  it('streams the opening of an incident from real traffic', async () => {
    await sendFailingTrace(faultline.otlpHttpUrl, 'NeuroWeaver', 'model');

    const event = await stream.waitFor('incident opened', (item) => item.event === 'incident' && (item.data as IncidentEventData).type === 'opened');
    const data = event.data as IncidentEventData;

    expect(data.incident.rootCause).toEqual(expect.objectContaining({ service: 'model', system: 'NeuroWeaver' }));
    expect(data.incident.acknowledged).toBeNull();
  });

  it('streams recovery audit records', async () => {
    const event = await stream.waitFor('applied control call', (item) => item.event === 'recovery' && (item.data as AuditRecord).event === 'call_finished');

    expect(event.data).toEqual(expect.objectContaining({ action: 'switch_model', target: 'neuroweaver', policy: POLICY_NAME, id: expect.any(Number) as unknown }));
  });

  it('shows the running recovery and its history', async () => {
    const id = faultline.service.incidents({ service: 'model' })[0]?.id ?? '';
    await waitFor('mitigating', () => (faultline.service.incident(id)?.state === 'mitigating' ? true : undefined));

    const detail = (await (await fetch(`${faultline.baseUrl}/api/v1/incidents/${id}`)).json()) as { incident: IncidentView; recoveryHistory: AuditRecord[] };

    expect(detail.incident.recovery).toEqual({ state: 'running', currentStep: { policy: POLICY_NAME, step: 0, action: 'switch_model', target: 'neuroweaver' } });
    expect(detail.recoveryHistory.map((record) => record.outcome)).toEqual(expect.arrayContaining(['recovery_started', 'applied']));
    expect(detail.recoveryHistory.map((record) => record.id)).toEqual([...detail.recoveryHistory.map((record) => record.id)].sort((left, right) => left - right));
  });

  it('joins the running recovery on recover', async () => {
    const id = faultline.service.incidents({ service: 'model' })[0]?.id ?? '';

    const response = await fetch(`${faultline.baseUrl}/api/v1/incidents/${id}/recover`, { method: 'POST' });

    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ result: { outcome: 'running', incidentId: id, currentStep: expect.objectContaining({ action: 'switch_model' }) as unknown } });
  });

  it('rejects recover when no policy matches', async () => {
    await sendFailingTrace(faultline.otlpHttpUrl, 'RelayCore', 'router');
    const id = await waitFor('router incident', () => faultline.service.incidents({ service: 'router' })[0]?.id);

    const response = await fetch(`${faultline.baseUrl}/api/v1/incidents/${id}/recover`, { method: 'POST' });

    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: string }).error).toBe(`recovery of incident ${id} did not start: no recovery policy matches the incident`);
  });

  it('streams acknowledge and resolve, and ends the recovery', async () => {
    const id = faultline.service.incidents({ service: 'model' })[0]?.id ?? '';

    const acknowledged = await fetch(`${faultline.baseUrl}/api/v1/incidents/${id}/acknowledge`, { method: 'POST' });
    const resolved = await fetch(`${faultline.baseUrl}/api/v1/incidents/${id}/resolve`, { method: 'POST' });
    const ackEvent = await stream.waitFor('acknowledged', (item) => (item.data as IncidentEventData).type === 'acknowledged');
    await stream.waitFor('resolved', (item) => (item.data as IncidentEventData).type === 'resolved' && (item.data as IncidentEventData).incident.id === id);
    await waitFor('recovery done', () => (faultline.service.recoveryState(id)?.state === 'done' ? true : undefined));

    expect(acknowledged.status).toBe(200);
    expect((ackEvent.data as IncidentEventData).incident.acknowledged?.by).toBe('anonymous');
    expect(resolved.status).toBe(200);
    expect(faultline.service.incident(id)?.state).toBe('resolved');
    expect(faultline.service.recoveryHistory(id).at(-1)?.outcome).toBe('resolved_meanwhile');
  });
});
