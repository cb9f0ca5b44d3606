import type { ActiveFault } from '../common/fault-injector.js';

/**
 * The models NeuroWeaver serves. Each model has two copies, the model itself (the primary) and
 * its backup, and serves one of them at a time. Faults break the copy that is serving.
 * `switchCopy` moves traffic to the other copy, and `restart` reloads both copies.
 */

/**
 * The behaviour of one copy of a model:
 * - `healthy`: inference returns after a short, fixed latency;
 * - `crashed`: every call fails with ModelCrashError giving `reason`;
 * - `slow`: inference takes `delayMs`, longer than callers wait.
 */
export type CopyCondition = { kind: 'healthy' } | { kind: 'crashed'; reason: string } | { kind: 'slow'; delayMs: number };

export interface ModelCopy {
  /** The copy's name: the model name for the primary, `<model>-backup` for the backup. */
  readonly name: string;
  condition: CopyCondition;
}

/** The copy of a model that serves requests. */
export type ServingCopy = 'primary' | 'backup';

export interface ServedModel {
  readonly name: string;
  readonly primary: ModelCopy;
  readonly backup: ModelCopy;
  serving: ServingCopy;
}

/**
 * The outcome of switching a model:
 * - `switched`: the other copy serves from now on;
 * - `already_switched`: the serving copy is healthy, and it is the backup or the caller did not ask for the backup;
 * - `no_healthy_copy`: both copies are crashed or slow, so only a restart helps.
 */
export type SwitchResult = 'switched' | 'already_switched' | 'no_healthy_copy';

const HEALTHY: CopyCondition = { kind: 'healthy' };

export class ModelRegistry {
  readonly #models = new Map<string, ServedModel>();

  constructor(modelNames: readonly string[]) {
    for (const name of modelNames) {
      this.#models.set(name, { name, primary: { name, condition: HEALTHY }, backup: { name: `${name}-backup`, condition: HEALTHY }, serving: 'primary' });
    }
  }

  /** The model names, in the order given to the constructor. */
  names(): string[] {
    return [...this.#models.keys()];
  }

  find(name: string): ServedModel | undefined {
    return this.#models.get(name);
  }

  /** Returns the copy that serves `model` now. */
  servingCopy(model: ServedModel): ModelCopy {
    return model.serving === 'primary' ? model.primary : model.backup;
  }

  /** Sets the condition of the copy that serves `model` now and returns that copy's name. */
  breakServingCopy(model: ServedModel, condition: CopyCondition): string {
    const copy = this.servingCopy(model);
    copy.condition = condition;
    return copy.name;
  }

  /**
   * Moves traffic off a failing copy of `model` onto its other copy when that copy is healthy.
   * With `preferBackup`, a model whose healthy primary serves moves to its backup too.
   */
  switchCopy(model: ServedModel, preferBackup: boolean): SwitchResult {
    const serving = this.servingCopy(model);
    const other = model.serving === 'primary' ? model.backup : model.primary;
    const servingFails = serving.condition.kind !== 'healthy';
    if (!servingFails && !(preferBackup && model.serving === 'primary')) return 'already_switched';
    if (other.condition.kind !== 'healthy') return 'no_healthy_copy';

    model.serving = model.serving === 'primary' ? 'backup' : 'primary';
    return 'switched';
  }

  /** Reloads both copies of `model`, which clears their faults, and serves the primary again. */
  restart(model: ServedModel): void {
    model.primary.condition = HEALTHY;
    model.backup.condition = HEALTHY;
    model.serving = 'primary';
  }

  /** Lists the models whose serving copy is crashed or slow. */
  failingModels(): ServedModel[] {
    return [...this.#models.values()].filter((model) => this.servingCopy(model).condition.kind !== 'healthy');
  }

  /** Lists the models with a crashed or slow copy, serving or not. */
  brokenModels(): ServedModel[] {
    return [...this.#models.values()].filter((model) => model.primary.condition.kind !== 'healthy' || model.backup.condition.kind !== 'healthy');
  }

  /** Lists broken copies as faults. The target is the model, and `copy` names the copy that is broken. */
  listFaults(): (ActiveFault & { copy: string; serving: boolean })[] {
    const faults: (ActiveFault & { copy: string; serving: boolean })[] = [];
    for (const model of this.#models.values()) {
      for (const copy of [model.primary, model.backup]) {
        if (copy.condition.kind === 'healthy') continue;
        const fault = copy.condition.kind === 'crashed' ? 'model_crash' : 'slow_model';
        faults.push({ fault, target: model.name, copy: copy.name, serving: this.servingCopy(model) === copy });
      }
    }
    return faults;
  }
}
