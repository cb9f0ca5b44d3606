/** The worker that ran the step has crashed; its steps fail until it is restarted. */
export class WorkerCrashedError extends Error {
  constructor(worker: string, step: string) {
    super(`worker ${worker} crashed before step ${step} could run`);
    this.name = 'WorkerCrashedError';
  }
}

/** A step did not finish within the step timeout. */
export class StepTimeoutError extends Error {
  constructor(step: string, timeoutMs: number) {
    super(`step ${step} timed out after ${timeoutMs} ms`);
    this.name = 'StepTimeoutError';
  }
}

/** RelayCore responded with an error status, or could not be reached. */
export class RelayCoreError extends Error {
  constructor(
    message: string,
    /** The HTTP status RelayCore responded with; 0 when no response arrived. */
    readonly statusCode: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RelayCoreError';
  }
}

/** A step of the run failed, so the run failed. */
export class RunFailedError extends Error {
  constructor(step: string, cause: unknown) {
    super(`step ${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RunFailedError';
  }
}
