/** The serving copy of a model crashed, so every call fails until the model is switched or restarted. */
export class ModelCrashError extends Error {
  constructor(copyName: string, reason: string) {
    super(`model ${copyName} crashed: ${reason}`);
    this.name = 'ModelCrashError';
  }
}

/** Inference did not finish before the caller's deadline, or the caller cancelled the call. */
export class ModelTimeoutError extends Error {
  constructor(copyName: string, elapsedMs: number) {
    super(`model ${copyName} timed out: inference still running after ${elapsedMs} ms when the call's deadline passed`);
    this.name = 'ModelTimeoutError';
  }
}

/** A request named a model this server does not serve. */
export class UnknownModelError extends Error {
  constructor(model: string, known: readonly string[]) {
    super(`unknown model ${JSON.stringify(model)}; this server serves ${known.join(', ')}`);
    this.name = 'UnknownModelError';
  }
}
