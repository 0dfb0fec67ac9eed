import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  LifecycleWorkflow,
  type LifecycleWorkflowProps,
  STATES,
} from '../../../lib/constructs/lifecycle-workflow';
import { composeTestApp, exampleInput } from '../fixtures';
import {
  type AslDefinition,
  type AslState,
  actionsOf,
  arnText,
  logicalIdOf,
  onlyIdOf,
  reachableAvoiding,
  roleStatements,
  stateMachineDefinition,
} from '../template-helpers';

const workflowIn = (props: Partial<LifecycleWorkflowProps> = {}) => {
  const stack = new Stack();
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => ({});'),
    });
  const intake = fn('Intake');
  const lifecycle = fn('Lifecycle');
  const workflow = new LifecycleWorkflow(stack, 'Workflow', {
    intakeFunction: intake,
    lifecycleFunction: lifecycle,
    stateMachineName: 'test-lifecycle',
    ...props,
  });
  return {
    stack,
    workflow,
    intakeArn: arnText(logicalIdOf(intake)),
    lifecycleArn: arnText(logicalIdOf(lifecycle)),
  };
};

const synth = (props: Partial<LifecycleWorkflowProps> = {}) => {
  const built = workflowIn(props);
  const template = Template.fromStack(built.stack);
  return { ...built, template, definition: stateMachineDefinition(template) };
};

const stateOf = (definition: AslDefinition, name: string): AslState => {
  const state = definition.States[name];
  if (state === undefined) throw new Error(`No state ${name}`);
  return state;
};

const ESCALATIONS = [STATES.escalateFailure, STATES.escalateNotRecovered] as const;
const isEscalation = (name: string) => (ESCALATIONS as readonly string[]).includes(name);
const tasksOf = (definition: AslDefinition) =>
  Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');

