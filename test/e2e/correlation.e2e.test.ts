/**
 * End to end: three services instrumented with the OpenTelemetry Node SDK call each other over
 * HTTP and gRPC and export their spans to a real Faultline process. A fault in the deepest
 * service must open one incident that names it and the path through the other two.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/correlation/incident.js';
import type { PathHop, Verdict } from '../../src/correlation/verdict.js';
import {
  fetchIncidents,
  fetchVerdict,
  removeConfigDirectory,
  sendRuns,
  setModelFault,
  startFaultline,
  startServices,
  stopProcesses,
  waitFor,
  type RunningFaultline,
  type RunningServices,
} from './harness.js';

const RUNS_PER_PHASE = 20;
/** `incidents.min_traces` in the harness's Faultline config. */
const MIN_TRACES = 3;
const ANALYSIS_TIMEOUT_MS = 15_000;
/** Faultline's and the services' start-up timeouts in the harness, plus a margin. */
const START_TIMEOUT_MS = 75_000;
const FAULTLINE_STOP_GRACE_MS = 10_000;

const EXPECTED_PATH: PathHop[] = [
  { service: 'frontend', system: 'AutoMatrix' },
  { service: 'router', system: 'RelayCore' },
  { service: 'model', system: 'NeuroWeaver' },
];

function summarize(incident: Incident): { service: string; system: string; path: PathHop[] } {
  return { service: incident.rootCause.service, system: incident.rootCause.system, path: incident.propagationPath };
}

/** `outcome:service/system` of the top root cause, or `pending` while there is no verdict. */
function describeVerdict(verdict: Verdict | undefined): string {
  if (verdict === undefined) return 'pending';
  const [top] = verdict.rootCauses;
  return top === undefined ? verdict.outcome : `${verdict.outcome}:${top.service}/${top.system}`;
}

describe('faultline end to end', () => {
  let faultline: RunningFaultline | undefined;
  let services: RunningServices | undefined;

  beforeAll(async () => {
    faultline = await startFaultline();
    services = await startServices(faultline.addresses.grpc);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await stopProcesses([services?.frontend, services?.router, services?.model, faultline?.process]);
    removeConfigDirectory(faultline);
  }, START_TIMEOUT_MS);

  function running(): { faultline: RunningFaultline; services: RunningServices } {
    if (faultline === undefined || services === undefined) throw new Error('beforeAll did not start the processes');
    return { faultline, services };
  }

  it('opens no incident when traffic is healthy', async () => {
    const { faultline: { addresses }, services: { frontendUrl } } = running();

    const runs = await sendRuns(frontendUrl, RUNS_PER_PHASE);
    expect(runs.map((run) => run.statusCode)).toEqual(runs.map(() => 200));

    // Wait until Faultline has analyzed every trace, so "no incident" is a result and not a race.
    const verdicts = await waitFor(
      'verdicts of all healthy traces',
      () => Promise.all(runs.map((run) => fetchVerdict(addresses.status_api, run.traceId))),
      (found) => found.every((verdict) => verdict !== undefined),
      ANALYSIS_TIMEOUT_MS,
    );
    expect(verdicts.map((verdict) => verdict?.outcome)).toEqual(runs.map(() => 'healthy'));
    expect(await fetchIncidents(addresses.status_api)).toEqual([]);
    expect(running().faultline.process.messages('incident opened')).toEqual([]);
  });

  it('opens an incident on the model when the model fails', async () => {
    const { faultline: { addresses, process: faultlineProcess }, services: { frontendUrl, modelAdminUrl } } = running();

    await setModelFault(modelAdminUrl, 'model_crash');
    const runs = await sendRuns(frontendUrl, RUNS_PER_PHASE);
    expect(runs.map((run) => run.statusCode)).toEqual(runs.map(() => 500));

    // Every trace's final verdict must blame the model, including traces whose model spans arrived last.
    const rootCauses = await waitFor(
      'verdicts naming the model as root cause of every failing trace',
      () => Promise.all(runs.map((run) => fetchVerdict(addresses.status_api, run.traceId).then(describeVerdict))),
      (found) => found.every((description) => description === 'failed:model/NeuroWeaver'),
      ANALYSIS_TIMEOUT_MS,
    );
    expect(rootCauses).toEqual(runs.map(() => 'failed:model/NeuroWeaver'));

    const incidents = await waitFor(
      'an incident on the model in /api/v1/incidents',
      () => fetchIncidents(addresses.status_api),
      (found) => found.some((incident) => incident.rootCause.service === 'model'),
      ANALYSIS_TIMEOUT_MS,
    );
    const incident = incidents.find((candidate) => candidate.rootCause.service === 'model');
    expect(incident).toBeDefined();
    expect(incident?.state).toBe('open');
    expect(incident?.rootCause.system).toBe('NeuroWeaver');
    expect(incident?.propagationPath).toEqual(EXPECTED_PATH);
    expect(incident?.failingTraces).toBeGreaterThanOrEqual(MIN_TRACES);

    // Faultline logs "incident opened" twice: the tracker's line, and the incident log's line with the root cause.
    const opened = await waitFor(
      `an "incident opened" log line with the root cause of ${incident?.id ?? 'the incident'}`,
      () => Promise.resolve(faultlineProcess.messages('incident opened').find((line) => line.incidentId === incident?.id && line.rootCause !== undefined)),
      (line) => line !== undefined,
      ANALYSIS_TIMEOUT_MS,
    );
    expect(opened?.rootCause).toMatchObject({ service: 'model', system: 'NeuroWeaver' });
    expect(opened?.path).toEqual(EXPECTED_PATH);
  });

  // A trace released before the model's spans arrive must not leave a second incident behind.
  it('opens no second incident for the fault', async () => {
    const { faultline: { addresses } } = running();

    const incidents = await fetchIncidents(addresses.status_api);

    expect(incidents.filter((incident) => incident.rootCause.service !== 'model').map(summarize)).toEqual([]);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const { faultline: { process: faultlineProcess } } = running();

    const exit = await faultlineProcess.stop(FAULTLINE_STOP_GRACE_MS);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(faultlineProcess.messages('faultline stopped')).toHaveLength(1);
  });
});
