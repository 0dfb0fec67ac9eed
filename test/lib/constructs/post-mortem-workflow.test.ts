import { Duration, type StackProps, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type LifecycleInput, lifecycleInputSchema } from '../../../lambdas/handlers/lifecycle';
import {
  POST_MORTEM_STATES,
  PostMortemWorkflow,
  type PostMortemWorkflowProps,
} from '../../../lib/constructs/post-mortem-workflow';
import type { LocalHandler } from '../../../sandbox/sfn-local/local-runner';
import { playLocally } from '../../support/local-workflow';
import { childWorkflowStack, synthWorkflow, withSharedDefault } from '../../support/stacks';
import {
  actionsOf,
  arnText,
  chosen,
  expectChildWorkflowSteps,
  expectLoggedStandardWorkflow,
  hasCycleWithoutWait,
  logicalIdOf,
  nextChain,
  roleStatements,
  stateOf,
  tokensToText,
} from '../../support/template';

const { plan: PLAN, done: DONE, wait: WAIT, remind: REMIND, failed: PAGE_ABOUT_FAILURE } = POST_MORTEM_STATES;

const postMortemIn = (props: Partial<PostMortemWorkflowProps> = {}, stackProps: StackProps = {}) => {
  const { stack, lifecycle } = childWorkflowStack(stackProps);
  const postMortem = new PostMortemWorkflow(stack, 'PostMortem', {
    lifecycleFunction: lifecycle,
    stateMachineName: 'test-postmortem',
    ...props,
  });
  return { stack, lifecycle, postMortem };
};

const synth = withSharedDefault((props: Partial<PostMortemWorkflowProps> = {}) => {
  const built = postMortemIn(props);
  return { ...synthWorkflow(built, '-postmortem'), lifecycleArn: arnText(logicalIdOf(built.lifecycle)) };
});

describe('PostMortemWorkflow definition', () => {
  it('plans first, with the incident and the epoch it was started for, and stops when the plan says done', () => {
    const { definition, lifecycleArn } = synth();

    expect(definition.StartAt).toBe(PLAN);
    expect(stateOf(definition, PLAN)).toMatchObject({
      Resource: lifecycleArn,
      ResultPath: '$.plan',
      Next: DONE,
    });
    // The epoch lets a plan of an older resolution (the incident reopened since) say done.
    expect(stateOf(definition, PLAN).Parameters).toEqual({
      step: 'postmortem-plan',
      'incidentId.$': '$.incidentId',
      'epoch.$': '$.epoch',
    });
    expect(stateOf(definition, chosen(definition, DONE, { plan: { done: true } }) ?? '').Type).toBe(
      'Succeed',
    );
    expect(chosen(definition, DONE, { plan: { done: false, nextAt: '2026-03-02T10:00:00Z' } })).toBe(WAIT);
  });

  it('sleeps until the planned reminder, reminds the owner, then plans again', () => {
    const { definition, lifecycleArn } = synth();

    expect(stateOf(definition, WAIT)).toEqual({ Type: 'Wait', TimestampPath: '$.plan.nextAt', Next: REMIND });
    expect(stateOf(definition, REMIND)).toMatchObject({
      Resource: lifecycleArn,
      ResultPath: '$.reminder',
      Next: PLAN,
    });
    expect(stateOf(definition, REMIND).Parameters).toEqual({
      step: 'postmortem-remind',
      'incidentId.$': '$.incidentId',
    });
    expect(nextChain(definition, WAIT)).toEqual([WAIT, REMIND, PLAN, DONE]);
  });

  it('loops only through the Wait', () => {
    const { definition } = synth();

    expect(hasCycleWithoutWait(definition)).toBe(false);
    expect(
      hasCycleWithoutWait({
        ...definition,
        States: { ...definition.States, [WAIT]: { Type: 'Pass', Next: REMIND } },
      }),
    ).toBe(true);
  });

  it('bounds every Task at 30 s, retries transient errors with jitter, catches everything else, and pages a person about a failed plan or reminder, as the escalation policy does, then fails', () => {
    const { definition, lifecycleArn } = synth();
    expectChildWorkflowSteps(definition, {
      lifecycleArn,
      steps: [PLAN, REMIND],
      failedStateName: PAGE_ABOUT_FAILURE,
      failedStep: 'PostMortemReminders',
      error: 'PostMortemRemindersFailed',
    });
  });
});