describe('LifecycleWorkflow definition', () => {
  it('records the signal, then runs the lifecycle in order for a new incident only', () => {
    const { definition } = synth();
    const start = stateOf(definition, definition.StartAt);
    const choice = stateOf(definition, stateOf(definition, STATES.record).Next ?? '');

    expect(definition.StartAt).toBe('Start');
    expect(start).toMatchObject({ Type: 'Pass', Next: STATES.record });
    expect(choice.Type).toBe('Choice');
    expect(stateOf(definition, choice.Default ?? '').Type).toBe('Succeed');
    expect(choice.Choices?.map((c) => c.Next)).toEqual([STATES.announce]);

    const happyPath: string[] = [];
    for (let name: string | undefined = STATES.announce; name; name = stateOf(definition, name).Next) {
      happyPath.push(name);
    }
    expect(happyPath.slice(0, 6)).toEqual([
      STATES.announce,
      STATES.diagnose,
      STATES.mitigate,
      STATES.awaitRecovery,
      STATES.resolve,
      STATES.postIncident,
    ]);
    const afterPostIncident = reachableAvoiding(
      { ...definition, StartAt: stateOf(definition, STATES.postIncident).Next ?? '' },
      new Set(ESCALATIONS),
    );
    expect(afterPostIncident).toContain('Done');
    expect(stateOf(definition, 'Done').Type).toBe('Succeed');
  });

  it('records with the intake function and runs every other step with the lifecycle function', () => {
    const { definition, intakeArn, lifecycleArn } = synth();

    expect(
      tasksOf(definition)
        .map(([name]) => name)
        .sort(),
    ).toEqual(Object.values(STATES).sort());
    for (const [name, state] of tasksOf(definition)) {
      const target =
        name === STATES.awaitRecovery
          ? (state.Parameters as { FunctionName: string }).FunctionName
          : state.Resource;
      expect(target, name).toBe(name === STATES.record ? intakeArn : lifecycleArn);
    }
  });

  it('bounds every Task with a timeout', () => {
    const { definition } = synth({ taskTimeout: Duration.seconds(12) });

    for (const [name, state] of tasksOf(definition)) {
      expect(state.TimeoutSeconds, name).toBe(name === STATES.awaitRecovery ? 3600 : 12);
    }
  });

  it('retries transient errors on every Task, escalations included', () => {
    const { definition } = synth();

    for (const [name, state] of tasksOf(definition)) {
      const retried = (state.Retry ?? [])
        .filter((r) => (r.MaxAttempts ?? 3) > 0)
        .flatMap((r) => r.ErrorEquals);
      expect(retried, name).toEqual(
        expect.arrayContaining(['ConcurrentUpdateError', 'ThrottlingException', 'Lambda.ServiceException']),
      );
    }
  });

  it('catches every error of a lifecycle step into <Step>Failed, which escalates to a person', () => {
    const { definition } = synth();
    const steps = tasksOf(definition).filter(([name]) => !isEscalation(name));

    expect(steps.map(([name]) => name).sort()).toEqual(
      Object.values(STATES)
        .filter((name) => !isEscalation(name))
        .sort(),
    );
    for (const [name, state] of steps) {
      const catchAll = state.Catch?.at(-1);
      expect(catchAll, name).toMatchObject({
        ErrorEquals: ['States.ALL'],
        Next: `${name}Failed`,
        ResultPath: '$.error',
      });
      expect(stateOf(definition, `${name}Failed`), name).toMatchObject({
        Type: 'Pass',
        Next: STATES.escalateFailure,
        Parameters: { step: 'escalate', failedStep: name, 'error.$': '$.error' },
      });
    }
  });

  it('fails the execution after escalating a failed step, and keeps the original error if paging fails', () => {
    const { definition } = synth();

    expect(stateOf(definition, stateOf(definition, STATES.escalateFailure).Next ?? '').Type).toBe('Fail');
    expect(stateOf(definition, stateOf(definition, STATES.escalateNotRecovered).Next ?? '').Type).toBe(
      'Succeed',
    );
    for (const name of ESCALATIONS) {
      const escalation = stateOf(definition, name);
      expect(escalation.Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.escalationError', Next: 'EscalationFailed' },
      ]);
    }
    expect(stateOf(definition, 'EscalationFailed').Type).toBe('Fail');
  });

  it('reaches a Fail state only through a state that pages a person', () => {
    const { definition } = synth();
    const fails = Object.keys(definition.States).filter((name) => stateOf(definition, name).Type === 'Fail');
    const everything = reachableAvoiding(definition, new Set());
    const withoutPaging = reachableAvoiding(definition, new Set(ESCALATIONS));

    expect(fails.sort()).toEqual(['EscalationFailed', 'WorkflowFailed']);
    expect(fails.every((name) => everything.has(name))).toBe(true);
    expect(fails.filter((name) => withoutPaging.has(name))).toEqual([]);
  });

  it('routes every caught error of a lifecycle step to an escalation', () => {
    const { definition } = synth();

    for (const [name, state] of tasksOf(definition).filter(([n]) => !isEscalation(n))) {
      for (const catcher of state.Catch ?? []) {
        let target = catcher.Next;
        while (stateOf(definition, target).Type === 'Pass') target = stateOf(definition, target).Next ?? '';
        expect(ESCALATIONS, `${name} catch ${catcher.ErrorEquals}`).toContain(target);
      }
    }
  });

  it('has no JSONata anywhere: the local interpreter runs JSONPath only', () => {
    const { definition } = synth();

    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(JSON.stringify(definition)).not.toMatch(/JSONata|\{%/i);
  });

  // With payloadResponseOnly, CDK renders `payload: TaskInput.fromJsonPathAt(p)` as the literal
  // `"Parameters": "p"`: the function would get the string "$.event" instead of the alarm event.
  it('hands each Lambda step its input, not a JSONPath written as a literal string', () => {
    const { definition } = synth();
    const literal = tasksOf(definition)
      .filter(([, state]) => typeof state.Parameters === 'string')
      .map(([name, state]) => `${name}: ${JSON.stringify(state.Parameters)}`);

    expect(literal).toEqual([]);
    expect(stateOf(definition, STATES.record).InputPath).toBe('$.event');
    expect(stateOf(definition, STATES.record)).not.toHaveProperty('Parameters');
  });
});

