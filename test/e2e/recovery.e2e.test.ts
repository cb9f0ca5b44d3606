import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlServer, type ReceivedRequest, type ScriptedReply } from '../support/control-server.js';
import {
  FailureStream,
  FaultlineProcess,
  POLICY_NAME,
  TraceSender,
  VERIFY_WINDOW_MS,
  fetchIncidents,
  fetchRecoverySnapshot,
  readAuditDatabase,
  waitForIncidentState,
  waitUntil,
  writeRecoveryConfig,
  type AuditRow,
  type RecoveryConfigFiles,
} from './recovery-harness.js';

/**
 * End-to-end tests of the recovery extension. The OpenTelemetry SDK sends failing
 * router → model traces to the real `faultline` process, which opens an incident and calls a
 * real gRPC control server. The tests then read the status API and the SQLite audit log.
 */

const INCIDENT_TIMEOUT_MS = 10_000;
const CALL_TIMEOUT_MS = 5_000;
/** Verification of one step plus the time to analyze traces and serve the status API. */
const VERIFY_TIMEOUT_MS = VERIFY_WINDOW_MS + 6_000;
const FAILURE_INTERVAL_MS = 150;
const INCIDENT_MIN_TRACES = 3;

const ROUTER_TO_MODEL_PATH = [
  { service: 'router', system: 'RelayCore' },
  { service: 'model', system: 'NeuroWeaver' },
];

/** One test's processes, servers and files; afterEach ends and removes all of them. */
interface Scenario {
  directory: string;
  files: RecoveryConfigFiles;
  control: ControlServer;
  faultline: FaultlineProcess;
  sender: TraceSender;
}

const processes: FaultlineProcess[] = [];
const streams: FailureStream[] = [];
const senders: TraceSender[] = [];
const controlServers: ControlServer[] = [];
const directories: string[] = [];

async function startScenario(script: ScriptedReply[]): Promise<Scenario> {
  const directory = mkdtempSync(join(tmpdir(), 'faultline-recovery-e2e-'));
  directories.push(directory);
  const control = await ControlServer.start({ script });
  controlServers.push(control);
  const files = writeRecoveryConfig(directory, control.address);
  const faultline = await startFaultline(files);
  const sender = new TraceSender(faultline.addresses.grpc);
  senders.push(sender);
  return { directory, files, control, faultline, sender };
}

async function startFaultline(files: RecoveryConfigFiles): Promise<FaultlineProcess> {
  const faultline = await FaultlineProcess.start(files.configPath);
  processes.push(faultline);
  return faultline;
}

function startFailureStream(sender: TraceSender): FailureStream {
  const stream = new FailureStream(sender, FAILURE_INTERVAL_MS);
  streams.push(stream);
  return stream;
}

async function sendTraces(sender: TraceSender, outcome: 'healthy' | 'model_failure' | 'invalid_argument', count: number): Promise<string[]> {
  const traceIds: string[] = [];
  for (let index = 0; index < count; index += 1) traceIds.push(await sender.send(outcome));
  return traceIds;
}

/** Waits for the incident log's `incident opened` line (the one with the root cause) and returns the incident id. */
async function waitForIncidentOpened(faultline: FaultlineProcess): Promise<{ incidentId: string; line: Record<string, unknown> }> {
  const line = await faultline.waitForLog('incident opened', (candidate) => candidate.rootCause !== undefined, INCIDENT_TIMEOUT_MS);
  const incidentId = line.incidentId;
  if (typeof incidentId !== 'string') throw new Error(`"incident opened" has no incidentId: ${JSON.stringify(line)}`);
  return { incidentId, line };
}

function waitForRequests(control: ControlServer, count: number): Promise<ReceivedRequest[]> {
  return waitUntil(`${count} ExecuteAction requests`, () => (control.requests.length >= count ? [...control.requests] : undefined), CALL_TIMEOUT_MS + VERIFY_TIMEOUT_MS);
}

function requestAt(requests: readonly ReceivedRequest[], index: number): ReceivedRequest {
  const received = requests[index];
  if (received === undefined) throw new Error(`no ExecuteAction request ${index}; got ${requests.length}`);
  return received;
}

/** [event, step index, outcome] of each audit row of one incident, in the order written. */
function auditSummary(records: readonly AuditRow[], incidentId: string): [string, number | null, string][] {
  return records.filter((record) => record.incident_id === incidentId).map((record) => [record.event, record.step_index, record.outcome]);
}

afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.stop()));
  await Promise.all(processes.splice(0).map((faultline) => faultline.stop()));
  await Promise.all(senders.splice(0).map((sender) => sender.shutdown()));
  await Promise.all(controlServers.splice(0).map((control) => control.stop()));
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('faultline recovery', () => {
  it('resolves the incident as recovered when the first step works', async () => {
    const { control, faultline, sender, files } = await startScenario([]);

    const failingTraceIds = await sendTraces(sender, 'model_failure', INCIDENT_MIN_TRACES);
    const { incidentId, line: opened } = await waitForIncidentOpened(faultline);
    expect(opened.rootCause).toMatchObject({ service: 'model', system: 'NeuroWeaver', errorKind: 'model_failure' });
    expect(opened.path).toEqual(ROUTER_TO_MODEL_PATH);

    const call = requestAt(await waitForRequests(control, 1), 0).request;
    expect(call.action).toBe('switch_model');
    expect(call.target_component).toBe('model');
    expect(call.dry_run).toBe(false);
    expect(call.incident).toMatchObject({ id: incidentId, root_cause_service: 'model', root_cause_system: 'NeuroWeaver', error_kind: 'model_failure' });
    expect(call.incident.fingerprint).not.toBe('');
    expect(call.incident.sample_trace_ids.length).toBeGreaterThan(0);
    expect(failingTraceIds).toEqual(expect.arrayContaining(call.incident.sample_trace_ids));
    expect(call.idempotency_key).toContain(incidentId);

    await sendTraces(sender, 'healthy', 3);
    const resolved = await faultline.waitForLog('incident resolved', (line) => line.incidentId === incidentId && line.rootCause !== undefined, VERIFY_TIMEOUT_MS);
    expect(resolved.reason).toBe('recovered');
    const incident = await waitForIncidentState(faultline.addresses.status_api, incidentId, 'resolved', CALL_TIMEOUT_MS);
    expect(incident.resolvedAtMs).toBeGreaterThanOrEqual(incident.openedAtMs + VERIFY_WINDOW_MS);
    const snapshot = await fetchRecoverySnapshot(faultline.addresses.status_api);
    expect(snapshot.recoveriesSucceeded).toBe(1);
    expect(snapshot.recoveriesEscalated).toBe(0);
    expect(snapshot.attempts).toEqual({ neuroweaver: { applied: 1 } });
    expect(control.requests).toHaveLength(1);

    expect(await faultline.stop()).toEqual({ code: 0, signal: null });
    const audit = readAuditDatabase(files.auditPath);
    expect(auditSummary(audit.records, incidentId)).toEqual([
      ['decision', null, 'recovery_started'],
      ['call_started', 0, 'started'],
      ['call_finished', 0, 'applied'],
      ['decision', 0, 'recovered'],
    ]);
    const finished = audit.records.find((record) => record.event === 'call_finished');
    expect(finished).toMatchObject({
      policy: POLICY_NAME,
      target: 'neuroweaver',
      endpoint: control.address,
      action: 'switch_model',
      idempotency_key: call.idempotency_key,
      attempt: 1,
      grpc_code: 0,
    });
    expect(finished?.latency_ms).toBeGreaterThanOrEqual(0);
    const callRows = audit.records.filter((record) => record.event !== 'decision');
    expect(callRows.map((record) => record.idempotency_key)).toEqual([call.idempotency_key, call.idempotency_key]);
    expect(audit.incidents).toContainEqual(expect.objectContaining({ id: incidentId, state: 'resolved' }));
    expect(audit.recoveries).toEqual([expect.objectContaining({ incident_id: incidentId, status: 'recovered' })]);
  });

  it('escalates after every step when failures continue', async () => {
    const { control, faultline, sender, files } = await startScenario([]);

    const stream = startFailureStream(sender);
    const { incidentId } = await waitForIncidentOpened(faultline);
    const escalated = await faultline.waitForLog('incident escalated; recovery gave up', (line) => line.incidentId === incidentId, 2 * VERIFY_TIMEOUT_MS);
    await stream.stop();

    expect(escalated.level).toBe(40);
    const requests = control.requests.map((received) => received.request);
    expect(requests.map((request) => request.action)).toEqual(['switch_model', 'restart_model']);
    expect(requests.map((request) => request.incident.id)).toEqual([incidentId, incidentId]);
    expect(new Set(requests.map((request) => request.idempotency_key)).size).toBe(2);
    const [incident] = await fetchIncidents(faultline.addresses.status_api);
    expect(incident).toMatchObject({ id: incidentId, state: 'escalated' });
    const snapshot = await fetchRecoverySnapshot(faultline.addresses.status_api);
    expect(snapshot.recoveriesEscalated).toBe(1);
    expect(snapshot.recoveriesSucceeded).toBe(0);

    expect(await faultline.stop()).toEqual({ code: 0, signal: null });
    const audit = readAuditDatabase(files.auditPath);
    expect(auditSummary(audit.records, incidentId)).toEqual([
      ['decision', null, 'recovery_started'],
      ['call_started', 0, 'started'],
      ['call_finished', 0, 'applied'],
      ['decision', 0, 'still_failing'],
      ['call_started', 1, 'started'],
      ['call_finished', 1, 'applied'],
      ['decision', 1, 'still_failing'],
      ['decision', null, 'escalated'],
    ]);
    expect(audit.incidents).toContainEqual(expect.objectContaining({ id: incidentId, state: 'escalated' }));
  });

  it('sends no action for a client error', async () => {
    const { control, faultline, sender, files } = await startScenario([]);

    await sendTraces(sender, 'invalid_argument', INCIDENT_MIN_TRACES);
    const { incidentId, line: opened } = await waitForIncidentOpened(faultline);
    expect(opened.rootCause).toMatchObject({ service: 'model', system: 'NeuroWeaver', errorKind: 'invalid_request' });
    await faultline.waitForLog('incident not acted on because of its error kind', (line) => line.incidentId === incidentId, CALL_TIMEOUT_MS);
    const [incident] = await fetchIncidents(faultline.addresses.status_api);
    expect(incident).toMatchObject({ id: incidentId, state: 'open' });

    // Once the process has exited no call can still arrive, so an empty list is final.
    expect(await faultline.stop()).toEqual({ code: 0, signal: null });
    expect(control.requests).toEqual([]);
    const audit = readAuditDatabase(files.auditPath);
    expect(auditSummary(audit.records, incidentId)).toEqual([['decision', null, 'skipped_error_kind']]);
    expect(audit.records.filter((record) => record.event !== 'decision')).toEqual([]);
    expect(audit.recoveries).toEqual([]);
  });

  it('resumes an unfinished step with its key after SIGKILL', async () => {
    // The second step's call is applied by the server, but its response never comes back.
    const { control, faultline, sender, files } = await startScenario([{ kind: 'apply' }, { kind: 'apply_and_hang' }]);

    const stream = startFailureStream(sender);
    const { incidentId } = await waitForIncidentOpened(faultline);
    const beforeCrash = await waitForRequests(control, 2);
    await stream.stop();
    expect(await faultline.kill()).toEqual({ code: null, signal: 'SIGKILL' });

    const firstStep = requestAt(beforeCrash, 0).request;
    const hungStep = requestAt(beforeCrash, 1).request;
    expect([firstStep.action, hungStep.action]).toEqual(['switch_model', 'restart_model']);
    const crashed = readAuditDatabase(files.auditPath);
    expect(auditSummary(crashed.records, incidentId)).toEqual([
      ['decision', null, 'recovery_started'],
      ['call_started', 0, 'started'],
      ['call_finished', 0, 'applied'],
      ['decision', 0, 'still_failing'],
      ['call_started', 1, 'started'],
    ]);
    expect(crashed.records.at(-1)).toMatchObject({ action: 'restart_model', idempotency_key: hungStep.idempotency_key });
    expect(crashed.incidents).toContainEqual(expect.objectContaining({ id: incidentId, state: 'mitigating' }));
    expect(crashed.recoveries).toEqual([expect.objectContaining({ incident_id: incidentId, status: 'executing', step_index: 1 })]);

    const restarted = await startFaultline(files);
    expect(restarted.logs('incident restored', (line) => line.incidentId === incidentId)).toHaveLength(1);
    const [resumed] = (await waitForRequests(control, 3)).slice(2);
    expect(resumed?.request).toMatchObject({ action: 'restart_model', idempotency_key: hungStep.idempotency_key, incident: { id: incidentId } });
    const resolved = await restarted.waitForLog('incident resolved', (line) => line.incidentId === incidentId && line.rootCause !== undefined, VERIFY_TIMEOUT_MS);
    expect(resolved.reason).toBe('recovered');
    await waitForIncidentState(restarted.addresses.status_api, incidentId, 'resolved', CALL_TIMEOUT_MS);
    expect(control.requestsWithKey(firstStep.idempotency_key)).toHaveLength(1);
    expect(control.requestsWithKey(hungStep.idempotency_key)).toHaveLength(2);
    expect(control.requests).toHaveLength(3);

    expect(await restarted.stop()).toEqual({ code: 0, signal: null });
    const audit = readAuditDatabase(files.auditPath);
    expect(audit.records.slice(0, crashed.records.length)).toEqual(crashed.records);
    expect(auditSummary(audit.records, incidentId).slice(crashed.records.length)).toEqual([
      ['decision', null, 'recovery_resumed'],
      ['call_started', 1, 'started'],
      ['call_finished', 1, 'already_applied'],
      ['decision', 1, 'recovered'],
    ]);
    expect(audit.records.filter((record) => record.event === 'call_started').map((record) => record.idempotency_key)).toEqual([
      firstStep.idempotency_key,
      hungStep.idempotency_key,
      hungStep.idempotency_key,
    ]);
    expect(audit.incidents).toContainEqual(expect.objectContaining({ id: incidentId, state: 'resolved' }));
  });
});
