import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SliceScheduler, type SlicedTask } from '../../src/common/slice-scheduler.js';

/** Time each step of a test task adds to the fake clock, in ms. */
const STEP_MS = 0.25;

interface Clock {
  nowMs: number;
}

/** Returns a task of `steps` steps. Each step logs the task's name and advances the fake clock by `STEP_MS`. */
function task(name: string, steps: number, clock: Clock, log: string[]): SlicedTask & { failures: unknown[] } {
  let left = steps;
  const failures: unknown[] = [];
  return {
    failures,
    runStep: () => {
      log.push(name);
      clock.nowMs += STEP_MS;
      left -= 1;
      return left === 0;
    },
    fail: (error) => failures.push(error),
  };
}

function createScheduler(turnBudgetMs: number): { scheduler: SliceScheduler; clock: Clock; log: string[] } {
  const clock = { nowMs: 0 };
  return { scheduler: new SliceScheduler({ turnBudgetMs, clock: () => clock.nowMs }), clock, log: [] };
}

/** Runs the next scheduled turn. Fake timers hold `setImmediate` callbacks until time advances. */
function runTurn(): void {
  vi.advanceTimersToNextTimer();
}

describe('SliceScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs no step before the next turn', () => {
    const { scheduler, clock, log } = createScheduler(1);

    scheduler.schedule(task('a', 3, clock, log));

    expect(log).toEqual([]);
    expect(scheduler.pendingTasks).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
  });

  it.each([
    { name: 'a budget of four steps', turnBudgetMs: 1, firstTurn: 4 },
    { name: 'a budget below one step', turnBudgetMs: 0.1, firstTurn: 1 },
    { name: 'a zero budget', turnBudgetMs: 0, firstTurn: 1 },
    { name: 'a budget above the task', turnBudgetMs: 100, firstTurn: 10 },
  ])('stops a turn at $name', ({ turnBudgetMs, firstTurn }) => {
    const { scheduler, clock, log } = createScheduler(turnBudgetMs);
    scheduler.schedule(task('a', 10, clock, log));

    runTurn();

    expect(log).toHaveLength(firstTurn);
    expect(vi.getTimerCount()).toBe(firstTurn < 10 ? 1 : 0);
    expect(scheduler.pendingTasks).toBe(firstTurn < 10 ? 1 : 0);
  });

  it('shares one budget between tasks, taking their steps in turn', () => {
    const { scheduler, clock, log } = createScheduler(1.5);
    scheduler.schedule(task('a', 4, clock, log));
    scheduler.schedule(task('b', 2, clock, log));

    runTurn();

    expect(log).toEqual(['a', 'b', 'a', 'b', 'a', 'a']);
    expect(scheduler.pendingTasks).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('continues a task in the next turn where it stopped', () => {
    const { scheduler, clock, log } = createScheduler(0.5);
    scheduler.schedule(task('a', 3, clock, log));
    scheduler.schedule(task('b', 3, clock, log));

    runTurn();
    expect(log).toEqual(['a', 'b']);
    vi.runAllTimers();

    expect(log).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('queues a task added mid-turn last', () => {
    const { scheduler, clock, log } = createScheduler(0.5);
    const late = task('late', 1, clock, log);
    let queued = false;
    scheduler.schedule({
      runStep: () => {
        log.push('first');
        clock.nowMs += STEP_MS;
        if (!queued) scheduler.schedule(late);
        queued = true;
        return false;
      },
      fail: () => undefined,
    });
    scheduler.schedule(task('second', 5, clock, log));

    runTurn();

    expect(log).toEqual(['first', 'second']);
    expect(vi.getTimerCount()).toBe(1);
    runTurn();
    expect(log.slice(2)).toEqual(['first', 'second']);
    runTurn();
    expect(log.slice(4, 6)).toEqual(['late', 'first']);
  });

  it('hands a step error to the task and keeps running the others', () => {
    const { scheduler, clock, log } = createScheduler(100);
    const failing = task('failing', 5, clock, log);
    const error = new Error('step failed');
    failing.runStep = () => {
      throw error;
    };
    scheduler.schedule(failing);
    scheduler.schedule(task('other', 2, clock, log));

    runTurn();

    expect(failing.failures).toEqual([error]);
    expect(log).toEqual(['other', 'other']);
    expect(scheduler.pendingTasks).toBe(0);
  });

  it('drops a cancelled task and cancels the turn once none is left', () => {
    const { scheduler, clock, log } = createScheduler(100);
    const first = task('a', 3, clock, log);
    const second = task('b', 3, clock, log);
    scheduler.schedule(first);
    scheduler.schedule(second);

    scheduler.cancel(first);
    expect(vi.getTimerCount()).toBe(1);
    runTurn();
    expect(log).toEqual(['b', 'b', 'b']);

    scheduler.schedule(first);
    scheduler.cancel(first);
    expect(vi.getTimerCount()).toBe(0);
  });
});
