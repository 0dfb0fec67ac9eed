import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { expect } from 'vitest';
import { TRANSIENT_ERRORS } from '../../lib/constructs/workflow-tasks';

/** One state of a JSONPath Amazon States Language definition, as far as the tests read it. */
export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[]; readonly MaxAttempts?: number }[];
  readonly Catch?: readonly {
    readonly ErrorEquals: readonly string[];
    readonly Next: string;
    readonly ResultPath?: string;
  }[];
  readonly TimeoutSeconds?: number;
  /** A Wait state's fixed duration. */
  readonly Seconds?: number;
  /** A Wait state's end, read from the state. */
  readonly TimestampPath?: string;
  readonly Resource?: string;
  readonly InputPath?: string;
  readonly Parameters?: unknown;
  readonly QueryLanguage?: string;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly TimeoutSeconds?: number;
  readonly QueryLanguage?: string;
}

export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Placeholder that {@link tokensToText} writes for `{ Ref: logicalId }`. */
export const refText = (logicalId: string): string => `<Ref:${logicalId}>`;
/** Placeholder that {@link tokensToText} writes for `{ 'Fn::GetAtt': [logicalId, 'Arn'] }`. */
export const arnText = (logicalId: string): string => `<GetAtt:${logicalId}.Arn>`;

/**
 * A CloudFormation string value as text: `Fn::Join` joined, every `Ref` and `Fn::GetAtt` replaced by a
 * placeholder ({@link refText}, {@link arnText}) that needs no escaping inside JSON.
 */
