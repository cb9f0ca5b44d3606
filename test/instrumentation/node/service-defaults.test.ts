import { afterEach, describe, expect, it } from 'vitest';
import {
  ServiceDefaultsSettler,
  createBaseResource,
  openServiceDefaults,
  setServiceDefaults,
  settleServiceDefaults,
} from '../../../instrumentation/node/service-defaults.js';
import type { Resource } from '@opentelemetry/resources';

async function settledAttributes(resource: Resource): Promise<Record<string, unknown>> {
  await resource.waitForAsyncAttributes?.();
  return { ...resource.attributes };
}

describe('service defaults', () => {
  afterEach(() => settleServiceDefaults());

  it('sets service.name and service.namespace when called before settling', async () => {
    openServiceDefaults();
    const resource = createBaseResource();

    const accepted = setServiceDefaults({ serviceName: 'relaycore', serviceNamespace: 'RelayCore' });
    const attributes = await settledAttributes(resource);

    expect(accepted).toBe(true);
    expect(attributes['service.name']).toBe('relaycore');
    expect(attributes['service.namespace']).toBe('RelayCore');
  });

  it('waits for the defaults before the resource settles', () => {
    openServiceDefaults();

    const resource = createBaseResource();

    expect(resource.asyncAttributesPending).toBe(true);
  });

  it('keeps the SDK default name when settled without a call', async () => {
    openServiceDefaults();
    const resource = createBaseResource();

    settleServiceDefaults();
    const attributes = await settledAttributes(resource);

    expect(attributes['service.name']).toMatch(/^unknown_service/);
    expect(attributes['service.namespace']).toBeUndefined();
  });

  it('ignores a call after settling', async () => {
    openServiceDefaults();
    const resource = createBaseResource();
    settleServiceDefaults();

    const accepted = setServiceDefaults({ serviceName: 'late' });
    const attributes = await settledAttributes(resource);

    expect(accepted).toBe(false);
    expect(attributes['service.name']).not.toBe('late');
  });

  it('gives each resource a random service.instance.id', async () => {
    openServiceDefaults();
    const first = createBaseResource();
    const second = createBaseResource();
    settleServiceDefaults();

    const ids = [(await settledAttributes(first))['service.instance.id'], (await settledAttributes(second))['service.instance.id']];

    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it.each([
    { name: 'a span ends', trigger: (settler: ServiceDefaultsSettler) => settler.onEnd({} as never) },
    { name: 'the SDK flushes', trigger: (settler: ServiceDefaultsSettler) => void settler.forceFlush() },
    { name: 'the SDK shuts down', trigger: (settler: ServiceDefaultsSettler) => void settler.shutdown() },
  ])('settles when $name', async ({ trigger }) => {
    openServiceDefaults();
    const resource = createBaseResource();

    trigger(new ServiceDefaultsSettler());
    const accepted = setServiceDefaults({ serviceName: 'late' });

    expect(accepted).toBe(false);
    expect((await settledAttributes(resource))['service.name']).toMatch(/^unknown_service/);
  });
});
