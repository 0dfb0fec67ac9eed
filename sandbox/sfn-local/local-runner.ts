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
  type AslState,
  aslFromDefinition,
  forEachState,
  type LocalTaskInfo,
  nestedMachines,
  SANDBOX_ACCOUNT,
  SANDBOX_REGION,
} from './asl';
import type { SimClock } from './sim-clock';
import { type IssuedTask, StatesError, type TaskTokenBroker } from './task-token-broker';

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

type Overrides = {
  taskResourceLocalHandlers: Record<string, (input: LibJson) => Promise<LibJson>>;
  retryIntervalOverrides: Record<string, number>;
};
type LibJson = Parameters<StateMachine['run']>[0];
type LibEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

type TaskKind = 'lambda-invoke' | 'lambda-function' | 'other';

interface TaskPlan {
  readonly stateName: string;
  readonly resource: string;
  readonly kind: TaskKind;
  readonly callback: boolean;
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
  readonly retriers: readonly Retrier[];
  readonly handler: LocalHandler;
}

type WaitPlan = { readonly stateName: string } & (
  | { readonly mode: 'Seconds'; readonly seconds: number }
  | { readonly mode: 'Timestamp'; readonly timestamp: string }
  | { readonly mode: 'SecondsPath' | 'TimestampPath' }
);

interface RunPlan {
  readonly definition: AslDefinition;
  readonly tasks: ReadonlyMap<string, TaskPlan>;
  readonly waits: ReadonlyMap<string, WaitPlan>;
  readonly instantRetries: readonly string[];
  readonly timeoutSeconds?: number;
}

const TOKEN_PLACEHOLDER = '__SANDBOX_TASK_TOKEN__';
const WAIT_RESOURCE = 'arn:aws:states:::sandbox:wait';
const SIMULATED_START_TIME = 'SandboxSimulatedStartTime';
/** Largest delay setTimeout accepts, in seconds: the interpreter's own task timer must never fire. */
const INTERPRETER_TIMEOUT_SECONDS = 2_147_483;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const UNSUPPORTED_FIELDS: Readonly<Record<string, string>> = {
  Assign: 'variables (Assign) are not supported by the local interpreter',
  TimeoutSecondsPath: 'TimeoutSecondsPath is not supported locally: use TimeoutSeconds',
  HeartbeatSecondsPath: 'HeartbeatSecondsPath is not supported locally: use HeartbeatSeconds',
  ItemReader: 'a distributed Map ItemReader is not supported by the local interpreter',
  ResultWriter: 'a distributed Map ResultWriter is not supported by the local interpreter',
  ItemBatcher: 'a Map ItemBatcher is not supported by the local interpreter',
  ToleratedFailureCount: 'ToleratedFailureCount is ignored by the local interpreter',
  ToleratedFailurePercentage: 'ToleratedFailurePercentage is ignored by the local interpreter',
};

/** Builds the interpreter's copy of the definition and the plans that serve its Tasks and Waits. */
function prepare(
  original: AslDefinition,
  handlers: Readonly<Record<string, LocalHandler>>,
  problems: string[],
): RunPlan {
  const definition = structuredClone(original);
  const tasks = new Map<string, TaskPlan>();
  const waits = new Map<string, WaitPlan>();
  const instantRetries: string[] = [];
  const timeoutSeconds = definition.TimeoutSeconds;
  delete definition.TimeoutSeconds;

  rewriteMachine(definition, (stateName, state, states) => {
    const where = `state ${stateName}`;
    for (const [field, why] of Object.entries(UNSUPPORTED_FIELDS)) {
      if (field in state) problems.push(`${where}: ${why}`);
    }
    if (state.ResultPath === '$') delete state.ResultPath;
    if (Array.isArray(state.Catch)) {
      for (const catcher of state.Catch as Array<Record<string, unknown>>) {
        if (catcher.ResultPath === '$') delete catcher.ResultPath;
      }
    }
    rewritePaths(state, (path) =>
      path.replaceAll('$$.Execution.StartTime', () => `$$.Execution.${SIMULATED_START_TIME}`),
    );
    const callback = state.Type === 'Task' && String(state.Resource).endsWith('.waitForTaskToken');
    if (callback && state.Parameters !== undefined) state.Parameters = replaceTokenPaths(state.Parameters);
    for (const path of stringsIn(state)) {
      if (path.includes('$$.Task.Token')) {
        problems.push(
          `${where}: $$.Task.Token is only available in the Parameters of a .waitForTaskToken Task`,
        );
      }
      if (path.includes('$$.State.'))
        problems.push(`${where}: the $$.State context is not available locally`);
    }
    if ((state.Type === 'Parallel' || state.Type === 'Map') && state.Retry !== undefined) {
      instantRetries.push(stateName);
    }
    if (handlers[stateName] !== undefined && state.Type !== 'Task') {
      problems.push(`${where}: has a handler but is a ${state.Type}, not a Task`);
    }
    if (state.Type === 'Task') {
      const plan = planTask(stateName, state, handlers[stateName], problems);
      if (plan !== undefined) tasks.set(stateName, plan);
    }
    if (state.Type === 'Wait') {
      const { plan, replacement } = planWait(stateName, state);
      waits.set(stateName, plan);
      states[stateName] = replacement;
    }
  });
  for (const name of Object.keys(handlers)) {
    let found = false;
    forEachState(original, (stateName) => {
      found ||= stateName === name;
    });
    if (!found) problems.push(`handler ${name}: there is no state of that name`);
  }
  return {
    definition,
    tasks,
    waits,
    instantRetries,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
  };
}

