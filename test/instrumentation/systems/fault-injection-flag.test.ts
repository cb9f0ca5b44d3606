import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, startSystem, STARTUP_TIMEOUT_MS, type SystemName, type SystemProcess } from './system-harness.js';

const SYSTEMS: { name: SystemName; system: string }[] = [
  { name: 'neuroweaver', system: 'NeuroWeaver' },
  { name: 'relaycore', system: 'RelayCore' },
  { name: 'automatrix', system: 'AutoMatrix' },
];

describe('fault injection flag', () => {
  const started = new Map<SystemName, { process: SystemProcess; adminPort: number }>();

  beforeAll(async () => {
    // Downstream addresses point at a closed port; only the admin port matters here.
    const env = { NEUROWEAVER_ADDRESS: '127.0.0.1:1', RELAYCORE_URL: 'http://127.0.0.1:1' };
    await Promise.all(
      SYSTEMS.map(async ({ name }) => {
        const adminPort = await findFreePort();
        started.set(name, { process: await startSystem(name, { env: { ...env, ADMIN_PORT: String(adminPort) } }), adminPort });
      }),
    );
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    for (const { process } of started.values()) expect(await process.stop()).toBe(0);
  });

  it.each(SYSTEMS)('keeps the $system admin port closed', async ({ name, system }) => {
    const entry = started.get(name);

    expect(entry?.process.ready).toMatchObject({ system, admin: null });
    await expect(fetch(`http://127.0.0.1:${entry?.adminPort ?? 0}/faults`)).rejects.toThrow();
  });
});
