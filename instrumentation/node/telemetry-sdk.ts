import type { IncomingMessage } from 'node:http';
import { getStringFromEnv } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ServiceDefaultsSettler, createBaseResource, openServiceDefaults } from './service-defaults.js';
import { runShutdownHooks } from './shutdown-hooks.js';

/**
 * Starts the OpenTelemetry Node SDK for a service: traces over OTLP/gRPC, HTTP and gRPC
 * instrumentation, W3C trace context, and a shutdown on SIGTERM or SIGINT that closes the
 * service's servers, flushes spans and exits.
 *
 * Settings come from the standard variables. Besides those the SDK reads itself
 * (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, `OTEL_PROPAGATORS`,
 * `OTEL_SDK_DISABLED`, ...), this file applies:
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: default
 *   http://127.0.0.1:4317, where Faultline's receiver listens by default;
 * - `OTEL_TRACES_EXPORTER`: `otlp` (default, always gRPC), `console` or `none`;
 * - `OTEL_BSP_*`: the batch span processor settings. The schedule delay defaults to 500 ms
 *   instead of the SDK's 5 s, so spans reach Faultline within a second;
 * - `OTEL_METRICS_EXPORTER` / `OTEL_LOGS_EXPORTER`: metrics and logs are off unless set, because
 *   Faultline receives only traces.
 */

/** The trace endpoint when no `OTEL_EXPORTER_OTLP_*ENDPOINT` variable is set. */
const DEFAULT_OTLP_ENDPOINT = 'http://127.0.0.1:4317';

/** The batch schedule delay unless `OTEL_BSP_SCHEDULE_DELAY` is set. */
const DEFAULT_SCHEDULE_DELAY_MS = 500;

/** How long a SIGTERM or SIGINT shutdown may take before the process exits anyway, with status 1. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * gRPC methods that are not traced: health checks, which Faultline and orchestrators send every
 * few seconds and which would otherwise fill Faultline with one trace each.
 */
// NOTE: the gRPC instrumentation matches the method name alone, so a `Check` or `Watch` method of
// any other service is not traced either.
const UNTRACED_GRPC_METHODS = ['Check', 'Watch'];

/**
 * Incoming HTTP paths that are not traced: the fault-injection endpoint of the reference
 * systems, whose calls are test controls rather than traffic and would dilute error ratios.
 */
const UNTRACED_HTTP_PATHS = new Set(['/faults']);

function isUntracedRequest(request: IncomingMessage): boolean {
  const path = (request.url ?? '').split('?', 1)[0] ?? '';
  return UNTRACED_HTTP_PATHS.has(path);
}

/** Starts the SDK and installs the signal handlers. Call it once, before the service's modules load. */
export function startTelemetry(): NodeSDK {
  openServiceDefaults();
  const sdk = new NodeSDK({
    resource: createBaseResource(),
    spanProcessors: [new ServiceDefaultsSettler(), ...createSpanProcessors()],
    ...(getStringFromEnv('OTEL_METRICS_EXPORTER') === undefined ? { metricReaders: [] } : {}),
    ...(getStringFromEnv('OTEL_LOGS_EXPORTER') === undefined ? { logRecordProcessors: [] } : {}),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: isUntracedRequest }),
      new GrpcInstrumentation({ ignoreGrpcMethods: UNTRACED_GRPC_METHODS }),
    ],
  });
  sdk.start();

  installShutdown(sdk);
  return sdk;
}

function createSpanProcessors(): SpanProcessor[] {
  const exporters = getStringFromEnv('OTEL_TRACES_EXPORTER')?.split(',').map((name) => name.trim()) ?? ['otlp'];
  if (exporters.includes('none')) return [];

  const processors: SpanProcessor[] = [];
  for (const name of new Set(exporters)) {
    if (name === 'console') {
      processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
    } else {
      if (name !== 'otlp') console.error(`OTEL_TRACES_EXPORTER value "${name}" is not supported; using otlp`);
      processors.push(createOtlpProcessor());
    }
  }
  return processors;
}

function createOtlpProcessor(): SpanProcessor {
  warnAboutProtocol();
  const endpointSet = getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined || getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined;
  const exporter = new OTLPTraceExporter(endpointSet ? {} : { url: DEFAULT_OTLP_ENDPOINT });
  // BatchSpanProcessor reads every OTEL_BSP_* variable for a setting not given here.
  const scheduleDelaySet = getStringFromEnv('OTEL_BSP_SCHEDULE_DELAY') !== undefined;
  return new BatchSpanProcessor(exporter, scheduleDelaySet ? {} : { scheduledDelayMillis: DEFAULT_SCHEDULE_DELAY_MS });
}

function warnAboutProtocol(): void {
  const protocol = getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && protocol !== 'grpc') {
    console.error(`OTLP protocol "${protocol}" is not supported by this bootstrap; exporting traces over grpc`);
  }
}

/**
 * Installs the stop sequence for SIGTERM and SIGINT (shutdown hooks, then a span flush, then exit),
 * and a flush when the process runs out of work by itself. A second signal exits at once.
 */
function installShutdown(sdk: NodeSDK): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`received ${signal} again during shutdown; exiting now`);
      process.exit(1);
    }
    stopping = true;
    const deadline = setTimeout(() => {
      console.error(`shutdown did not finish within ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    void shutDown(sdk).then((exitCode) => process.exit(exitCode));
  };

  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.once('beforeExit', () => {
    if (!stopping) void flushSpans(sdk);
  });
}

/** Runs the shutdown hooks, then flushes spans; returns the exit code: 1 when a hook failed. */
async function shutDown(sdk: NodeSDK): Promise<number> {
  const hookErrors = await runShutdownHooks();
  for (const error of hookErrors) console.error('shutdown hook failed:', error);

  await flushSpans(sdk);
  return hookErrors.length === 0 ? 0 : 1;
}

/** Shuts the SDK down, which exports the spans still queued. An export failure is printed, not raised. */
async function flushSpans(sdk: NodeSDK): Promise<void> {
  try {
    await sdk.shutdown();
  } catch (error) {
    console.error('telemetry shutdown failed; spans still queued may be lost:', error);
  }
}
