import { AsyncLocalStorage } from 'node:async_hooks';

/** Options for {@link SimClock}. */
export interface SimClockOptions {
  /**
   * Simulated time when the clock is created.
   * @default the real time at construction
   */
  readonly start?: Date | string;
  /**
   * Consecutive macrotask turns (setImmediate) with no busy work before the system counts as idle.
   * State transitions in the interpreter are microtasks, so a few turns are enough.
   * @default 3
   */
  readonly idleTurns?: number;
  /**
   * Real milliseconds that tracked work may stay busy without any progress before a driver gives up
   * with a {@link ClockStalledError} naming the busy work. Keeps a hung handler from hanging the sandbox.
   * @default 10_000
   */
  readonly stallTimeoutMs?: number;
}

/** A timer waiting for simulated time to reach it. */
export interface PendingTimer {
  readonly id: number;
  readonly at: Date;
  readonly label: string;
}

/** Options for {@link SimClock.sleep} and {@link SimClock.sleepUntil}. */
export interface SleepOptions {
  /** Cancels the timer; the sleep then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Shown by {@link SimClock.pendingTimers}. @default 'sleep' */
  readonly label?: string;
}

/** Options for {@link SimClock.settle}. */
export interface SettleOptions {
  /** Fire only timers due at or before this time. @default no limit */
  readonly until?: Date;
  /** Timer firings after which settle gives up with a {@link ClockStepLimitError}. @default 10_000 */
  readonly maxSteps?: number;
}

/** What a settle did. */
export interface SettleResult {
  readonly steps: number;
  readonly now: Date;
}

/** A running auto-advance loop, see {@link SimClock.autoAdvance}. */
export interface AutoAdvance {
  /** Stops the loop; rejects if the loop failed (for example a stall). */
  stop(): Promise<void>;
}

/** Tracked work stayed busy for longer than `stallTimeoutMs` of real time without progress. */
export class ClockStalledError extends Error {
  override readonly name = 'ClockStalledError';
}

/** settle() fired `maxSteps` timers and timers were still due: probably a loop in the workflow. */
export class ClockStepLimitError extends Error {
  override readonly name = 'ClockStepLimitError';
}

/** A second driver (settle, advanceTo, autoAdvance...) was started while one was running. */
export class ClockBusyDriverError extends Error {
  override readonly name = 'ClockBusyDriverError';
}

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly label: string;
  readonly fire: () => void;
}

interface Activity {
  readonly label: string;
  /** Clock sleeps this activity is blocked in; while > 0 it does not count as busy. */
  blocked: number;
}

const DEFAULT_IDLE_TURNS = 3;
const DEFAULT_STALL_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_STEPS = 10_000;

/**
 * A discrete-event simulated clock. Simulated time never passes while tracked work is in flight; a
 * driver ({@link settle}, {@link advanceTo}, {@link autoAdvance}) waits until the system is idle, then
 * jumps to the earliest pending timer and fires it, one timer at a time, timers due at the same time
 * in registration order. A two-hour wait therefore costs a few macrotask turns of real time, and every
 * timestamp read through {@link now} is the simulated one.
 *
 * Work counts as busy while it runs inside {@link track}, except while it awaits {@link sleep} or
 * {@link sleepUntil} of this clock: a handler blocked on the clock lets time move on.
 */
export class SimClock {
  private nowMs: number;
  private readonly idleTurns: number;
  private readonly stallTimeoutMs: number;
  private readonly timers: Timer[] = [];
  private readonly active = new Set<Activity>();
  private readonly storage = new AsyncLocalStorage<Activity>();
  private changeWaiters: Array<() => void> = [];
  private nextTimerId = 1;
  private driver: string | undefined;

  constructor(options: SimClockOptions = {}) {
    const start = options.start === undefined ? Date.now() : new Date(options.start).getTime();
    if (Number.isNaN(start)) {
      throw new RangeError(`SimClock start is not a valid date: ${String(options.start)}`);
    }
    this.nowMs = start;
    this.idleTurns = options.idleTurns ?? DEFAULT_IDLE_TURNS;
    this.stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  }

  /** The simulated current time. */
  now(): Date {
    return new Date(this.nowMs);
  }

