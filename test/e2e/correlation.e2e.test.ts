/**
 * End to end: three services instrumented with the OpenTelemetry Node SDK call each other over
 * HTTP and gRPC and export their spans to a real Faultline process. A fault in the deepest
 * service must open one incident that names it and the path through the other two.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/correlation/incident.js';
import type { PathHop } from '../../src/correlation/verdict.js';
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
const ANALYSIS_TIMEOUT_MS = 15_000;
const START_TIMEOUT_MS = 60_000;
const FAULTLINE_STOP_GRACE_MS = 10_000;

const EXPECTED_PATH: PathHop[] = [
  { service: 'frontend', system: 'AutoMatrix' },
  { service: 'router', system: 'RelayCore' },
  { service: 'model', system: 'NeuroWeaver' },
];

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

    const incidents = await waitFor(
      'an incident in /api/v1/incidents',
      () => fetchIncidents(addresses.status_api),
      (found) => found.length > 0,
      ANALYSIS_TIMEOUT_MS,
    );
    expect(incidents).toHaveLength(1);
    const [incident] = incidents as [Incident];
    expect(incident.state).toBe('open');
    expect(incident.rootCause.service).toBe('model');
    expect(incident.rootCause.system).toBe('NeuroWeaver');
    expect(incident.propagationPath).toEqual(EXPECTED_PATH);
    expect(incident.failingTraces).toBeGreaterThanOrEqual(3);

    const opened = faultlineProcess.messages('incident opened').find((line) => line.rootCause !== undefined);
    expect(opened).toBeDefined();
    expect(opened?.incidentId).toBe(incident.id);
    expect(opened?.rootCause).toMatchObject({ service: 'model', system: 'NeuroWeaver' });
    expect(opened?.path).toEqual(EXPECTED_PATH);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const { faultline: { process: faultlineProcess } } = running();

    const exit = await faultlineProcess.stop(FAULTLINE_STOP_GRACE_MS);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(faultlineProcess.messages('faultline stopped')).toHaveLength(1);
  });
});
