/** Amazon States Language definitions as the local runner takes them: their shape, checks and walks. */
import { createRequire } from 'node:module';

/** One state of an Amazon States Language definition (JSONPath). */
export interface AslState {
  Type: string;
  [field: string]: unknown;
}

/** An Amazon States Language state machine, or a Parallel branch / Map item processor. */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  [field: string]: unknown;
}

/** A Task state the local runner must serve with a handler. */
export interface LocalTaskInfo {
  readonly stateName: string;
  /** The resolved Resource ARN, for example `arn:aws:states:::lambda:invoke`. */
  readonly resource: string;
  /** Logical id of the Lambda function the task invokes, when it invokes one of the template's functions. */
  readonly functionLogicalId?: string;
  readonly waitForTaskToken: boolean;
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
}

/** A definition ready for the local runner. */
export interface LocalStateMachine {
  readonly definition: AslDefinition;
  /** Every Task state, nested Parallel branches and Map item processors included, in document order. */
  readonly tasks: readonly LocalTaskInfo[];
  /** Names of every Wait state, nested ones included. */
  readonly waits: readonly string[];
}

/**
 * Checks a parsed definition for the local runner: rejects JSONata, validates it with asl-validator, and
 * lists its Task and Wait states. `functionLogicalIds` maps function names to logical ids.
 */
export function aslFromDefinition(
  definition: unknown,
  functionLogicalIds: ReadonlyMap<string, string> = new Map(),
): LocalStateMachine {
  if (!isRecord(definition) || typeof definition.StartAt !== 'string' || !isRecord(definition.States)) {
    throw new Error('Not a state machine definition: StartAt and States are required');
  }
  const jsonata = findJsonata(definition, '$');
  if (jsonata.length > 0) {
    throw new Error(
      `The workflow uses JSONata (QueryLanguage at ${jsonata.join(', ')}). The local interpreter ` +
        '(aws-local-stepfunctions) does not support JSONata and would silently ignore Arguments, Output ' +
        'and Condition: write the workflow in JSONPath.',
    );
  }
  const problems = aslProblems(definition);
  if (problems !== undefined) throw new Error(`The state machine definition is invalid:\n  - ${problems}`);
  const typed = definition as unknown as AslDefinition;
  const tasks: LocalTaskInfo[] = [];
  const waits: string[] = [];
  forEachState(typed, (stateName, state) => {
    if (state.Type === 'Wait') waits.push(stateName);
    if (state.Type !== 'Task') return;
    const resource = String(state.Resource);
    const target = isRecord(state.Parameters) ? state.Parameters.FunctionName : undefined;
    const functionName = lambdaFunctionName(resource, target);
    const functionLogicalId = functionName === undefined ? undefined : functionLogicalIds.get(functionName);
    tasks.push({
      stateName,
      resource,
      ...(functionLogicalId === undefined ? {} : { functionLogicalId }),
      waitForTaskToken: resource.endsWith('.waitForTaskToken'),
      ...(typeof state.TimeoutSeconds === 'number' ? { timeoutSeconds: state.TimeoutSeconds } : {}),
      ...(typeof state.HeartbeatSeconds === 'number' ? { heartbeatSeconds: state.HeartbeatSeconds } : {}),
    });
  });
  return { definition: typed, tasks, waits };
}

/** Visits every state, those in Parallel branches and Map item processors included, in document order. */
export function forEachState(
  definition: AslDefinition,
  visit: (stateName: string, state: AslState, path: string) => void,
  path = '$',
): void {
  for (const [stateName, state] of Object.entries(definition.States)) {
    const statePath = `${path}.States.${stateName}`;
    visit(stateName, state, statePath);
    for (const [index, branch] of nestedMachines(state).entries()) {
      forEachState(
        branch,
        visit,
        `${statePath}.${nestedField(state)}${state.Type === 'Parallel' ? `[${index}]` : ''}`,
      );
    }
  }
}

/** The sub-machines of a Parallel (its Branches) or a Map (its ItemProcessor or Iterator). */
export function nestedMachines(state: AslState): AslDefinition[] {
  if (state.Type === 'Parallel' && Array.isArray(state.Branches)) return state.Branches as AslDefinition[];
  if (state.Type === 'Map') {
    const processor = state.ItemProcessor ?? state.Iterator;
    return isRecord(processor) ? [processor as AslDefinition] : [];
  }
  return [];
}

function nestedField(state: AslState): string {
  if (state.Type === 'Parallel') return 'Branches';
  return state.ItemProcessor === undefined ? 'Iterator' : 'ItemProcessor';
}

interface AslValidationResult {
  readonly isValid: boolean;
  errorsText(separator?: string): string;
}

// asl-validator is CommonJS without type declarations.
const validateAsl = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { readonly checkPaths?: boolean; readonly checkArn?: boolean },
) => AslValidationResult;

const validated = new Map<string, string | undefined>();
/**
 * asl-validator's verdict on a definition, kept per definition text: it compiles its JSON schemas on
 * every call (about half a second), and every sandbox of a process validates the same few definitions.
 */
function aslProblems(definition: unknown): string | undefined {
  const text = JSON.stringify(definition);
  if (!validated.has(text)) {
    const result = validateAsl(structuredClone(definition));
    validated.set(text, result.isValid ? undefined : result.errorsText('\n  - '));
  }
  return validated.get(text);
}

function findJsonata(node: unknown, path: string): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => findJsonata(item, `${path}[${i}]`));
  if (!isRecord(node)) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'QueryLanguage' && value === 'JSONata' ? [path] : findJsonata(value, `${path}.${key}`),
  );
}

/** The function name a Lambda task targets: from `FunctionName` (lambda:invoke) or a function ARN Resource. */
function lambdaFunctionName(resource: string, functionName: unknown): string | undefined {
  if (/^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/.test(resource)) {
    if (typeof functionName !== 'string') return undefined;
    if (!functionName.includes(':')) return functionName;
    return functionName.split(':function:')[1]?.split(':')[0];
  }
  if (/^arn:[^:]+:lambda:/.test(resource)) return resource.split(':function:')[1]?.split(':')[0];
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