const START = new Date('2026-03-01T10:00:00.000Z');
const hoursLater = (hours: number) => new Date(START.getTime() + hours * 3_600_000).toISOString();

class BrokenReminderError extends Error {
  override readonly name = 'BrokenReminder';
}

/** The execution input, as the lifecycle function starts it: the incident and its reopen count. */
const EXECUTION_INPUT = { incidentId: 'inc-1', epoch: 2 };

/**
 * Runs the synthesized definition on the local interpreter and a simulated clock: reminders due 24 h
 * and 48 h after the start, and the post-mortem done by the third plan. Every Task input must be one
 * the lifecycle function accepts.
 */
const runLocally = async (overrides: Partial<Record<string, LocalHandler>> = {}) => {
  const reminders = [hoursLater(24), hoursLater(48)];
  const defaults: Record<string, LocalHandler> = {
    [PLAN]: async (_input, context) => {
      const next = reminders.find((at) => at > context.now.toISOString());
      return next ? { done: false, nextAt: next } : { done: true, reason: 'post-mortem linked' };
    },
    [REMIND]: async () => ({ reminded: true, reason: 'overdue' }),
    [PAGE_ABOUT_FAILURE]: async () => ({ escalated: true }),
  };
  return playLocally(
    synth().template,
    { ...defaults, ...overrides },
    {
      start: START,
      input: EXECUTION_INPUT,
      read: (input): LifecycleInput => lifecycleInputSchema.parse(input),
    },
  );
};

