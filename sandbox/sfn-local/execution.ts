/** The public shape of a local execution, and the runner's mutable record of one. */
import type { LibEvent } from './interpreter';
import type { RunPlan } from './run-plan';
import type { SimClock } from './sim-clock';
import { StatesError } from './task-token-broker';

/** What a handler learns besides its input. */
export interface TaskContext {
  readonly stateName: string;
  /** The Task's resolved Resource. */
  readonly resource: string;
  /** The task token, for `.waitForTaskToken` Tasks (it is also in the input where the definition put it). */
  readonly taskToken?: string;
  /** Simulated time of the invocation. */
  readonly now: Date;
  readonly executionId: string;
  /** 0 on the first attempt, then the number of retries so far. */
  readonly retryCount: number;
}

/**
 * Serves one Task state. For `arn:aws:states:::lambda:invoke` it receives the `Payload` and its result
 * becomes `{ ExecutedVersion, Payload, StatusCode }` as the integration returns it; for a function ARN
 * or any other resource it receives the effective input and its result is the task result. A thrown
 * error fails the task with Error = the error's `name`.
 */
export type LocalHandler = (input: unknown, context: TaskContext) => Promise<unknown>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface StateEventBase {
  readonly at: Date;
  readonly state: string;
  readonly stateType: string;
  /** Iteration index inside a Map. */
  readonly mapIndex?: number;
}

/** The execution's history, stamped with simulated time. */
export type ExecutionEvent =
  | { readonly type: 'ExecutionStarted'; readonly at: Date; readonly input: unknown }
  | { readonly type: 'ExecutionSucceeded'; readonly at: Date; readonly output: unknown }
  | {
      readonly type: 'ExecutionFailed' | 'ExecutionTimedOut' | 'ExecutionAborted';
      readonly at: Date;
      readonly error: string;
      readonly cause: string;
    }
  | (StateEventBase & { readonly type: 'StateEntered'; readonly input: unknown })
  | (StateEventBase & { readonly type: 'StateExited'; readonly output: unknown })
  | (StateEventBase & { readonly type: 'StateFailed'; readonly error: string; readonly cause: string })
  | (StateEventBase & {
      readonly type: 'StateRetried';
      readonly retry: number;
      readonly delaySeconds: number;
    })
  | (StateEventBase & { readonly type: 'StateCaught'; readonly next: string })
  | (StateEventBase & { readonly type: 'TaskTokenIssued'; readonly token: string });

/** One entry into a state. */
export interface StateRecord {
  readonly name: string;
  /** The type in the definition (a Wait stays a Wait). */
  readonly type: string;
  readonly input: unknown;
  readonly enteredAt: Date;
  readonly mapIndex?: number;
  /** How many times the state was retried. */
  retries: number;
  output?: unknown;
  exitedAt?: Date;
  error?: string;
  cause?: string;
}

/** A running or finished local execution. */
export interface LocalExecution {
  /** The execution ARN. */
  readonly id: string;
  readonly name: string;
  readonly startedAt: Date;
  readonly status: ExecutionStatus;
  /** The output on success; rejects with an {@link ExecutionFailedError} otherwise. */
  readonly result: Promise<unknown>;
  readonly events: readonly ExecutionEvent[];
  /** The states entered, in order, with their input and output. */
  readonly states: readonly StateRecord[];
  /** Like StopExecution: the execution ends ABORTED with this error and cause. */
  stop(error?: string, cause?: string): void;
}

/** An execution ended without success; `error` and `cause` are what DescribeExecution would show. */
export class ExecutionFailedError extends Error {
  override readonly name = 'ExecutionFailedError';
  override readonly cause: string;

  constructor(
    readonly status: Exclude<ExecutionStatus, 'RUNNING' | 'SUCCEEDED'>,
    readonly error: string,
    cause: string,
  ) {
    super(`Execution ${status}: ${error}${cause === '' ? '' : `: ${cause}`}`);
    this.cause = cause;
  }
}

/** The mutable side of a {@link LocalExecution}. */
export class RunningExecution implements LocalExecution {
  readonly startedAt: Date;
  status: ExecutionStatus = 'RUNNING';
  result: Promise<unknown> = Promise.resolve(undefined);
  readonly events: ExecutionEvent[] = [];
  readonly states: StateRecord[] = [];
  abortInterpreter: (() => void) | undefined;
  private readonly controller = new AbortController();
  private ending: { status: 'TIMED_OUT' | 'ABORTED'; error: string; cause: string } | undefined;