  /** Number of tracked pieces of work that are running and not blocked on this clock. */
  get busy(): number {
    let count = 0;
    for (const activity of this.active) {
      if (activity.blocked === 0) count++;
    }
    return count;
  }

  /** Timers not yet fired, earliest first. */
  pendingTimers(): PendingTimer[] {
    return this.timers.map((timer) => ({ id: timer.id, at: new Date(timer.at), label: timer.label }));
  }

  /** Resolves when simulated time has advanced by `seconds` (at once if `seconds <= 0`). */
  sleep(seconds: number, options: SleepOptions = {}): Promise<void> {
    if (!Number.isFinite(seconds)) {
      return Promise.reject(
        new RangeError(`SimClock.sleep needs a finite number of seconds, got ${seconds}`),
      );
    }
    return this.sleepUntil(new Date(this.nowMs + seconds * 1000), options);
  }

  /** Resolves when simulated time reaches `at` (at once if it already has). */
  sleepUntil(at: Date, options: SleepOptions = {}): Promise<void> {
    const atMs = at.getTime();
    if (Number.isNaN(atMs)) {
      return Promise.reject(new RangeError('SimClock.sleepUntil needs a valid date'));
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (atMs <= this.nowMs) return Promise.resolve();
    const activity = this.storage.getStore();
    return new Promise<void>((resolve, reject) => {
      this.setBlocked(activity, 1);
      const onAbort = (): void => {
        cancel();
        this.setBlocked(activity, -1);
        reject(signal?.reason);
      };
      const cancel = this.addTimer(atMs, options.label ?? 'sleep', () => {
        signal?.removeEventListener('abort', onAbort);
        this.setBlocked(activity, -1);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Runs `fn` outside any tracked work: what it starts is tracked on its own. For work that outlives
   * its caller, such as a workflow a handler starts: joined to the handler, its waits would count as
   * the handler's and let time run out under the handler.
   */
  detached<T>(fn: () => T): T {
    return this.storage.exit(fn);
  }

  /**
   * Counts `work` as busy until it settles, so time does not pass under it. Pass a function rather
   * than a promise to let the work sleep on this clock without counting as busy meanwhile. Tracking
   * inside tracked work joins the outer work.
   */
  track<T>(work: Promise<T> | (() => Promise<T> | T), label = 'work'): Promise<T> {
    const outer = this.storage.getStore();
    if (outer !== undefined && this.active.has(outer)) {
      return typeof work === 'function' ? Promise.resolve().then(work) : work;
    }
    const activity: Activity = { label, blocked: 0 };
    this.active.add(activity);
    this.changed();
    let running: Promise<T>;
    if (typeof work === 'function') {
      try {
        running = Promise.resolve(this.storage.run(activity, work));
      } catch (error) {
        running = Promise.reject(error);
      }
    } else {
      running = work;
    }
    return running.finally(() => {
      this.active.delete(activity);
      this.changed();
    });
  }

  /** Waits until nothing is busy; time does not move. */
  async runUntilIdle(): Promise<void> {
    await this.drive('runUntilIdle', () => this.quiesce());
  }

  /**
   * Runs the system until nothing is left to do: no busy work and no timer due (at or before `until`,
   * when given). Time stays at the last timer fired; use {@link advanceTo} to move it further.
   */
  settle(options: SettleOptions = {}): Promise<SettleResult> {
    return this.drive('settle', async () => {
      const untilMs = options.until?.getTime();
      const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
      let steps = 0;
      await this.quiesce();
      while (this.hasDueTimer(untilMs)) {
        if (steps >= maxSteps) {
          const next = this.pendingTimers()
            .slice(0, 5)
            .map((timer) => `${timer.label} at ${timer.at.toISOString()}`);
          throw new ClockStepLimitError(
            `SimClock.settle fired ${maxSteps} timers and more are due (next: ${next.join('; ')}). ` +
              'A loop in the workflow? Raise maxSteps or pass until.',
          );
        }
        this.fireNext();
        steps++;
        await this.quiesce();
      }
      return { steps, now: this.now() };
    });
  }

  /** Fires every timer due up to `at`, letting the system settle after each, then sets the time to `at`. */
  async advanceTo(at: Date, options: { readonly maxSteps?: number } = {}): Promise<SettleResult> {
    if (at.getTime() < this.nowMs) {
      throw new RangeError(`SimClock cannot go back from ${this.now().toISOString()} to ${at.toISOString()}`);
    }
    const result = await this.settle({ until: at, maxSteps: options.maxSteps });
    this.nowMs = Math.max(this.nowMs, at.getTime());
    return { steps: result.steps, now: this.now() };
  }

  /** {@link advanceTo} `seconds` from now. */
  advanceBy(seconds: number, options: { readonly maxSteps?: number } = {}): Promise<SettleResult> {
    return this.advanceTo(new Date(this.nowMs + seconds * 1000), options);
  }

  /**
   * Starts a background loop that advances to the next timer whenever the system is idle, and sleeps
   * (without spinning) when there is nothing to do. For interactive use, where tokens arrive from
   * outside at any time.
   */
  autoAdvance(): AutoAdvance {
    this.acquire('autoAdvance');
    let stopped = false;
    const loop = (async () => {
      try {
        while (!stopped) {
          await this.quiesce();
          if (stopped) break;
          if (this.hasDueTimer(undefined)) {
            this.fireNext();
          } else {
            await this.nextChange(undefined);
          }
        }
      } finally {
        this.driver = undefined;
      }
    })();
    loop.catch(() => undefined);
    return {
      stop: async () => {
        stopped = true;
        this.changed();
        await loop;
      },
    };
  }

  private addTimer(atMs: number, label: string, fire: () => void): () => void {
    const timer: Timer = { id: this.nextTimerId++, at: atMs, label, fire };
    // Stable insertion keeps timers due at the same time in registration order.
    let index = this.timers.length;
    while (index > 0 && (this.timers[index - 1]?.at ?? 0) > atMs) index--;
    this.timers.splice(index, 0, timer);
    this.changed();
    return () => {
      const at = this.timers.indexOf(timer);
      if (at >= 0) {
        this.timers.splice(at, 1);
        this.changed();
      }
    };
  }

  private setBlocked(activity: Activity | undefined, delta: 1 | -1): void {
    if (activity === undefined) return;
    activity.blocked += delta;
    if (this.active.has(activity)) this.changed();
  }

  private hasDueTimer(untilMs: number | undefined): boolean {
    const next = this.timers[0];
    return next !== undefined && (untilMs === undefined || next.at <= untilMs);
  }

  private fireNext(): void {
    const timer = this.timers.shift();
    if (timer === undefined) return;
    this.nowMs = Math.max(this.nowMs, timer.at);
    timer.fire();
  }

  private changed(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves on the next change of busy work or timers; rejects after `timeoutMs` without one. */
  private nextChange(timeoutMs: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timeout: NodeJS.Timeout | undefined;
      const wake = (): void => {
        clearTimeout(timeout);
        resolve();
      };
      this.changeWaiters.push(wake);
      if (timeoutMs !== undefined) {
        timeout = setTimeout(() => {
          this.changeWaiters = this.changeWaiters.filter((waiter) => waiter !== wake);
          reject(
            new ClockStalledError(
              `SimClock: work stayed busy for ${timeoutMs} ms of real time without progress at ` +
                `${this.now().toISOString()}: ${this.busyLabels().join(', ')}. ` +
                'A handler that never settles must await the clock (sleep) to let time pass.',
            ),
          );
        }, timeoutMs);
      }
    });
  }

  private busyLabels(): string[] {
    return [...this.active].filter((activity) => activity.blocked === 0).map((activity) => activity.label);
  }

  private async quiesce(): Promise<void> {
    let idle = 0;
    while (idle < this.idleTurns) {
      if (this.busy > 0) {
        idle = 0;
        await this.nextChange(this.stallTimeoutMs);
        continue;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
      idle = this.busy === 0 ? idle + 1 : 0;
    }
  }

  private acquire(name: string): void {
    if (this.driver !== undefined) {
      throw new ClockBusyDriverError(`SimClock.${name}: the clock is already driven by ${this.driver}`);
    }
    this.driver = name;
  }

  private async drive<T>(name: string, run: () => Promise<T>): Promise<T> {
    this.acquire(name);
    try {
      return await run();
    } finally {
      this.driver = undefined;
    }
  }
}
