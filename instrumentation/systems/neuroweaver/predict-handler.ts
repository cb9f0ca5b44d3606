import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { trace, type Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { recordError } from '../../node/record-error.js';
import { ModelCrashError, ModelTimeoutError, UnknownModelError } from './model-errors.js';
import type { ModelCopy, ModelRegistry } from './model-registry.js';
import type { PredictRequest, PredictResponse } from './model-service-proto.js';

/**
 * The `Predict` handler. It runs inside the gRPC server span that the OpenTelemetry gRPC
 * instrumentation opens for the call, so a model error is recorded on that span: the failure
 * starts in NeuroWeaver's server span, under RelayCore's client span.
 */

/** The latency of a healthy copy's inference. */
const INFERENCE_LATENCY_MS = 5;

/** An error with the gRPC status code the call ends with. */
type StatusError = Error & { code: grpc.status; details: string };

export function createPredictHandler(registry: ModelRegistry, logger: Logger): grpc.handleUnaryCall<PredictRequest, PredictResponse> {
  return (call, callback) => {
    predict(registry, call).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const statusError = toStatusError(error);
        logger.debug({ err: statusError, model: call.request.model }, 'predict failed');
        callback(statusError);
      },
    );
  };
}

async function predict(registry: ModelRegistry, call: grpc.ServerUnaryCall<PredictRequest, PredictResponse>): Promise<PredictResponse> {
  const span = trace.getActiveSpan();
  const { model: modelName, prompt } = call.request;
  const model = registry.find(modelName);
  if (model === undefined) throw withCode(new UnknownModelError(modelName, registry.names()), grpc.status.NOT_FOUND);

  const copy = registry.servingCopy(model);
  span?.setAttributes({ 'neuroweaver.model': model.name, 'neuroweaver.model.copy': copy.name });
  try {
    const output = await runInference(copy, prompt, call);
    return { model: model.name, servedBy: copy.name, output };
  } catch (error) {
    if (span !== undefined) recordModelError(span, error);
    throw error;
  }
}

async function runInference(copy: ModelCopy, prompt: string, call: grpc.ServerUnaryCall<PredictRequest, PredictResponse>): Promise<string> {
  const condition = copy.condition;
  if (condition.kind === 'crashed') throw withCode(new ModelCrashError(copy.name, condition.reason), grpc.status.INTERNAL);

  const latencyMs = condition.kind === 'slow' ? condition.delayMs : INFERENCE_LATENCY_MS;
  const startedMs = Date.now();
  const finished = await waitUnlessCancelled(latencyMs, call);
  if (!finished) throw withCode(new ModelTimeoutError(copy.name, Date.now() - startedMs), grpc.status.DEADLINE_EXCEEDED);

  return `${copy.name} completed a prompt of ${prompt.length} characters`;
}

/** Waits `durationMs`, or resolves false early when the call is cancelled, which also happens when its deadline passes. */
async function waitUnlessCancelled(durationMs: number, call: grpc.ServerUnaryCall<PredictRequest, PredictResponse>): Promise<boolean> {
  if (call.cancelled) return false;

  const abort = new AbortController();
  const onCancelled = (): void => abort.abort();
  call.once('cancelled', onCancelled);
  try {
    await delay(durationMs, undefined, { signal: abort.signal });
    return true;
  } catch {
    return false;
  } finally {
    call.off('cancelled', onCancelled);
  }
}

/** Records a model error on the span. An unknown model is the caller's mistake, so it does not mark the span failed. */
function recordModelError(span: Span, error: unknown): void {
  if (error instanceof ModelCrashError || error instanceof ModelTimeoutError) recordError(span, error);
}

function withCode(error: Error, code: grpc.status): StatusError {
  return Object.assign(error, { code, details: error.message });
}

function toStatusError(error: unknown): StatusError {
  if (error instanceof Error && 'code' in error && typeof error.code === 'number') return error as StatusError;
  return withCode(new Error(`predict failed: ${String(error)}`, { cause: error }), grpc.status.INTERNAL);
}