describe('PostMortemWorkflow on the local interpreter', () => {
  it('reminds at each planned time until the plan says done', async () => {
    const { outcome, callsOf } = await runLocally();

    expect(outcome).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(callsOf(REMIND).map((c) => [c.at, c.input])).toEqual([
      [hoursLater(24), { step: 'postmortem-remind', incidentId: 'inc-1' }],
      [hoursLater(48), { step: 'postmortem-remind', incidentId: 'inc-1' }],
    ]);
    expect(callsOf(PLAN).map((c) => [c.at, c.input])).toEqual(
      [0, 24, 48].map((hours) => [
        hoursLater(hours),
        { step: 'postmortem-plan', incidentId: 'inc-1', epoch: 2 },
      ]),
    );
    expect(callsOf(PAGE_ABOUT_FAILURE)).toEqual([]);
  });

  it('reminds nobody when the post-mortem is already done', async () => {
    const { outcome, calls } = await runLocally({
      [PLAN]: async () => ({ done: true, reason: 'not required for P3' }),
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(calls.map((c) => [c.state, c.input])).toEqual([
      [PLAN, { step: 'postmortem-plan', incidentId: 'inc-1', epoch: 2 }],
    ]);
  });

  // The lifecycle function refuses a plan without its epoch: the workflow must carry it from its input.
  it('hands the plan step an input the lifecycle function accepts only with the epoch', async () => {
    const { callsOf } = await runLocally();
    const planned: Record<string, unknown> = { ...callsOf(PLAN)[0]?.input };
    const { epoch: _epoch, ...withoutEpoch } = planned;

    expect(lifecycleInputSchema.safeParse(planned).success).toBe(true);
    expect(lifecycleInputSchema.safeParse(withoutEpoch).success).toBe(false);
  });

  it.each([PLAN, REMIND])(
    'pages a person with the error when %s fails, then fails the execution',
    async (state) => {
      const { outcome, calls, callsOf } = await runLocally({
        [state]: async () => {
          throw new BrokenReminderError('the owner tier has no contacts');
        },
      });

      expect(outcome).toEqual({ status: 'FAILED', error: 'PostMortemRemindersFailed' });
      expect(callsOf(PAGE_ABOUT_FAILURE).map((c) => c.input)).toEqual([
        {
          step: 'escalate',
          failedStep: 'PostMortemReminders',
          error: expect.objectContaining({ Error: 'BrokenReminder' }),
          state: { record: { incidentId: 'inc-1' } },
        },
      ]);
      expect(calls.at(-1)?.state).toBe(PAGE_ABOUT_FAILURE);
    },
  );
});

describe('PostMortemWorkflow state machine', () => {
  it('is a named Standard workflow that logs everything and traces', () => {
    expectLoggedStandardWorkflow(synth().template, 'test-postmortem');
  });

  it('runs for up to a year, the Standard limit, since reminders go on until the post-mortem is done, or as told', () => {
    expect(synth().definition.TimeoutSeconds).toBe(365 * 24 * 3600);
    expect(synth({ executionTimeout: Duration.days(30) }).definition.TimeoutSeconds).toBe(30 * 24 * 3600);
  });

  it.each([
    [Duration.days(366), 'executionTimeout must be at most 365 days'],
    [Duration.seconds(30), 'executionTimeout must be at least 1 minute'],
  ])('rejects an execution timeout of %s', (executionTimeout, message) => {
    expect(() => postMortemIn({ executionTimeout })).toThrow(`PostMortemWorkflow: ${message}`);
  });

  it('may invoke the lifecycle function, and no other', () => {
    const { template, postMortem, lifecycleArn } = synth();
    const invokes = roleStatements(template, logicalIdOf(postMortem.stateMachine.role)).filter((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );

    expect(
      invokes.map((s) => ({ Action: actionsOf(s), Resource: [s.Resource].flat().map(tokensToText) })),
    ).toEqual([{ Action: ['lambda:InvokeFunction'], Resource: [lifecycleArn, `${lifecycleArn}:*`] }]);
  });

  it("acknowledges its role's wildcards by name, each with why", () => {
    const { postMortem, lifecycle } = synth();
    const acknowledged = postMortem.stateMachine.role.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as Record<string, string>));

    expect(acknowledged.map((id) => id.replace(/^Annotation::/, '')).sort()).toEqual(
      [
        'AwsSolutions-IAM5[Resource::*]',
        `AwsSolutions-IAM5[Resource::<${logicalIdOf(lifecycle)}.Arn>:*]`,
      ].sort(),
    );
  });
});

describe('PostMortemWorkflow.grantStart', () => {
  it('lets the function it invokes start it by the formatted ARN, with no dependency cycle, and nothing else', () => {
    const { stack, lifecycle, postMortem } = postMortemIn();
    lifecycle.addEnvironment('POSTMORTEM_STATE_MACHINE_ARN', postMortem.formattedArn);
    postMortem.grantStart(lifecycle);
    const template = Template.fromStack(stack);
    const formatted =
      'arn:<Ref:AWS::Partition>:states:<Ref:AWS::Region>:<Ref:AWS::AccountId>:stateMachine:test-postmortem';

    expect(
      roleStatements(template, logicalIdOf(lifecycle.role ?? lifecycle)).map((s) => ({
        Effect: s.Effect,
        Action: actionsOf(s),
        Resource: [s.Resource].flat().map(tokensToText),
      })),
    ).toEqual([{ Effect: 'Allow', Action: ['states:StartExecution'], Resource: [formatted] }]);
    expect(
      tokensToText(
        template.toJSON().Resources[logicalIdOf(lifecycle)].Properties.Environment.Variables
          .POSTMORTEM_STATE_MACHINE_ARN,
      ),
    ).toBe(formatted);
  });

  it('formats the ARN with the account and region of the stack when they are known', () => {
    const { stack, postMortem } = postMortemIn(
      { stateMachineName: 'pinned-postmortem' },
      { env: { account: '123456789012', region: 'eu-west-1' } },
    );

    expect(tokensToText(stack.resolve(postMortem.formattedArn))).toBe(
      'arn:<Ref:AWS::Partition>:states:eu-west-1:123456789012:stateMachine:pinned-postmortem',
    );
  });
});