describe('LifecycleWorkflow AwaitRecovery', () => {
  it('waits for the task token the OK answers, for the recovery timeout', () => {
    const { definition, lifecycleArn } = synth({ recoveryTimeout: Duration.minutes(45) });
    const wait = stateOf(definition, STATES.awaitRecovery);

    expect(wait.Resource).toMatch(/^arn:<Ref:AWS::Partition>:states:::lambda:invoke\.waitForTaskToken$/);
    expect(wait.TimeoutSeconds).toBe(45 * 60);
    expect(wait.Parameters).toEqual({
      FunctionName: lifecycleArn,
      Payload: {
        step: 'await-recovery',
        'incidentId.$': '$.record.incidentId',
        'taskToken.$': '$$.Task.Token',
      },
    });
  });

  it('hands an unrecovered incident to a person instead of failing', () => {
    const { definition } = synth({ recoveryTimeout: Duration.minutes(45) });
    const wait = stateOf(definition, STATES.awaitRecovery);

    expect(wait.Catch?.map((c) => [c.ErrorEquals, c.Next])).toEqual([
      [['States.Timeout'], 'NotRecovered'],
      [['States.ALL'], `${STATES.awaitRecovery}Failed`],
    ]);
    // A retried timeout would wait the whole recovery window again.
    expect(wait.Retry?.flatMap((r) => r.ErrorEquals)).not.toContain('States.Timeout');
    expect(stateOf(definition, 'NotRecovered')).toMatchObject({
      Type: 'Pass',
      Next: STATES.escalateNotRecovered,
      Parameters: {
        step: 'escalate',
        failedStep: STATES.awaitRecovery,
        reason: expect.stringContaining('45 min'),
      },
    });
    expect(stateOf(definition, STATES.escalateNotRecovered).Next).toBe('HandedToHuman');
  });

  it.each([
    [undefined, 60],
    [45, 45],
  ])('times out after the configured verification.recoveryTimeoutMinutes (%s)', (minutes, expected) => {
    const input = exampleInput();
    const { stack } = composeTestApp(
      minutes === undefined ? input : { ...input, verification: { recoveryTimeoutMinutes: minutes } },
    );
    const definition = stateMachineDefinition(Template.fromStack(stack));

    expect(stateOf(definition, STATES.awaitRecovery).TimeoutSeconds).toBe(expected * 60);
  });

  // The config accepts up to 10,080 recovery minutes (7 days): the execution must outlive that wait.
  it('lets the longest recovery wait the config accepts end in NotRecovered, not an execution timeout', () => {
    const { stack } = composeTestApp({ ...exampleInput(), verification: { recoveryTimeoutMinutes: 10_080 } });
    const definition = stateMachineDefinition(Template.fromStack(stack));
    const stepBudget = tasksOf(definition).reduce((sum, [, state]) => sum + (state.TimeoutSeconds ?? 0), 0);

    expect(definition.TimeoutSeconds).toBeGreaterThan(stepBudget);
  });
});

describe('LifecycleWorkflow state machine', () => {
  it('is a named Standard workflow that logs everything and traces', () => {
    const { template } = synth();
    const logGroup = onlyIdOf(template, 'AWS::Logs::LogGroup');

    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'test-lifecycle',
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroup, 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('bounds an execution by what it can wait (recovery 60 min + reopen window 30 min) plus a day, or as told', () => {
    expect(synth().definition.TimeoutSeconds).toBe((60 + 30) * 60 + 24 * 3600);
    expect(synth({ executionTimeout: Duration.days(2) }).definition.TimeoutSeconds).toBe(2 * 24 * 3600);
  });

  it('rejects timeouts too short to work, reporting both at once', () => {
    expect(() =>
      workflowIn({ taskTimeout: Duration.seconds(0), recoveryTimeout: Duration.seconds(59) }),
    ).toThrow(
      'LifecycleWorkflow: taskTimeout must be at least 1 second; recoveryTimeout must be at least 1 minute',
    );
  });

  it('lets a grantee answer its callbacks by ARN, and nothing else', () => {
    const { stack, workflow } = workflowIn();
    const role = new iam.Role(stack, 'Responder', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    workflow.grantTaskResponse(role);
    const template = Template.fromStack(stack);

    const statements = roleStatements(template, logicalIdOf(role));
    expect(statements.map((s) => ({ ...s, Action: actionsOf(s) }))).toEqual([
      {
        Effect: 'Allow',
        Action: ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'],
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':states:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':stateMachine:test-lifecycle',
            ],
          ],
        },
      },
    ]);
  });
});
