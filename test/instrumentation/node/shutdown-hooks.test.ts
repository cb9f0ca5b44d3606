import { describe, expect, it } from 'vitest';
import { onShutdown, runShutdownHooks } from '../../../instrumentation/node/shutdown-hooks.js';

describe('runShutdownHooks', () => {
  it('runs hooks in registration order, each after the previous one', async () => {
    const events: string[] = [];
    onShutdown(async () => {
      events.push('api start');
      await new Promise((resolve) => setImmediate(resolve));
      events.push('api end');
    });
    onShutdown(() => {
      events.push('control');
    });

    const errors = await runShutdownHooks();

    expect(events).toEqual(['api start', 'api end', 'control']);
    expect(errors).toEqual([]);
  });

  it('collects errors and still runs the later hooks', async () => {
    const failure = new Error('server did not close');
    let laterHookRan = false;
    onShutdown(() => {
      throw failure;
    });
    onShutdown(() => {
      laterHookRan = true;
    });

    const errors = await runShutdownHooks();

    expect(errors).toEqual([failure]);
    expect(laterHookRan).toBe(true);
  });

  it('runs each hook once', async () => {
    let runs = 0;
    onShutdown(() => {
      runs += 1;
    });

    await runShutdownHooks();
    await runShutdownHooks();

    expect(runs).toBe(1);
  });
});