function rewriteMachine(
  machine: AslDefinition,
  visit: (stateName: string, state: AslState, states: Record<string, AslState>) => void,
): void {
  for (const [stateName, state] of Object.entries(machine.States)) {
    for (const nested of nestedMachines(state)) rewriteMachine(nested, visit);
    visit(stateName, state, machine.States);
  }
}

function planTask(
  stateName: string,
  state: AslState,
  handler: LocalHandler | undefined,
  problems: string[],
): TaskPlan | undefined {
  const resource = String(state.Resource);
  const kind: TaskKind = /^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/.test(resource)
    ? 'lambda-invoke'
    : /^arn:[^:]+:lambda:/.test(resource)
      ? 'lambda-function'
      : 'other';
  const parameters = state.Parameters as Record<string, unknown> | undefined;
  const invocationType = parameters?.InvocationType;
  if (kind === 'lambda-invoke' && invocationType !== undefined && invocationType !== 'RequestResponse') {
    problems.push(
      `state ${stateName}: Lambda InvocationType ${String(invocationType)} is not supported locally`,
    );
  }
  if (handler === undefined) {
    problems.push(`state ${stateName}: no handler for this Task (${resource})`);
    return undefined;
  }
  const plan: TaskPlan = {
    stateName,
    resource,
    kind,
    callback: resource.endsWith('.waitForTaskToken'),
    retriers: Array.isArray(state.Retry) ? (state.Retry as Retrier[]) : [],
    handler,
    ...(typeof state.TimeoutSeconds === 'number' ? { timeoutSeconds: state.TimeoutSeconds } : {}),
    ...(typeof state.HeartbeatSeconds === 'number' ? { heartbeatSeconds: state.HeartbeatSeconds } : {}),
  };
  delete state.Retry;
  delete state.HeartbeatSeconds;
  state.TimeoutSeconds = INTERPRETER_TIMEOUT_SECONDS;
  return plan;
}

function planWait(stateName: string, state: AslState): { plan: WaitPlan; replacement: AslState } {
  const replacement: AslState = {
    Type: 'Task',
    Resource: WAIT_RESOURCE,
    TimeoutSeconds: INTERPRETER_TIMEOUT_SECONDS,
  };
  for (const field of ['Comment', 'InputPath', 'OutputPath', 'Next', 'End']) {
    if (field in state) replacement[field] = state[field];
  }
  let plan: WaitPlan;
  if (typeof state.Seconds === 'number') {
    plan = { stateName, mode: 'Seconds', seconds: state.Seconds };
  } else if (typeof state.Timestamp === 'string') {
    plan = { stateName, mode: 'Timestamp', timestamp: state.Timestamp };
  } else {
    const mode = typeof state.SecondsPath === 'string' ? 'SecondsPath' : 'TimestampPath';
    plan = { stateName, mode };
    // The interpreter evaluates the path (context object included) and hands both values over.
    replacement.Parameters = { 'input.$': '$', 'value.$': state[mode] };
  }
  return { plan, replacement };
}

/** `"key.$": "$$.Task.Token"` becomes `"key": placeholder`; inside an intrinsic it becomes a literal. */
function replaceTokenPaths(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(replaceTokenPaths);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => {
      if (key.endsWith('.$') && typeof value === 'string' && value.includes('$$.Task.Token')) {
        return value.trim() === '$$.Task.Token'
          ? [key.slice(0, -2), TOKEN_PLACEHOLDER]
          : [key, value.replaceAll('$$.Task.Token', () => `'${TOKEN_PLACEHOLDER}'`)];
      }
      return [key, replaceTokenPaths(value)];
    }),
  );
}

/** Applies `rewrite` to every path and intrinsic in a state (not in its nested machines). */
function rewritePaths(state: Record<string, unknown>, rewrite: (path: string) => string): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (key === 'Branches' || key === 'ItemProcessor' || key === 'Iterator') continue;
      if (typeof value === 'string' && (key.endsWith('.$') || key.endsWith('Path') || key === 'Variable')) {
        record[key] = rewrite(value);
      } else {
        visit(value);
      }
    }
  };
  visit(state);
}

