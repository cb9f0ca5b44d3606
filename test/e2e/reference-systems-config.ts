/**
 * Writes the end-to-end tests' Faultline config: the demo's config with its targets, error
 * kinds and policies unchanged, and shorter windows, so a fault round takes seconds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPOSITORY_ROOT } from '../../instrumentation/demo/system-process.js';

export const DEMO_CONFIG_PATH = join(REPOSITORY_ROOT, 'instrumentation/demo/otel-config.demo.yaml');

/**
 * How long recovery watches an incident after a step. Failures of requests that started before
 * the step do not count, so the window only has to cover new requests reaching the fault.
 */
const VERIFY_WINDOW = '2s';

/** Replacements of the demo config's windows; keys as in the YAML. */
const CORRELATION_OVERRIDES = {
  wait_duration: '1s',
  incidents: { window: '10s', min_traces: 3, resolve_after: '8s' },
};
const POLICY_OVERRIDES = {
  verify: { window: VERIFY_WINDOW },
  // Every round hits the same targets again within seconds.
  cooldown: '0s',
  retry: { max_attempts: 3, initial_backoff: '100ms', max_backoff: '500ms' },
};

export class DemoConfigError extends Error {
  override readonly name = 'DemoConfigError';
}

/** Writes the config into `directory` and returns its path. */
export function writeTestConfig(directory: string): string {
  const config = readDemoConfig();
  const correlation = sectionOf(config, ['processors', 'errorcorrelation']);
  Object.assign(correlation, { wait_duration: CORRELATION_OVERRIDES.wait_duration });
  correlation.incidents = { ...(correlation.incidents as Record<string, unknown> | undefined), ...CORRELATION_OVERRIDES.incidents };

  const recovery = sectionOf(config, ['extensions', 'recovery']);
  recovery.max_actions_per_minute = 300;
  const policies = recovery.policies;
  if (!Array.isArray(policies)) throw new DemoConfigError(`${DEMO_CONFIG_PATH} has no extensions.recovery.policies list`);
  for (const policy of policies as Record<string, unknown>[]) Object.assign(policy, POLICY_OVERRIDES);

  const path = join(directory, 'otel-config.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

function readDemoConfig(): Record<string, unknown> {
  const config: unknown = parse(readFileSync(DEMO_CONFIG_PATH, 'utf8'));
  if (typeof config !== 'object' || config === null) throw new DemoConfigError(`${DEMO_CONFIG_PATH} is not a YAML mapping`);
  return config as Record<string, unknown>;
}

function sectionOf(config: Record<string, unknown>, path: string[]): Record<string, unknown> {
  let section: unknown = config;
  for (const key of path) {
    section = (section as Record<string, unknown> | undefined)?.[key];
    if (typeof section !== 'object' || section === null) throw new DemoConfigError(`${DEMO_CONFIG_PATH} has no ${path.join('.')} section`);
  }
  return section as Record<string, unknown>;
}