  constructor(
    readonly id: string,
    readonly name: string,
    private readonly clock: SimClock,
    private readonly plan: RunPlan,
  ) {
    this.startedAt = clock.now();
  }

  /** Aborted when the execution ends: withdraws its timers and tokens. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  stop(error = 'States.Aborted', cause = ''): void {
    this.end('ABORTED', error, cause);
  }

  end(status: 'TIMED_OUT' | 'ABORTED', error: string, cause: string): void {
    if (this.status !== 'RUNNING' || this.ending !== undefined) return;
    this.ending = { status, error, cause };
    this.abortInterpreter?.();
  }

  /**
   * Appends an event of the runner's own after one macrotask turn, so the interpreter's events that
   * were already dispatched (it delivers them asynchronously) come first. Callers await it before the
   * state goes on; the clock waits meanwhile.
   */
  note(event: ExecutionEvent): Promise<void> {
    return this.clock.track(
      new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.append(event)),
      'execution history',
    );
  }

  async consume(events: AsyncGenerator<LibEvent>): Promise<void> {
    for await (const event of events) {
      const at = this.clock.now();
      if (!('state' in event)) continue;
      const { name, input } = event.state;
      const stateType = this.plan.waits.has(name) ? 'Wait' : event.state.type;
      const base = {
        at,
        state: name,
        stateType,
        ...(event.index === undefined ? {} : { mapIndex: event.index }),
      };
      switch (event.type) {
        case 'StateEntered':
          this.append({ ...base, type: 'StateEntered', input });
          break;
        case 'StateExited':
          this.append({ ...base, type: 'StateExited', output: event.state.output });
          break;
        case 'StateFailed':
          this.append({ ...base, type: 'StateFailed', error: event.Error, cause: causeText(event.Cause) });
          break;
        case 'StateRetried':
          this.append({ ...base, type: 'StateRetried', retry: event.retry.attempt, delaySeconds: 0 });
          break;
        case 'StateCaught':
          this.append({ ...base, type: 'StateCaught', next: event.catch.catcher.Next });
          break;
      }
    }
  }

  succeed(output: unknown): void {
    this.status = 'SUCCEEDED';
    this.append({ type: 'ExecutionSucceeded', at: this.clock.now(), output });
  }

  fail(error: unknown): ExecutionFailedError {
    const failed =
      this.ending !== undefined
        ? new ExecutionFailedError(this.ending.status, this.ending.error, this.ending.cause)
        : error instanceof Error && error.cause instanceof Error
          ? new ExecutionFailedError('FAILED', error.cause.name, error.cause.message)
          : new ExecutionFailedError('FAILED', 'Sandbox.InterpreterError', String(error));
    this.status = failed.status;
    const type = {
      FAILED: 'ExecutionFailed',
      TIMED_OUT: 'ExecutionTimedOut',
      ABORTED: 'ExecutionAborted',
    } as const;
    this.append({
      type: type[failed.status],
      at: this.clock.now(),
      error: failed.error,
      cause: failed.cause,
    });
    return failed;
  }

  finish(): void {
    this.controller.abort(new StatesError('States.Aborted', `Execution ${this.name} ended`));
  }

  private append(event: ExecutionEvent): void {
    this.events.push(event);
    if (!('state' in event)) return;
    const last = this.states.findLast(
      (record) => record.name === event.state && record.mapIndex === event.mapIndex,
    );
    switch (event.type) {
      case 'StateEntered':
        this.states.push({
          name: event.state,
          type: event.stateType,
          input: event.input,
          enteredAt: event.at,
          retries: 0,
          ...(event.mapIndex === undefined ? {} : { mapIndex: event.mapIndex }),
        });
        break;
      case 'StateExited':
        if (last !== undefined) {
          last.output = event.output;
          last.exitedAt = event.at;
        }
        break;
      case 'StateFailed':
        if (last !== undefined) {
          last.error = event.error;
          last.cause = event.cause;
          last.exitedAt = event.at;
        }
        break;
      case 'StateRetried':
        // A retry re-runs the state without entering it again.
        if (last !== undefined) {
          last.retries = event.retry;
          delete last.error;
          delete last.cause;
          delete last.exitedAt;
        }
        break;
    }
  }
}

function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause) ?? '';
}
