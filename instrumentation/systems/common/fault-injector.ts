/** A fault that is switched on, as `GET /faults` lists it. */
export interface ActiveFault {
  /** The fault name, for example `model_crash`. */
  fault: string;
  /** The model, provider or worker the fault applies to. */
  target: string;
}

/** A fault request naming an unknown fault or target; the admin server responds 400 with its message. */
export class FaultRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultRejectedError';
  }
}

/**
 * Switches a system's faults on and off. Each system implements it over its own state,
 * because a fault changes how that state behaves and recovery actions may clear it.
 */
export interface FaultInjector {
  /** The fault names this system accepts. */
  readonly faultNames: readonly string[];
  /**
   * Switches a fault on, on `target` or on the fault's default target when it is undefined, and
   * returns what was switched on. Throws FaultRejectedError for an unknown fault or target.
   */
  inject(fault: string, target: string | undefined): ActiveFault;
  /**
   * Switches every fault off and returns the system to its start state, undoing what faults and
   * recovery actions changed, so the next fault starts from the same baseline. Runs, traces and
   * counters are kept.
   */
  clearAll(): void;
  /** Lists the faults that are on. */
  list(): ActiveFault[];
}