export const tokensToText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (isRecord(value)) {
    if (typeof value.Ref === 'string') return refText(value.Ref);
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<GetAtt:${getAtt.join('.')}>`;
    const join = value['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(tokensToText).join(join[0]);
    }
  }
  throw new Error(`Not a CloudFormation string: ${JSON.stringify(value)}`);
};

/** The logical id CloudFormation gives `construct` (its default child when it is an L2). */
export const logicalIdOf = (construct: IConstruct): string => {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  const stack = Stack.of(construct);
  return stack.resolve(stack.getLogicalId(element)) as string;
};

/** Logical ids of the resources of `type` whose properties match `props`. */
export const idsOf = (template: Template, type: string, props?: Record<string, unknown>): string[] =>
  Object.keys(template.findResources(type, props ? { Properties: props } : undefined));

/** The only resource of `type` matching `props`; throws when there are none or several. */
export const onlyIdOf = (template: Template, type: string, props?: Record<string, unknown>): string => {
  const ids = idsOf(template, type, props);
  if (ids.length !== 1) throw new Error(`Expected one ${type}, found ${ids.length}: ${ids.join(', ')}`);
  return ids[0] as string;
};

/**
 * The name suffixes that tell the product's state machines apart: `${stackName}-lifecycle`,
 * `-escalation`, `-postmortem`.
 */
export type StateMachineSuffix = '-lifecycle' | '-escalation' | '-postmortem';

/** The logical id of the only state machine whose name ends with `suffix`; throws when there are none or several. */
export const stateMachineId = (template: Template, suffix: StateMachineSuffix): string => {
  const ids = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))
    .filter(([, r]) => String(r.Properties.StateMachineName).endsWith(suffix))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`Expected one state machine named *${suffix}, found ${ids.length}`);
  return ids[0] as string;
};

/** The definition of the state machine whose name ends with `suffix`, tokens replaced by placeholders. */
export const stateMachineDefinition = (template: Template, suffix: StateMachineSuffix): AslDefinition => {
  const machine = template.toJSON().Resources[stateMachineId(template, suffix)];
  return JSON.parse(tokensToText(machine.Properties.DefinitionString)) as AslDefinition;
};

/** The names of the states `state` can move to: Next, Choice branches and Default, and Catch targets. */
export const successorsOf = (state: AslState): string[] =>
  [
    state.Next,
    state.Default,
    ...(state.Choices ?? []).map((c) => c.Next),
    ...(state.Catch ?? []).map((c) => c.Next),
  ].filter((name): name is string => name !== undefined);

/** Names of the states reachable from StartAt without entering any state in `avoid`. */
export const reachableAvoiding = (definition: AslDefinition, avoid: ReadonlySet<string>): Set<string> => {
  const seen = new Set<string>();
  const queue = [definition.StartAt];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const state = definition.States[name];
    if (seen.has(name) || avoid.has(name) || state === undefined) continue;
    seen.add(name);
    queue.push(...successorsOf(state));
  }
  return seen;
};

/** The actions of a statement, as a sorted list. */
export const actionsOf = (statement: PolicyStatementJson): string[] => [statement.Action].flat().sort();

/** Every statement of the identity policies in `template`: IAM policies, managed policies, role inline policies. */
export const identityStatements = (
  template: Template,
): (PolicyStatementJson & { readonly owner: string })[] => {
  const documents: [string, unknown][] = [
    ...Object.entries(template.findResources('AWS::IAM::Policy')).map(
      ([id, r]) => [id, r.Properties.PolicyDocument] as [string, unknown],
    ),
    ...Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).map(
      ([id, r]) => [id, r.Properties.PolicyDocument] as [string, unknown],
    ),
    ...Object.entries(template.findResources('AWS::IAM::Role')).flatMap(([id, r]) =>
      ((r.Properties.Policies ?? []) as { PolicyDocument: unknown }[]).map(
        (p) => [id, p.PolicyDocument] as [string, unknown],
      ),
    ),
  ];
  return documents.flatMap(([owner, document]) =>
    ((document as { Statement: PolicyStatementJson[] }).Statement ?? []).map((s) => ({ ...s, owner })),
  );
};

/** The statements of the IAM policy attached to the role with logical id `roleId`. */
export const roleStatements = (template: Template, roleId: string): PolicyStatementJson[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((r) => isRecord(r) && r.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatementJson[]);

/** Statements of the resource policies on topics, queues and keys in `template`. */
export const resourcePolicyStatements = (
  template: Template,
): (PolicyStatementJson & { readonly owner: string; readonly type: string })[] =>
  (
    [
      ['AWS::SNS::TopicPolicy', 'PolicyDocument'],
      ['AWS::SQS::QueuePolicy', 'PolicyDocument'],
      ['AWS::KMS::Key', 'KeyPolicy'],
    ] as const
  ).flatMap(([type, property]) =>
    Object.entries(template.findResources(type)).flatMap(([owner, r]) =>
      ((r.Properties[property]?.Statement ?? []) as PolicyStatementJson[]).map((s) => ({
        ...s,
        owner,
        type,
      })),
    ),
  );

/** The state `name` of `definition`; throws when there is none. */
export const stateOf = (definition: AslDefinition, name: string): AslState => {
  const state = definition.States[name];
  if (state === undefined) throw new Error(`No state ${name}`);
  return state;
};

/** The Task states of `definition`, as `[name, state]`. */
export const tasksOf = (definition: AslDefinition): [string, AslState][] =>
  Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');

interface ChoiceRule {
  readonly Variable?: string;
  readonly StringEquals?: string;
  readonly BooleanEquals?: boolean;
  readonly NumericGreaterThanEquals?: number;
  readonly IsPresent?: boolean;
  readonly And?: readonly ChoiceRule[];
  readonly Or?: readonly ChoiceRule[];
  readonly Not?: ChoiceRule;
  readonly Next?: string;
}

/** The value at a `$.a.b` path, or undefined when it is absent. */
const valueAt = (input: unknown, path: string): unknown =>
  path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], input);

/**
 * Whether a Choice rule holds for `input`: the operators these workflows use, and no others. As
 * strict as Step Functions: a comparison on a path that is absent is a States.Runtime error (no Catch
 * handles it), so a rule must check IsPresent first (And stops at the first rule that fails, as the
 * Choice state's documentation shows for IsPresent guards).
 */
const holds = (rule: ChoiceRule, input: unknown): boolean => {
  if (rule.And) return rule.And.every((r) => holds(r, input));
  if (rule.Or) return rule.Or.some((r) => holds(r, input));
  if (rule.Not) return !holds(rule.Not, input);
  const value = valueAt(input, rule.Variable ?? '');
  if (rule.IsPresent !== undefined) return (value !== undefined) === rule.IsPresent;
  if (value === undefined)
    throw new Error(
      `States.Runtime: Invalid path '${rule.Variable}': the choice state's condition path references an undefined value`,
    );
  if (rule.StringEquals !== undefined) return value === rule.StringEquals;
  if (rule.BooleanEquals !== undefined) return value === rule.BooleanEquals;
  if (rule.NumericGreaterThanEquals !== undefined)
    return typeof value === 'number' && value >= rule.NumericGreaterThanEquals;
  throw new Error(`Choice operator not understood: ${JSON.stringify(rule)}`);
};

