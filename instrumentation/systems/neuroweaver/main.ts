/**
 * NeuroWeaver: serves models over gRPC (`neuroweaver.v1.ModelService/Predict`), each model with a
 * backup copy, and offers `switch_model` and `restart_model` on its control endpoint. With fault
 * injection on, `model_crash` and `slow_model` break the copy of a model that serves.
 *
 * Environment: `PORT` (gRPC API, default 7103), `CONTROL_PORT` (default 50073), `ADMIN_PORT`
 * (default 7203), `SLOW_MODEL_DELAY_MS` (inference time of a slow model, default 3000).
 */
import * as grpc from '@grpc/grpc-js';
import { bindGrpc, shutdownGrpc } from '../common/listen.js';
import { readDurationMs } from '../common/system-environment.js';
import { createSystemLogger, effectiveServiceName, runSystem } from '../common/system-process.js';
import { createModelControls } from './model-controls.js';
import { ModelFaults } from './model-faults.js';
import { ModelRegistry } from './model-registry.js';
import { loadModelService } from './model-service-proto.js';
import { createPredictHandler } from './predict-handler.js';

/** The models served, each with a `<name>-backup` copy. */
const MODEL_NAMES = ['gpt-small', 'embed-base'];

/** Longer than RelayCore's 1 s deadline, so a slow model makes its calls time out. */
const DEFAULT_SLOW_MODEL_DELAY_MS = 3_000;

/** How long running calls may finish at shutdown before they are cancelled. */
const SHUTDOWN_GRACE_MS = 2_000;

const logger = createSystemLogger(effectiveServiceName('neuroweaver'));
const registry = new ModelRegistry(MODEL_NAMES);
const slowModelDelayMs = readDurationMs(process.env, 'SLOW_MODEL_DELAY_MS', DEFAULT_SLOW_MODEL_DELAY_MS);

await runSystem(
  {
    system: 'NeuroWeaver',
    defaultServiceName: 'neuroweaver',
    defaultPorts: { api: 7103, control: 50073, admin: 7203 },
    faultInjector: new ModelFaults(registry, slowModelDelayMs),
    actions: createModelControls(registry),
    startApi: async (host, port) => {
      const server = new grpc.Server();
      server.addService(loadModelService().definition, { Predict: createPredictHandler(registry, logger) });
      const address = await bindGrpc(server, host, port);
      return { address, close: () => shutdownGrpc(server, SHUTDOWN_GRACE_MS) };
    },
  },
  logger,
);
