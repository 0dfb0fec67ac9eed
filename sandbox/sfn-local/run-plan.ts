/**
 * The interpreter's copy of a definition and the plans that serve its Tasks and Waits: see
 * local-runner.ts for each rewrite and why it keeps the copy equivalent to the deployed workflow.
 */
import { type AslDefinition, type AslState, forEachState, type LocalTaskInfo, nestedMachines } from './asl';
import type { LocalHandler } from './execution';

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

export type TaskKind = 'lambda-invoke' | 'lambda-function' | 'other';

export interface TaskPlan {
  readonly stateName: string;
  readonly resource: string;
  readonly kind: TaskKind;
  readonly callback: boolean;
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
  readonly retriers: readonly Retrier[];
  readonly handler: LocalHandler;
}

export type WaitPlan = { readonly stateName: string } & (
  | { readonly mode: 'Seconds'; readonly seconds: number }
  | { readonly mode: 'Timestamp'; readonly timestamp: string }
  | { readonly mode: 'SecondsPath' | 'TimestampPath' }
);

export interface RunPlan {
  readonly definition: AslDefinition;
  readonly tasks: ReadonlyMap<string, TaskPlan>;
  readonly waits: ReadonlyMap<string, WaitPlan>;
  readonly instantRetries: readonly string[];
  readonly timeoutSeconds?: number;
}

export const TOKEN_PLACEHOLDER = '__SANDBOX_TASK_TOKEN__';
export const WAIT_RESOURCE = 'arn:aws:states:::sandbox:wait';
export const SIMULATED_START_TIME = 'SandboxSimulatedStartTime';
/** Largest delay setTimeout accepts, in seconds: the interpreter's own task timer must never fire. */
const INTERPRETER_TIMEOUT_SECONDS = 2_147_483;
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
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
export function prepare(
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

export function crossCheckTasks(
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
