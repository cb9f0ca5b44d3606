import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { DEFAULT_NEVER_ACT_ON, createDefaultRecoveryConfig, parseRecoveryConfig } from '../../src/recovery/config.js';

const directory = mkdtempSync(join(tmpdir(), 'faultline-recovery-config-'));
const caFile = join(directory, 'ca.pem');
writeFileSync(caFile, 'not checked at parse time');

const target = { endpoints: ['127.0.0.1:7000'], tls: { insecure: true } };
const policy = { name: 'restart', steps: [{ action: 'restart_worker', target: 'worker' }] };

function messageOf(input: unknown): string {
  try {
    parseRecoveryConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'no error';
}

describe('parseRecoveryConfig', () => {
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('gives the documented defaults for an empty section', () => {
    const config = createDefaultRecoveryConfig();

    expect(config).toEqual({
      targets: {},
      policies: [],
      max_actions_per_minute: 30,
      dry_run: false,
      never_act_on: [...DEFAULT_NEVER_ACT_ON],
      audit: { path: 'faultline-audit.db' },
      self_tracing: { enabled: false, insecure: false },
    });
    expect(parseRecoveryConfig(undefined)).toEqual(config);
  });

  it('fills target and policy defaults in milliseconds', () => {
    const config = parseRecoveryConfig({ targets: { worker: target }, policies: [policy] });

    expect(config.targets.worker).toEqual({
      endpoints: ['127.0.0.1:7000'],
      tls: { insecure: true },
      timeout: 5000,
      breaker: { failure_threshold: 5, half_open_after: 30_000 },
      health_check_interval: 10_000,
    });
    expect(config.policies[0]).toEqual({
      name: 'restart',
      match: { min_failing_traces: 0 },
      steps: [{ action: 'restart_worker', target: 'worker', component: '', parameters: {} }],
      retry: { max_attempts: 3, initial_backoff: 200, max_backoff: 5000, multiplier: 2 },
      verify: { window: 30_000 },
      cooldown: 300_000,
    });
  });

  it('accepts mutual TLS with existing files', () => {
    const config = parseRecoveryConfig({ targets: { worker: { ...target, tls: { ca_file: caFile, cert_file: caFile, key_file: caFile } } } });

    expect(config.targets.worker?.tls).toEqual({ insecure: false, ca_file: caFile, cert_file: caFile, key_file: caFile });
  });

  it('accepts error_kind as a string or a list', () => {
    const config = parseRecoveryConfig({
      targets: { worker: target },
      policies: [{ ...policy, match: { error_kind: ['timeout', 'unavailable'] } }, { ...policy, name: 'other', match: { error_kind: 'timeout' } }],
    });

    expect(config.policies.map((entry) => entry.match.error_kind)).toEqual([['timeout', 'unavailable'], 'timeout']);
  });

  it.each([
    ['an unknown top-level key', { retries: 3 }, 'unknown key extensions.recovery.retries'],
    ['an unknown target key', { targets: { worker: { ...target, port: 1 } } }, 'unknown key extensions.recovery.targets.worker.port'],
    ['a step naming no target', { targets: { worker: target }, policies: [{ ...policy, steps: [{ action: 'restart_worker', target: 'relay' }] }] }, 'extensions.recovery.policies.0.steps.0.target must name a target under extensions.recovery.targets, got "relay"'],
    ['no endpoints', { targets: { worker: { ...target, endpoints: [] } } }, 'extensions.recovery.targets.worker.endpoints must list at least one host:port'],
    ['an endpoint without a port', { targets: { worker: { ...target, endpoints: ['localhost'] } } }, 'extensions.recovery.targets.worker.endpoints.0 must be host:port'],
    ['no TLS choice', { targets: { worker: { ...target, tls: {} } } }, 'extensions.recovery.targets.worker.tls must set either insecure: true or ca_file'],
    ['insecure with a CA file', { targets: { worker: { ...target, tls: { insecure: true, ca_file: caFile } } } }, 'must not set insecure: true together with ca_file'],
    ['a missing CA file', { targets: { worker: { ...target, tls: { ca_file: join(directory, 'missing.pem') } } } }, `extensions.recovery.targets.worker.tls.ca_file must name an existing file, got "${join(directory, 'missing.pem')}"`],
    ['a certificate without a key', { targets: { worker: { ...target, tls: { ca_file: caFile, cert_file: caFile } } } }, 'must set cert_file and key_file together'],
    ['a negative timeout', { targets: { worker: { ...target, timeout: '-1s' } } }, 'extensions.recovery.targets.worker.timeout must be a positive duration such as "2s", got "-1s"'],
    ['a zero failure threshold', { targets: { worker: { ...target, breaker: { failure_threshold: 0 } } } }, 'extensions.recovery.targets.worker.breaker.failure_threshold must be a positive integer, got 0'],
    ['a policy without steps', { policies: [{ name: 'restart', steps: [] }] }, 'extensions.recovery.policies.0.steps must list at least one step'],
    ['duplicate policy names', { targets: { worker: target }, policies: [policy, policy] }, 'extensions.recovery.policies.1.name must be unique, got "restart" twice'],
    ['a numeric parameter', { targets: { worker: target }, policies: [{ ...policy, steps: [{ action: 'restart_worker', target: 'worker', parameters: { grace: 5 } }] }] }, 'extensions.recovery.policies.0.steps.0.parameters.grace must be a string (quote numbers and booleans), got 5'],
    ['a multiplier below 1', { targets: { worker: target }, policies: [{ ...policy, retry: { multiplier: 0.5 } }] }, 'extensions.recovery.policies.0.retry.multiplier must be a number of 1 or more, got 0.5'],
    ['zero max actions', { max_actions_per_minute: 0 }, 'extensions.recovery.max_actions_per_minute must be a positive integer, got 0'],
    ['tracing without an endpoint', { self_tracing: { enabled: true } }, 'extensions.recovery.self_tracing must set endpoint when enabled is true'],
  ])('rejects %s', (_case, input, expected) => {
    expect(messageOf(input)).toContain(expected);
  });

  it('allows zero to disable health checks and cooldown', () => {
    const config = parseRecoveryConfig({ targets: { worker: { ...target, health_check_interval: '0s' } }, policies: [{ ...policy, cooldown: '0s' }] });

    expect(config.targets.worker?.health_check_interval).toBe(0);
    expect(config.policies[0]?.cooldown).toBe(0);
  });
});
