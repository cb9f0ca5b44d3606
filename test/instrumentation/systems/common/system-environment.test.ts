import { describe, expect, it } from 'vitest';
import { effectiveServiceName } from '../../../../instrumentation/systems/common/system-process.js';
import { InvalidEnvironmentError, readDurationMs, readSystemEnvironment } from '../../../../instrumentation/systems/common/system-environment.js';

const DEFAULTS = { api: 7101, control: 50071, admin: 7201 };

describe('readSystemEnvironment', () => {
  it('uses the defaults when nothing is set', () => {
    expect(readSystemEnvironment(DEFAULTS, {}, ['node', 'main.ts'])).toEqual({ apiPort: 7101, controlPort: 50071, adminPort: 7201, faultInjection: false });
  });

  it('reads ports from the environment', () => {
    const environment = readSystemEnvironment(DEFAULTS, { PORT: '0', CONTROL_PORT: '9000', ADMIN_PORT: '9001' }, []);

    expect(environment).toMatchObject({ apiPort: 0, controlPort: 9000, adminPort: 9001 });
  });

  it.each([
    { name: 'flag', env: {}, argv: ['node', 'main.ts', '--enable-fault-injection'], expected: true },
    { name: 'FAULT_INJECTION=1', env: { FAULT_INJECTION: '1' }, argv: [], expected: true },
    { name: 'FAULT_INJECTION=true', env: { FAULT_INJECTION: 'true' }, argv: [], expected: false },
    { name: 'neither', env: {}, argv: ['node', 'main.ts'], expected: false },
  ])('turns fault injection on by $name: $expected', ({ env, argv, expected }) => {
    expect(readSystemEnvironment(DEFAULTS, env, argv).faultInjection).toBe(expected);
  });

  it.each(['-1', '65536', '80.5', 'http'])('rejects PORT=%s', (value) => {
    expect(() => readSystemEnvironment(DEFAULTS, { PORT: value }, [])).toThrow(new InvalidEnvironmentError('PORT', 'must be a port from 0 to 65535', value));
  });
});

describe('readDurationMs', () => {
  it.each([
    { value: undefined, expected: 2000 },
    { value: '', expected: 2000 },
    { value: '300', expected: 300 },
  ])('reads $value as $expected', ({ value, expected }) => {
    expect(readDurationMs(value === undefined ? {} : { STEP_TIMEOUT_MS: value }, 'STEP_TIMEOUT_MS', 2000)).toBe(expected);
  });

  it.each(['0', '-5', '1.5', '2s'])('rejects %s', (value) => {
    expect(() => readDurationMs({ STEP_TIMEOUT_MS: value }, 'STEP_TIMEOUT_MS', 2000)).toThrow('STEP_TIMEOUT_MS must be a positive integer of milliseconds');
  });
});

describe('effectiveServiceName', () => {
  it.each([
    { name: 'the default', env: {}, expected: 'relaycore' },
    { name: 'OTEL_SERVICE_NAME', env: { OTEL_SERVICE_NAME: 'router-7', OTEL_RESOURCE_ATTRIBUTES: 'service.name=other' }, expected: 'router-7' },
    { name: 'OTEL_RESOURCE_ATTRIBUTES', env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=demo, service.name=router%20eu' }, expected: 'router eu' },
  ])('takes $name', ({ env, expected }) => {
    expect(effectiveServiceName('relaycore', env)).toBe(expected);
  });
});
