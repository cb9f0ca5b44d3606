/**
 * Functions a service registers to close its servers when the process receives SIGTERM or
 * SIGINT. The telemetry bootstrap runs them before it flushes spans, so spans of the last
 * requests are exported too.
 */

/** Closes something the service owns, such as a server; may be async. */
export type ShutdownHook = () => Promise<void> | void;

const hooks: ShutdownHook[] = [];

/** Registers `hook` to run on SIGTERM or SIGINT, after the hooks registered before it. */
export function onShutdown(hook: ShutdownHook): void {
  hooks.push(hook);
}

/**
 * Runs every registered hook in registration order, each after the previous one settled.
 * Returns the errors of the hooks that threw; a failing hook does not stop the others.
 */
export async function runShutdownHooks(): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const hook of hooks.splice(0)) {
    try {
      await hook();
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}
