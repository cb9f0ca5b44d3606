/**
 * AutoMatrix: runs automation workflows (`POST /runs`) on a pool of workers; each step of a run
 * calls RelayCore over HTTP. It offers `restart_worker`, `retry_failed_runs`, `pause_workflow`
 * and `resume_workflow` on its control endpoint. With fault injection on, `worker_crash`,
 * `step_timeout` and `client_bug` break workers or the RelayCore client.
 *
 * Environment: `PORT` (HTTP API, default 7101), `CONTROL_PORT` (default 50071), `ADMIN_PORT`
 * (default 7201), `RELAYCORE_URL` (default http://127.0.0.1:7102), `STEP_TIMEOUT_MS` (how long
 * a step may take, default 2000), `WORKER_CONCURRENCY` (runs each of the 3 workers runs at once,
 * default 8).
 */
import { readDurationMs, readPositiveInteger } from '../common/system-environment.js';
import { createSystemLogger, effectiveServiceName, runSystem } from '../common/system-process.js';
import { startAutomatrixApi } from './automatrix-api.js';
import { createAutomatrixControls } from './automatrix-controls.js';
import { AutomatrixFaults } from './automatrix-faults.js';
import { RelayCoreClient } from './relaycore-client.js';
import { RunService } from './run-service.js';

const DEFAULT_RELAYCORE_URL = 'http://127.0.0.1:7102';

/** Longer than RelayCore's 1 s deadline to NeuroWeaver, so a slow model fails in RelayCore first. */
const DEFAULT_STEP_TIMEOUT_MS = 2_000;

const DEFAULT_WORKER_CONCURRENCY = 8;

const logger = createSystemLogger(effectiveServiceName('automatrix'));
const relay = new RelayCoreClient(process.env.RELAYCORE_URL || DEFAULT_RELAYCORE_URL);
const runs = new RunService(
  { relay, stepTimeoutMs: readDurationMs(process.env, 'STEP_TIMEOUT_MS', DEFAULT_STEP_TIMEOUT_MS) },
  readPositiveInteger(process.env, 'WORKER_CONCURRENCY', DEFAULT_WORKER_CONCURRENCY),
);

await runSystem(
  {
    system: 'AutoMatrix',
    defaultServiceName: 'automatrix',
    defaultPorts: { api: 7101, control: 50071, admin: 7201 },
    faultInjector: new AutomatrixFaults(runs, relay),
    actions: createAutomatrixControls(runs),
    startApi: (host, port) => startAutomatrixApi({ runs, host, port, logger }),
    stop: () => runs.pool.stop(),
  },
  logger,
);
