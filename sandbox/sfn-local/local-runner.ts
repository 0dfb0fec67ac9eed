/**
 * Runs a synthesized Step Functions definition in-process with aws-local-stepfunctions, on a simulated
 * clock, with every Task served by a local handler (nothing is ever sent to AWS).
 *
 * The interpreter runs a copy of the definition with these rewrites, each one needed to keep it
 * equivalent to the deployed workflow on a simulated clock; the definition itself is never changed:
 * - Wait states become Tasks served by `clock.sleep` that pass their input through (Seconds,
 *   SecondsPath, Timestamp, TimestampPath), because the interpreter's waits use real timers. This is
 *   the only change of state type.
 * - Task Retry, TimeoutSeconds and HeartbeatSeconds are taken out of the copy and enforced here on the
 *   simulated clock (retry backoff included); the copy gets a very large TimeoutSeconds so the
 *   interpreter's own real-time timeout (60 s by default) never fires.
 * - `$$.Task.Token` in the Parameters of a `.waitForTaskToken` Task becomes a placeholder that the
 *   runner replaces with a token from the {@link TaskTokenBroker} (the interpreter has no task tokens).
 * - `ResultPath: "$"` is dropped (the same meaning, as it is the default) because the interpreter adds a
 *   key named `$` instead of replacing the input.
 * - The top-level TimeoutSeconds is enforced on the simulated clock, and `$$.Execution.StartTime` reads
 *   the simulated start time.
 * Retries of Parallel and Map states run at once (interval overridden to 0 ms) rather than on the clock.
 * Anything the interpreter would silently get wrong (JSONata, variables with Assign, distributed Map
 * readers and writers, `$$.State`, TimeoutSecondsPath) is refused when the workflow is built.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  type AslDefinition,
  aslFromDefinition,
  type LocalTaskInfo,
  SANDBOX_ACCOUNT,
  SANDBOX_REGION,
} from './asl';
import { type LocalExecution, type LocalHandler, RunningExecution, type TaskContext } from './execution';
import {
  forInterpreter,
  installPromiseWithResolvers,
  type LibJson,
  libTimeoutError,
  type Overrides,
  replaceInStrings,
  toJson,
} from './interpreter';
import {
  crossCheckTasks,
  prepare,
  RFC3339,
  type RunPlan,
  SIMULATED_START_TIME,
  type TaskPlan,
  TOKEN_PLACEHOLDER,
  type WaitPlan,
} from './run-plan';
import type { SimClock } from './sim-clock';
import {
  asStatesError,
  backoffSeconds,
  handlerFailure,
  lambdaPayload,
  matchRetrier,
  seededRandom,
} from './task-failures';
import { type IssuedTask, StatesError, type TaskTokenBroker } from './task-token-broker';

export {
  type ExecutionEvent,
  ExecutionFailedError,
  type ExecutionStatus,
  type LocalExecution,
  type LocalHandler,
  type StateRecord,
  type TaskContext,
} from './execution';

/** Options for {@link LocalWorkflow}. */
export interface LocalWorkflowOptions {
  readonly definition: AslDefinition;
  /** The tasks {@link aslFromTemplate} listed; checked against the definition. @default read from the definition */
  readonly tasks?: readonly LocalTaskInfo[];
  /** One handler per Task state name. */
  readonly handlers: Readonly<Record<string, LocalHandler>>;
  readonly clock: SimClock;
  readonly broker: TaskTokenBroker;
  /** Used in execution and state machine ARNs. @default 'LocalStateMachine' */
  readonly stateMachineName?: string;
  /** @default SANDBOX_REGION */
  readonly region?: string;
  /** @default SANDBOX_ACCOUNT */
  readonly account?: string;
  /** Source of randomness for retry jitter (`JitterStrategy: FULL`). @default a fixed-seed generator */
  readonly random?: () => number;
}

/** The workflow could not be prepared for a local run; the message lists every problem. */
export class LocalWorkflowError extends Error {
  override readonly name = 'LocalWorkflowError';
}

/** Runs executions of one definition locally. */
export class LocalWorkflow {
  private readonly machine: StateMachine;
  private readonly plan: RunPlan;
  private readonly clock: SimClock;
  private readonly broker: TaskTokenBroker;
  private readonly stateMachineArn: string;
  private readonly random: () => number;
  private readonly names = new Set<string>();
  private readonly running = new Set<RunningExecution>();
  private readonly byId = new Map<string, LocalExecution>();
  private readonly region: string;
  private readonly account: string;
  private readonly stateMachineName: string;

