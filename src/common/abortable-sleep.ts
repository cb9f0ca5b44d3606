/**
 * Resolves after `durationMs`, or at once when `signal` aborts. The timer is unref'd, so a
 * wait alone does not keep the process running.
 */
export function sleepMs(durationMs: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, durationMs);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}