/** Every string in a state, its nested machines excluded. */
function stringsIn(state: AslState): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (typeof node === 'string') found.push(node);
    else if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key !== 'Branches' && key !== 'ItemProcessor' && key !== 'Iterator') visit(value);
      }
    }
  };
  visit(state);
  return found;
}

function crossCheckTasks(
  found: readonly LocalTaskInfo[],
  given: readonly LocalTaskInfo[] | undefined,
): string[] {
  if (given === undefined) return [];
  const expected = found.map((task) => task.stateName).sort();
  const actual = given.map((task) => task.stateName).sort();
  return expected.join('\n') === actual.join('\n')
    ? []
    : [`tasks [${actual.join(', ')}] do not match the definition's Task states [${expected.join(', ')}]`];
}

/** The first retrier whose ErrorEquals matches, as Step Functions picks it; -1 when none does. */
function matchRetrier(retriers: readonly Retrier[], error: string): number {
  if (error === 'States.Runtime') return -1;
  return retriers.findIndex((retrier) =>
    retrier.ErrorEquals.some(
      (name) =>
        name === error ||
        name === 'States.ALL' ||
        (name === 'States.TaskFailed' && error !== 'States.Timeout'),
    ),
  );
}

function backoffSeconds(retrier: Retrier, retriesSoFar: number, random: () => number): number {
  const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** retriesSoFar;
  const capped =
    retrier.MaxDelaySeconds === undefined ? interval : Math.min(interval, retrier.MaxDelaySeconds);
  return retrier.JitterStrategy === 'FULL' ? capped * random() : capped;
}

function lambdaPayload(parameters: unknown): unknown {
  if (typeof parameters === 'object' && parameters !== null && 'Payload' in parameters)
    return parameters.Payload;
  return {};
}

/** The error a Retry/Catch sees when a handler throws: Lambda tasks get the Lambda runtime's JSON cause. */
function handlerFailure(error: unknown, kind: TaskKind): StatesError {
  const name = error instanceof Error && error.name !== '' ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (kind === 'other') return new StatesError(name, message);
  const trace = error instanceof Error ? (error.stack?.split('\n') ?? []) : [];
  return new StatesError(name, JSON.stringify({ errorType: name, errorMessage: message, trace }));
}

function asStatesError(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  if (error instanceof Error) return new StatesError(error.name, error.message);
  return new StatesError('Error', String(error));
}

let makeInterpreterTimeout: (() => Error) | undefined;
let timeoutProbe: Promise<void> | undefined;

/**
 * The interpreter matches `States.TaskFailed` against everything except an instance of its own
 * (unexported) timeout error class, so a timeout raised here must be one of those or a TaskFailed
 * catcher would wrongly take it. A one-millisecond probe run captures the class once per process.
 */
function libTimeoutError(): Promise<void> {
  timeoutProbe ??= (async () => {
    installPromiseWithResolvers();
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: { Probe: { Type: 'Task', Resource: WAIT_RESOURCE, TimeoutSeconds: 0.001, End: true } },
      },
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run(null, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<never>(() => undefined) } },
    });
    const failure = await run.result.then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.cause : undefined),
    );
    if (!(failure instanceof Error) || failure.name !== 'States.Timeout') {
      throw new Error(
        'aws-local-stepfunctions no longer times out tasks as expected; the sandbox needs updating',
      );
    }
    const TimeoutError = failure.constructor as new () => Error;
    makeInterpreterTimeout = () => new TimeoutError();
  })();
  return timeoutProbe;
}

function forInterpreter(failure: StatesError): Error {
  if (failure.name !== 'States.Timeout' || makeInterpreterTimeout === undefined) return failure;
  const timeout = makeInterpreterTimeout();
  timeout.message = failure.message;
  return timeout;
}

function replaceInStrings(node: unknown, search: string, replacement: string): unknown {
  if (typeof node === 'string') return node.replaceAll(search, () => replacement);
  if (Array.isArray(node)) return node.map((item) => replaceInStrings(item, search, replacement));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, replaceInStrings(value, search, replacement)]),
  );
}

/** What crosses a Lambda boundary: JSON, undefined as null (dates become strings, as on AWS). */
function toJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks. */
function installPromiseWithResolvers(): void {
  const promise = Promise as unknown as Record<string, unknown>;
  if (typeof promise.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve: (value: T | PromiseLike<T>) => void = () => undefined;
      let reject: (reason?: unknown) => void = () => undefined;
      const created = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise: created, resolve, reject };
    },
  });
}

/** The mutable side of a {@link LocalExecution}. */
class RunningExecution implements LocalExecution {
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
