import { FaultRejectedError, type ActiveFault, type FaultInjector } from '../common/fault-injector.js';
import type { ModelRegistry } from './model-registry.js';

/**
 * NeuroWeaver's faults. Each breaks the copy of a model that serves at the time, so switching
 * to the backup or restarting the model ends it:
 * - `model_crash`: every call fails with ModelCrashError (CUDA out of memory);
 * - `slow_model`: inference takes `slowModelDelayMs`, longer than RelayCore's deadline.
 */

export const NEUROWEAVER_FAULTS = ['model_crash', 'slow_model'] as const;

/** The model a fault breaks when the request names none. */
export const DEFAULT_FAULT_MODEL = 'gpt-small';

const CRASH_REASON = 'CUDA out of memory';

export class ModelFaults implements FaultInjector {
  readonly faultNames: readonly string[] = NEUROWEAVER_FAULTS;
  readonly #registry: ModelRegistry;
  readonly #slowModelDelayMs: number;

  constructor(registry: ModelRegistry, slowModelDelayMs: number) {
    this.#registry = registry;
    this.#slowModelDelayMs = slowModelDelayMs;
  }

  inject(fault: string, target: string | undefined): ActiveFault {
    const modelName = target ?? DEFAULT_FAULT_MODEL;
    const model = this.#registry.find(modelName);
    if (model === undefined) {
      throw new FaultRejectedError(`target must be a model, one of ${this.#registry.names().join(', ')}, got ${JSON.stringify(modelName)}`);
    }

    if (fault === 'model_crash') this.#registry.breakServingCopy(model, { kind: 'crashed', reason: CRASH_REASON });
    else this.#registry.breakServingCopy(model, { kind: 'slow', delayMs: this.#slowModelDelayMs });
    return { fault, target: modelName };
  }

  clearAll(): void {
    for (const name of this.#registry.names()) {
      const model = this.#registry.find(name);
      if (model !== undefined) this.#registry.restart(model);
    }
  }

  list(): ActiveFault[] {
    return this.#registry.listFaults();
  }
}
