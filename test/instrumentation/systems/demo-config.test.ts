import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/faultline-config.js';
import type { Incident } from '../../../src/correlation/incident.js';
import { findMatchingPolicy } from '../../../src/recovery/policy-matcher.js';
import { createAutomatrixControls } from '../../../instrumentation/systems/automatrix/automatrix-controls.js';
import { RelayCoreClient } from '../../../instrumentation/systems/automatrix/relaycore-client.js';
import { RunService } from '../../../instrumentation/systems/automatrix/run-service.js';
import { createModelControls } from '../../../instrumentation/systems/neuroweaver/model-controls.js';
import { ModelRegistry } from '../../../instrumentation/systems/neuroweaver/model-registry.js';
import { ProviderRegistry } from '../../../instrumentation/systems/relaycore/provider-registry.js';
import { createRelayControls } from '../../../instrumentation/systems/relaycore/relay-controls.js';
import { RoutingTable } from '../../../instrumentation/systems/relaycore/routing-table.js';

const DEMO_CONFIG_PATH = fileURLToPath(new URL('../../../instrumentation/demo/otel-config.demo.yaml', import.meta.url));

function incidentOf(system: string, service: string, errorKind: string): Incident {
  return {
    id: 'inc-1',
    key: `${system}/${service}/${errorKind}`,
    state: 'open',
    rootCause: { service, system, errorKind, operations: [] },
    fingerprints: [],
    propagationPath: [],
    openedAtMs: 0,
    lastSeenAtMs: 0,
    resolvedAtMs: undefined,
    failingTraces: 3,
    errorRatio: 1,
    sampleTraceIds: [],
  };
}

/** Lists the actions each system declares, keyed by the recovery target name the demo config gives it. */
function declaredActions(): Map<string, string[]> {
  const names = (actions: { name: string }[]): string[] => actions.map((action) => action.name);
  const router = { routes: new RoutingTable({}), providers: new ProviderRegistry([]) };
  return new Map([
    ['neuroweaver', names(createModelControls(new ModelRegistry(['gpt-small'])))],
    ['relaycore', names(createRelayControls(router))],
    ['automatrix', names(createAutomatrixControls(new RunService({ relay: new RelayCoreClient('http://127.0.0.1:1'), stepTimeoutMs: 1_000 }, 1)))],
  ]);
}

describe('demo config', () => {
  it('loads with the default addresses', () => {
    const config = loadConfigFile(DEMO_CONFIG_PATH, {});

    expect(config.receiver.protocols.grpc?.endpoint).toBe('127.0.0.1:4317');
    expect(config.receiver.protocols.http?.endpoint).toBe('127.0.0.1:4318');
    expect(config.statusApi?.endpoint).toBe('127.0.0.1:4319');
    expect(config.recovery?.audit.path).toBe('faultline-demo-audit.db');
    expect(config.recovery?.targets.automatrix?.endpoints).toEqual(['127.0.0.1:50071']);
    expect(config.recovery?.targets.relaycore?.endpoints).toEqual(['127.0.0.1:50072']);
    expect(config.recovery?.targets.neuroweaver?.endpoints).toEqual(['127.0.0.1:50073']);
  });

  it('takes every address from the environment', () => {
    const config = loadConfigFile(DEMO_CONFIG_PATH, {
      FAULTLINE_OTLP_GRPC_ENDPOINT: '127.0.0.1:14317',
      FAULTLINE_OTLP_HTTP_ENDPOINT: '127.0.0.1:14318',
      FAULTLINE_STATUS_API_ENDPOINT: '127.0.0.1:14319',
      AUTOMATRIX_CONTROL_ENDPOINT: '127.0.0.1:15001',
      RELAYCORE_CONTROL_ENDPOINT: '127.0.0.1:15002',
      NEUROWEAVER_CONTROL_ENDPOINT: '127.0.0.1:15003',
      FAULTLINE_AUDIT_PATH: '/tmp/demo-audit.db',
    });

    expect(config.receiver.protocols.grpc?.endpoint).toBe('127.0.0.1:14317');
    expect(config.receiver.protocols.http?.endpoint).toBe('127.0.0.1:14318');
    expect(config.statusApi?.endpoint).toBe('127.0.0.1:14319');
    expect(config.recovery?.targets.automatrix?.endpoints).toEqual(['127.0.0.1:15001']);
    expect(config.recovery?.targets.relaycore?.endpoints).toEqual(['127.0.0.1:15002']);
    expect(config.recovery?.targets.neuroweaver?.endpoints).toEqual(['127.0.0.1:15003']);
    expect(config.recovery?.audit.path).toBe('/tmp/demo-audit.db');
  });

  it.each([
    { system: 'NeuroWeaver', service: 'neuroweaver', errorKind: 'model_failure', actions: ['switch_model', 'restart_model'] },
    { system: 'NeuroWeaver', service: 'neuroweaver', errorKind: 'timeout', actions: ['switch_model', 'restart_model'] },
    { system: 'RelayCore', service: 'relaycore', errorKind: 'unavailable', actions: ['reroute', 'reset_circuit'] },
    { system: 'RelayCore', service: 'relaycore', errorKind: 'routing_error', actions: ['reroute', 'reset_circuit'] },
    { system: 'AutoMatrix', service: 'automatrix', errorKind: 'worker_crash', actions: ['restart_worker', 'retry_failed_runs'] },
    { system: 'AutoMatrix', service: 'automatrix', errorKind: 'timeout', actions: ['restart_worker', 'retry_failed_runs'] },
  ])('repairs $system $errorKind with $actions', ({ system, service, errorKind, actions }) => {
    const policies = loadConfigFile(DEMO_CONFIG_PATH, {}).recovery?.policies ?? [];

    const policy = findMatchingPolicy(policies, incidentOf(system, service, errorKind));

    expect(policy?.steps.map((step) => step.action)).toEqual(actions);
  });

  it('never acts on invalid_request', () => {
    const recovery = loadConfigFile(DEMO_CONFIG_PATH, {}).recovery;

    expect(recovery?.never_act_on).toContain('invalid_request');
  });

  it('names only actions the target declares', () => {
    const policies = loadConfigFile(DEMO_CONFIG_PATH, {}).recovery?.policies ?? [];
    const declared = declaredActions();

    for (const step of policies.flatMap((policy) => policy.steps)) {
      expect(declared.get(step.target), `${step.target} ${step.action}`).toContain(step.action);
    }
  });

  it('keeps each cooldown shorter than its verify window', () => {
    const policies = loadConfigFile(DEMO_CONFIG_PATH, {}).recovery?.policies ?? [];

    for (const policy of policies) expect(policy.cooldown, policy.name).toBeLessThan(policy.verify.window);
  });
});
