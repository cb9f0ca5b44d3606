import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfigFile } from '../../../src/config/faultline-config.js';
import { analyzeTrace } from '../../../src/correlation/analyzer.js';
import type { ErrorKindRule } from '../../../src/correlation/config.js';
import { NO_KNOWN_SERVICES } from '../../../src/correlation/known-services.js';
import { startReceiver, type ReceiverHarness } from '../../support/otlp-receiver-harness.js';
import { clearFaults, injectFault, requestJson, startSystem, STARTUP_TIMEOUT_MS, type SystemProcess } from './system-harness.js';

const DEMO_CONFIG_PATH = fileURLToPath(new URL('../../../instrumentation/demo/otel-config.demo.yaml', import.meta.url));

interface FaultCase {
  fault: string;
  system: 'neuroweaver' | 'relaycore' | 'automatrix';
  target?: string;
  workflow: string;
  /** Spans the failing run's trace has once every service exported its part. */
  spanCount: number;
  rootCause: { service: string; system: string; errorKind: string };
  /** The kind of the span where the failure starts. */
  rootSpanKind: 'server' | 'client' | 'internal';
  path: string[];
}

/**
 * Each fault, run through all three real systems, must produce a trace whose root cause
 * Faultline's analyzer places in the system the fault was injected into, with the error kind
 * the demo config's policies expect.
 */
const CASES: FaultCase[] = [
  {
    fault: 'model_crash',
    system: 'neuroweaver',
    workflow: 'nightly-report',
    spanCount: 8,
    rootCause: { service: 'neuroweaver', system: 'NeuroWeaver', errorKind: 'model_failure' },
    rootSpanKind: 'server',
    path: ['automatrix', 'relaycore', 'neuroweaver'],
  },
  {
    fault: 'slow_model',
    system: 'neuroweaver',
    workflow: 'nightly-report',
    spanCount: 8,
    rootCause: { service: 'neuroweaver', system: 'NeuroWeaver', errorKind: 'timeout' },
    rootSpanKind: 'server',
    path: ['automatrix', 'relaycore', 'neuroweaver'],
  },
  {
    fault: 'provider_outage',
    system: 'relaycore',
    workflow: 'support-ticket',
    spanCount: 6,
    rootCause: { service: 'relaycore', system: 'RelayCore', errorKind: 'unavailable' },
    rootSpanKind: 'internal',
    path: ['automatrix', 'relaycore'],
  },
  {
    fault: 'corrupted_route',
    system: 'relaycore',
    workflow: 'nightly-report',
    spanCount: 5,
    rootCause: { service: 'relaycore', system: 'RelayCore', errorKind: 'routing_error' },
    rootSpanKind: 'internal',
    path: ['automatrix', 'relaycore'],
  },
  {
    fault: 'worker_crash',
    system: 'automatrix',
    target: 'all',
    workflow: 'nightly-report',
    spanCount: 2,
    rootCause: { service: 'automatrix', system: 'AutoMatrix', errorKind: 'worker_crash' },
    rootSpanKind: 'internal',
    path: ['automatrix'],
  },
  {
    fault: 'step_timeout',
    system: 'automatrix',
    workflow: 'nightly-report',
    spanCount: 2,
    rootCause: { service: 'automatrix', system: 'AutoMatrix', errorKind: 'timeout' },
    rootSpanKind: 'internal',
    path: ['automatrix'],
  },
  {
    fault: 'client_bug',
    system: 'automatrix',
    workflow: 'nightly-report',
    spanCount: 4,
    rootCause: { service: 'automatrix', system: 'AutoMatrix', errorKind: 'invalid_request' },
    rootSpanKind: 'client',
    path: ['automatrix'],
  },
];

describe('reference system fault traces', () => {
  let receiver: ReceiverHarness;
  let rules: readonly ErrorKindRule[];
  const systems = new Map<FaultCase['system'], SystemProcess>();

  const admin = (name: FaultCase['system']): string | null => systems.get(name)?.ready.admin ?? null;

  beforeAll(async () => {
    rules = loadConfigFile(DEMO_CONFIG_PATH, {}).errorCorrelation.error_kinds;
    receiver = await startReceiver();
    const telemetry = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://${receiver.grpcAddress}`, OTEL_BSP_SCHEDULE_DELAY: '50' };

    const neuroweaver = await startSystem('neuroweaver', { faultInjection: true, env: { ...telemetry, SLOW_MODEL_DELAY_MS: '1500' } });
    systems.set('neuroweaver', neuroweaver);
    const relaycore = await startSystem('relaycore', { faultInjection: true, env: { ...telemetry, NEUROWEAVER_ADDRESS: neuroweaver.ready.api, NEUROWEAVER_DEADLINE_MS: '400' } });
    systems.set('relaycore', relaycore);
    const automatrix = await startSystem('automatrix', { faultInjection: true, env: { ...telemetry, RELAYCORE_URL: `http://${relaycore.ready.api}`, STEP_TIMEOUT_MS: '1200' } });
    systems.set('automatrix', automatrix);
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    for (const name of ['automatrix', 'relaycore', 'neuroweaver'] as const) expect(await systems.get(name)?.stop()).toBe(0);
    await receiver.receiver.shutdown();
  });

  beforeEach(async () => {
    for (const name of ['automatrix', 'relaycore', 'neuroweaver'] as const) await clearFaults(admin(name));
  });

  it.each(CASES)('blames $rootCause.service for $fault', async (faultCase) => {
    const injected = await injectFault(admin(faultCase.system), faultCase.fault, faultCase.target);
    expect(injected.status).toBe(200);

    const automatrixApi = `http://${systems.get('automatrix')?.ready.api ?? ''}`;
    const submitted = await requestJson(`${automatrixApi}/runs`, 'POST', { workflow: faultCase.workflow });
    const { runId, traceId } = submitted.body as { runId: string; traceId: string };
    const spans = await vi.waitFor(
      () => {
        const found = receiver.sink.spans.filter((span) => span.traceId === traceId);
        if (found.length < faultCase.spanCount) throw new Error(`received ${found.length} of ${faultCase.spanCount} spans of run ${runId}`);
        return found;
      },
      { timeout: 15_000, interval: 50 },
    );

    const verdict = analyzeTrace(spans, { rules, nowMs: Date.now(), knownServices: NO_KNOWN_SERVICES });

    expect(spans).toHaveLength(faultCase.spanCount);
    expect(verdict.outcome).toBe('failed');
    expect(verdict.rootCauses[0]).toMatchObject(faultCase.rootCause);
    expect(verdict.propagationPath.map((hop) => hop.service)).toEqual(faultCase.path);

    const rootSpan = spans.find((span) => span.spanId === verdict.rootCauses[0]?.spanId);
    const parentRole = verdict.failedSpans.find((failed) => failed.spanId === rootSpan?.parentSpanId)?.role;
    expect(rootSpan?.kind).toBe(faultCase.rootSpanKind);
    expect(parentRole).toBe('propagated');
  });
});
