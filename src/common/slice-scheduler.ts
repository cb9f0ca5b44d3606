/**
 * Runs long background work (decoding OTLP requests, analyzing released traces) in small steps,
 * so status API requests and socket reads get the event loop between them. Each event-loop turn
 * runs steps of the queued tasks in turn until `turnBudgetMs` has passed, then yields with
 * `setImmediate`. The budget covers all tasks together, so decoding and analysis with work
 * queued still hold the event loop for one budget per turn, not one each.
 */

/** Time the steps of one turn may take together before the scheduler yields, in ms. */
export const TURN_BUDGET_MS = 1;

/** Work that runs in steps. */
export interface SlicedTask {
  /** Runs one short step and returns true once the task has finished. */
  runStep(): boolean;
  /** Called instead of further steps when `runStep` threw. */
  fail(error: unknown): void;
}

export interface SliceSchedulerOptions {
  /**
   * Time one turn may spend, in ms. The step that crosses the budget finishes, so a turn can run
   * over by one step. Zero runs one step per turn. Defaults to `TURN_BUDGET_MS`.
   */
  turnBudgetMs?: number;
  /** Monotonic clock in ms for the budget. Defaults to `performance.now`. */
  clock?: () => number;
}

export class SliceScheduler {
  private readonly turnBudgetMs: number;
  private readonly clock: () => number;
  /** Tasks in the order their next step runs. */
  private tasks: SlicedTask[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(options: SliceSchedulerOptions = {}) {
    this.turnBudgetMs = options.turnBudgetMs ?? TURN_BUDGET_MS;
    this.clock = options.clock ?? (() => performance.now());
  }

  /** Tasks that have steps left. */
  get pendingTasks(): number {
    return this.tasks.length;
  }

  /** Queues a task. Its first step runs on the next turn. */
  schedule(task: SlicedTask): void {
    this.tasks.push(task);
    this.scheduled ??= setImmediate(() => this.runTurn());
  }

  /** Removes a queued task without running it, and cancels the next turn when no task is left. */
  cancel(task: SlicedTask): void {
    this.tasks = this.tasks.filter((queued) => queued !== task);
    if (this.tasks.length > 0) return;
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  /** Runs steps until the budget has passed, then schedules the next turn if tasks are left. */
  private runTurn(): void {
    // `scheduled` keeps the handle of this turn while it runs, so a task queued by a step does not schedule a second turn.
    this.runSteps(this.clock() + this.turnBudgetMs);
    this.scheduled = this.tasks.length > 0 ? setImmediate(() => this.runTurn()) : undefined;
  }

  /**
   * Takes one step of each task in turn, round robin, until every task has finished or the clock
   * passes `deadlineMs`. A task that was not finished keeps its place in the rotation.
   */
  private runSteps(deadlineMs: number): void {
    const turn = this.tasks;
    this.tasks = [];
    let index = 0;
    while (index < turn.length) {
      const task = turn[index];
      if (task === undefined) break;
      if (!this.step(task)) turn.push(task);
      index += 1;
      if (this.clock() >= deadlineMs) break;
    }
    // Tasks queued during this turn run after the ones that were waiting.
    this.tasks = [...turn.slice(index), ...this.tasks];
  }

  /** Runs one step and returns true when the task has finished or failed. */
  private step(task: SlicedTask): boolean {
    try {
      return task.runStep();
    } catch (error) {
      task.fail(error);
      return true;
    }
  }
}