  constructor(options: LocalWorkflowOptions) {
    installPromiseWithResolvers();
    const checked = aslFromDefinition(options.definition);
    const problems = crossCheckTasks(checked.tasks, options.tasks);
    const plan = prepare(options.definition, options.handlers, problems);
    if (problems.length > 0) {
      throw new LocalWorkflowError(`Cannot run the workflow locally:\n  - ${problems.join('\n  - ')}`);
    }
    this.plan = plan;
    this.clock = options.clock;
    this.broker = options.broker;
    this.random = options.random ?? seededRandom(0x5eed);
    this.region = options.region ?? SANDBOX_REGION;
    this.account = options.account ?? SANDBOX_ACCOUNT;
    this.stateMachineName = options.stateMachineName ?? 'LocalStateMachine';
    this.stateMachineArn = `arn:aws:states:${this.region}:${this.account}:stateMachine:${this.stateMachineName}`;
    // Validated above on the original; the rewritten copy holds a sandbox-only resource.
    this.machine = new StateMachine(plan.definition as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
    });
  }

  /** Starts an execution; drive the clock (settle, advanceTo or autoAdvance) to let it progress. */
  start(input: unknown, options: { readonly name?: string } = {}): LocalExecution {
    const name = options.name ?? `execution-${this.names.size + 1}`;
    if (this.names.has(name)) {
      throw new StatesError('ExecutionAlreadyExists', `Execution ${name} already exists`);
    }
    this.names.add(name);
    const execution = new RunningExecution(
      `arn:aws:states:${this.region}:${this.account}:execution:${this.stateMachineName}:${name}`,
      name,
      this.clock,
      this.plan,
    );
    this.running.add(execution);
    this.byId.set(execution.id, execution);
    const json = toJson(input);
    execution.events.push({ type: 'ExecutionStarted', at: execution.startedAt, input: json });
    // The startup is tracked so the clock does not move before the first state runs.
    const ready = this.clock.track(() => libTimeoutError(), `start ${name}`);
    const result = ready.then(() => this.run(execution, json));
    result.catch(() => undefined);
    execution.result = result;
    return execution;
  }

  private async run(execution: RunningExecution, input: unknown): Promise<unknown> {
    const overrides: Overrides = { taskResourceLocalHandlers: {}, retryIntervalOverrides: {} };
    for (const task of this.plan.tasks.values()) {
      overrides.taskResourceLocalHandlers[task.stateName] = (effective) =>
        this.runTask(task, effective, execution) as Promise<LibJson>;
    }
    for (const wait of this.plan.waits.values()) {
      overrides.taskResourceLocalHandlers[wait.stateName] = (effective) =>
        this.runWait(wait, effective, execution) as Promise<LibJson>;
    }
    for (const stateName of this.plan.instantRetries) overrides.retryIntervalOverrides[stateName] = 0;

    const run = this.machine.run(input as LibJson, {
      overrides,
      context: {
        Execution: {
          Id: execution.id,
          Name: execution.name,
          RoleArn: `arn:aws:iam::${this.account}:role/${this.stateMachineName}-role`,
          [SIMULATED_START_TIME]: execution.startedAt.toISOString(),
        },
        StateMachine: { Id: this.stateMachineArn, Name: this.stateMachineName },
      },
    });
    execution.abortInterpreter = run.abort;
    const history = execution.consume(run.eventLogs);
    if (this.plan.timeoutSeconds !== undefined) {
      const seconds = this.plan.timeoutSeconds;
      this.clock
        .sleep(seconds, { signal: execution.signal, label: `execution timeout ${execution.name}` })
        .then(
          () => execution.end('TIMED_OUT', 'States.Timeout', `The execution timed out after ${seconds} s`),
          () => undefined,
        );
    }
    try {
      const output = await run.result;
      await history;
      execution.succeed(output);
      return output;
    } catch (error) {
      await history;
      throw execution.fail(error);
    } finally {
      execution.finish();
      this.running.delete(execution);
    }
  }

  /** An execution started here, running or finished. */
  execution(id: string): LocalExecution | undefined {
    return this.byId.get(id);
  }

  /** Every execution started here, in start order. */
  executions(): LocalExecution[] {
    return [...this.byId.values()];
  }

  /** Stops every running execution (ABORTED), withdrawing their timers and task tokens. */
  stopAll(error = 'States.Aborted', cause = 'The sandbox stopped'): void {
    for (const execution of this.running) execution.stop(error, cause);
  }

  private async runTask(task: TaskPlan, input: unknown, execution: RunningExecution): Promise<unknown> {
    const attempts = task.retriers.map(() => 0);
    for (let retryCount = 0; ; retryCount++) {
      execution.signal.throwIfAborted();
      try {
        return await this.attempt(task, input, execution, retryCount);
      } catch (caught) {
        const failure = asStatesError(caught);
        const index = matchRetrier(task.retriers, failure.name);
        const retrier = task.retriers[index];
        const done = attempts[index] ?? 0;
        if (execution.signal.aborted || retrier === undefined || done >= (retrier.MaxAttempts ?? 3)) {
          throw forInterpreter(failure);
        }
        attempts[index] = done + 1;
        const delaySeconds = backoffSeconds(retrier, done, this.random);
        const base = { at: this.clock.now(), state: task.stateName, stateType: 'Task' };
        await execution.note({ ...base, type: 'StateFailed', error: failure.name, cause: failure.message });
        await this.clock.sleep(delaySeconds, { signal: execution.signal, label: `retry ${task.stateName}` });
        await execution.note({
          ...base,
          at: this.clock.now(),
          type: 'StateRetried',
          retry: retryCount + 1,
          delaySeconds,
        });
      }
    }
  }

  private async attempt(
    task: TaskPlan,
    input: unknown,
    execution: RunningExecution,
    retryCount: number,
  ): Promise<unknown> {
    const attempt = new AbortController();
    const signal = AbortSignal.any([execution.signal, attempt.signal]);
    try {
      let effective = structuredClone(input);
      let issued: IssuedTask | undefined;
      if (task.callback) {
        issued = this.broker.issue(task.stateName, task.timeoutSeconds, {
          heartbeatSeconds: task.heartbeatSeconds,
          signal,
        });
        effective = replaceInStrings(effective, TOKEN_PLACEHOLDER, issued.token);
        const at = this.clock.now();
        await execution.note({
          type: 'TaskTokenIssued',
          at,
          state: task.stateName,
          stateType: 'Task',
          token: issued.token,
        });
      }
      const payload = task.kind === 'lambda-invoke' ? lambdaPayload(effective) : effective;
      const context: TaskContext = {
        stateName: task.stateName,
        resource: task.resource,
        ...(issued === undefined ? {} : { taskToken: issued.token }),
        now: this.clock.now(),
        executionId: execution.id,
        retryCount,
      };
      const invocation = this.clock
        .track(() => task.handler(payload, context), `Task ${task.stateName} (${execution.name})`)
        .then(toJson, (error: unknown) => {
          throw handlerFailure(error, task.kind);
        });
      if (issued !== undefined) {
        const callback = issued.promise;
        return await Promise.race([invocation.then(() => callback), callback]);
      }
      const seconds = task.timeoutSeconds;
      const output =
        seconds === undefined
          ? await invocation
          : await Promise.race([
              invocation,
              this.clock.sleep(seconds, { signal, label: `timeout ${task.stateName}` }).then(() => {
                throw new StatesError('States.Timeout', `Task timed out after ${seconds} s`);
              }),
            ]);
      return task.kind === 'lambda-invoke'
        ? { ExecutedVersion: '$LATEST', Payload: output, StatusCode: 200 }
        : output;
    } finally {
      attempt.abort();
    }
  }

  private async runWait(wait: WaitPlan, input: unknown, execution: RunningExecution): Promise<unknown> {
    let output = input;
    let until: number;
    switch (wait.mode) {
      case 'Seconds':
        until = this.clock.now().getTime() + wait.seconds * 1000;
        break;
      case 'Timestamp':
        until = Date.parse(wait.timestamp);
        break;
      case 'SecondsPath': {
        const { input: passed, value } = input as { input: unknown; value: unknown };
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
          throw new StatesError(
            'States.Runtime',
            `Wait ${wait.stateName}: SecondsPath gave ${JSON.stringify(value)}`,
          );
        }
        output = passed;
        until = this.clock.now().getTime() + value * 1000;
        break;
      }
      case 'TimestampPath': {
        const { input: passed, value } = input as { input: unknown; value: unknown };
        if (typeof value !== 'string' || !RFC3339.test(value)) {
          throw new StatesError(
            'States.Runtime',
            `Wait ${wait.stateName}: TimestampPath gave ${JSON.stringify(value)}`,
          );
        }
        output = passed;
        until = Date.parse(value);
        break;
      }
    }
    await this.clock.sleepUntil(new Date(until), {
      signal: execution.signal,
      label: `Wait ${wait.stateName}`,
    });
    return output;
  }
}