/** Where the Choice state `name` goes with `input`: its first rule that holds, else its Default. */
export const chosen = (definition: AslDefinition, name: string, input: unknown): string | undefined => {
  const choice = stateOf(definition, name);
  if (choice.Type !== 'Choice') throw new Error(`${name} is a ${choice.Type}, not a Choice`);
  const rules = (choice.Choices ?? []) as readonly ChoiceRule[];
  return rules.find((rule) => holds(rule, input))?.Next ?? choice.Default;
};

/** The states visited from `from` following Next only, up to and including the first state without one. */
export const nextChain = (definition: AslDefinition, from: string): string[] => {
  const chain: string[] = [];
  for (
    let name: string | undefined = from;
    name && !chain.includes(name);
    name = stateOf(definition, name).Next
  ) {
    chain.push(name);
  }
  return chain;
};

/** Whether the graph, Wait states taken out, still has a cycle: a loop that would spin without pause. */
export const hasCycleWithoutWait = (definition: AslDefinition): boolean => {
  const done = new Set<string>();
  const onPath = new Set<string>();
  const visit = (name: string): boolean => {
    if (onPath.has(name)) return true;
    const state = definition.States[name];
    if (done.has(name) || state === undefined || state.Type === 'Wait') return false;
    onPath.add(name);
    const cyclic = successorsOf(state).some(visit);
    onPath.delete(name);
    done.add(name);
    return cyclic;
  };
  return Object.keys(definition.States).some(visit);
};

/**
 * Asserts the one state machine of `template` is the named Standard workflow every product workflow
 * is: executions logged with their data to its own log group (90 days), and traced.
 */
export const expectLoggedStandardWorkflow = (template: Template, stateMachineName: string): void => {
  const logGroup = onlyIdOf(template, 'AWS::Logs::LogGroup');
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
    StateMachineName: stateMachineName,
    StateMachineType: 'STANDARD',
    LoggingConfiguration: {
      Level: 'ALL',
      IncludeExecutionData: true,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroup, 'Arn'] } } }],
    },
    TracingConfiguration: { Enabled: true },
  });
  template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
};

/**
 * What `childWorkflowSteps` builds, as the escalation and post-mortem workflows use it: every Task is
 * one of `steps` or the failure step, runs the lifecycle function within 30 s, retries transient
 * errors with jitter and catches everything else; a failed step pages a person with the error and the
 * incident (`failedStep`), then the execution fails with `error`, and only through that page.
 */
export const expectChildWorkflowSteps = (
  definition: AslDefinition,
  expected: {
    readonly lifecycleArn: unknown;
    readonly steps: readonly string[];
    readonly failedStateName: string;
    readonly failedStep: string;
    readonly error: string;
  },
): void => {
  const { lifecycleArn, steps, failedStateName, failedStep, error } = expected;
  expect(
    tasksOf(definition)
      .map(([name]) => name)
      .sort(),
  ).toEqual([failedStateName, ...steps].sort());
  for (const [name, state] of tasksOf(definition)) {
    expect(state.Resource, name).toBe(lifecycleArn);
    expect(state.TimeoutSeconds, name).toBe(30);
    expect(state.Retry, name).toContainEqual(
      expect.objectContaining({ ErrorEquals: [...TRANSIENT_ERRORS], MaxAttempts: 3, JitterStrategy: 'FULL' }),
    );
    expect(
      state.Catch?.map((c) => c.ErrorEquals),
      name,
    ).toEqual([['States.ALL']]);
  }
  const fails = Object.entries(definition.States)
    .filter(([, state]) => state.Type === 'Fail')
    .map(([name]) => name);
  for (const name of steps) {
    expect(stateOf(definition, name).Catch, name).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: failedStateName },
    ]);
  }
  expect(stateOf(definition, failedStateName)).toMatchObject({
    Parameters: {
      step: 'escalate',
      failedStep,
      'error.$': '$.error',
      state: { record: { 'incidentId.$': '$.incidentId' } },
    },
    Next: 'Failed',
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.escalationError', Next: 'Failed' }],
  });
  expect(fails).toEqual(['Failed']);
  expect(stateOf(definition, 'Failed')).toMatchObject({ Error: error });
  expect(reachableAvoiding(definition, new Set())).toContain('Failed');
  expect(reachableAvoiding(definition, new Set([failedStateName]))).not.toContain('Failed');
};
