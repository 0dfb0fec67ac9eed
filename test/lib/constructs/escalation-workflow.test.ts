import { Duration, type StackProps, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type LifecycleInput, lifecycleInputSchema } from '../../../lambdas/handlers/lifecycle';
import {
  ESCALATION_ROUNDS_PER_EXECUTION,
  ESCALATION_STATES,
  EscalationWorkflow,
  type EscalationWorkflowProps,
} from '../../../lib/constructs/escalation-workflow';
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

const { plan: PLAN, fire: FIRE, continueAsNew: CONTINUE, failed: PAGE_ABOUT_FAILURE } = ESCALATION_STATES;

const escalationIn = (props: Partial<EscalationWorkflowProps> = {}, stackProps: StackProps = {}) => {
  const { stack, lifecycle } = childWorkflowStack(stackProps);
  const escalation = new EscalationWorkflow(stack, 'Escalation', {
    lifecycleFunction: lifecycle,
    stateMachineName: 'test-escalation',
    ...props,
  });
  return { stack, lifecycle, escalation };
};

const synth = withSharedDefault((props: Partial<EscalationWorkflowProps> = {}) => {
  const built = escalationIn(props);
  return { ...synthWorkflow(built, '-escalation'), lifecycleArn: arnText(logicalIdOf(built.lifecycle)) };
});

describe('EscalationWorkflow definition', () => {
  it('begins with an empty cursor, keeping only the incident and its epoch, then plans', () => {
    const { definition } = synth();

    expect(definition.StartAt).toBe('Continued?');
    expect(chosen(definition, 'Continued?', { incidentId: 'inc-1', epoch: 0 })).toBe('Begin');
    expect(stateOf(definition, 'Begin')).toEqual({
      Type: 'Pass',
      Parameters: {
        'incidentId.$': '$.incidentId',
        'epoch.$': '$.epoch',
        generation: 0,
        round: 0,
        after: { at: '', label: '' },
      },
      Next: PLAN,
    });
  });

  it('a continued execution resumes from the cursor it was handed, counting rounds afresh', () => {
    const { definition } = synth();
    const input = { incidentId: 'inc-1', epoch: 0, generation: 1, after: { at: 'x', label: 'y' } };

    expect(chosen(definition, 'Continued?', input)).toBe('Resume');
    expect(stateOf(definition, 'Resume')).toEqual({
      Type: 'Pass',
      Parameters: {
        'incidentId.$': '$.incidentId',
        'epoch.$': '$.epoch',
        'generation.$': '$.generation',
        round: 0,
        'after.$': '$.after',
      },
      Next: PLAN,
    });
  });

  it(`continues as a new execution after ${ESCALATION_ROUNDS_PER_EXECUTION} rounds, before the 25,000-event history limit`, () => {
    const { definition, lifecycleArn } = synth();

    expect(chosen(definition, 'RoundsLeft?', { round: ESCALATION_ROUNDS_PER_EXECUTION - 1 })).toBe(PLAN);
    expect(chosen(definition, 'RoundsLeft?', { round: ESCALATION_ROUNDS_PER_EXECUTION })).toBe(CONTINUE);
    expect(stateOf(definition, CONTINUE)).toMatchObject({
      Resource: lifecycleArn,
      Parameters: {
        step: 'escalation-continue',
        'incidentId.$': '$.incidentId',
        'epoch.$': '$.epoch',
        'generation.$': '$.generation',
        'after.$': '$.after',
      },
      Next: 'ContinuedAsNew',
    });
  });

  it('plans with the incident, its epoch and the cursor, and stops when the plan is done', () => {
    const { definition, lifecycleArn } = synth();

    expect(stateOf(definition, PLAN)).toMatchObject({
      Resource: lifecycleArn,
      Parameters: {
        step: 'escalation-plan',
        'incidentId.$': '$.incidentId',
        'epoch.$': '$.epoch',
        'after.$': '$.after',
      },
      ResultPath: '$.plan',
      Next: 'More?',
    });
    expect(stateOf(definition, chosen(definition, 'More?', { plan: { done: true } }) ?? '').Type).toBe(
      'Succeed',
    );
    expect(chosen(definition, 'More?', { plan: { done: false } })).toBe('UntilNext');
  });

  it('sleeps until the planned time, fires the planned entry, then moves the cursor past it', () => {
    const { definition, lifecycleArn } = synth();

    expect(stateOf(definition, 'UntilNext')).toEqual({
      Type: 'Wait',
      TimestampPath: '$.plan.nextAt',
      Next: FIRE,
    });
    expect(stateOf(definition, FIRE)).toMatchObject({
      Resource: lifecycleArn,
      Parameters: {
        step: 'escalation-fire',
        'incidentId.$': '$.incidentId',
        'epoch.$': '$.epoch',
        'entry.$': '$.plan.entry',
      },
      ResultPath: '$.fired',
      Next: 'Advance',
    });
    expect(stateOf(definition, 'Advance')).toEqual({
      Type: 'Pass',
      Parameters: {
        'incidentId.$': '$.incidentId',
        'epoch.$': '$.epoch',
        'generation.$': '$.generation',
        'round.$': 'States.MathAdd($.round, 1)',
        after: { 'at.$': '$.plan.entry.at', 'label.$': '$.plan.entry.label' },
      },
      Next: 'RoundsLeft?',
    });
  });

  it('loops plan, wait, fire, advance, and only through the Wait', () => {
    const { definition } = synth();

    expect(nextChain(definition, 'UntilNext')).toEqual(['UntilNext', FIRE, 'Advance', 'RoundsLeft?']);
    expect(chosen(definition, 'RoundsLeft?', { round: 1 })).toBe(PLAN);
    expect(nextChain(definition, PLAN)).toEqual([PLAN, 'More?']);
    expect(hasCycleWithoutWait(definition)).toBe(false);
    // The same graph with the Wait made a Pass: the check sees the loop that would spin.
    expect(
      hasCycleWithoutWait({
        ...definition,
        States: { ...definition.States, UntilNext: { Type: 'Pass', Next: FIRE } },
      }),
    ).toBe(true);
  });

  it('bounds every Task at 30 s, retries transient errors with jitter, catches everything else, and pages a person about a failed plan or fire, with the error and the incident, then fails', () => {
    const { definition, lifecycleArn } = synth();
    expectChildWorkflowSteps(definition, {
      lifecycleArn,
      steps: [PLAN, FIRE, CONTINUE],
      failedStateName: PAGE_ABOUT_FAILURE,
      failedStep: 'EscalationPolicy',
      error: 'EscalationPolicyFailed',
    });
  });
});

const START = new Date('2026-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(START.getTime() + minutes * 60_000).toISOString();
const entry = (minutes: number, label: string) => ({
  at: at(minutes),
  kind: minutes < 60 ? 'step' : 'update',
  tiers: ['on-call'],
  trigger: 'not-acknowledged',
  label,
});
/** What the policy plans: a repeat page at +5 min, an update at +65 min, then nothing more. */
const POLICY = [entry(5, 'step 1 repeat'), entry(65, 'hourly update')];

class BrokenPolicyError extends Error {
  override readonly name = 'BrokenPolicy';
}

/**
 * Runs the synthesized escalation definition on the local interpreter and a simulated clock. Every
 * Task input must be one the lifecycle function accepts.
 */
const runLocally = async (overrides: Partial<Record<string, LocalHandler>> = {}) => {
  const defaults: Record<string, LocalHandler> = {
    [PLAN]: async (input) => {
      const after = (input as { after?: { at: string } }).after?.at ?? '';
      const next = POLICY.find((e) => e.at > after);
      return next
        ? { done: false, nextAt: next.at, entry: next }
        : { done: true, reason: 'policy exhausted' };
    },
    [FIRE]: async () => ({ fired: true }),
    [CONTINUE]: async () => ({ execution: 'continued' }),
    [PAGE_ABOUT_FAILURE]: async () => ({ escalated: true }),
  };
  return playLocally(
    synth().template,
    { ...defaults, ...overrides },
    {
      start: START,
      input: { incidentId: 'inc-1', epoch: 2 },
      read: (input): LifecycleInput => lifecycleInputSchema.parse(input),
    },
  );
};

/** Step Functions history events of an execution: 5 for a Lambda Task, 2 for any other state, 2 for start and end. */
const historyEvents = (states: readonly { type: string; retries: number }[]): number =>
  2 + states.reduce((n, s) => n + (s.type === 'Task' ? 5 + 3 * s.retries : 2), 0);

describe('EscalationWorkflow on the local interpreter', () => {
  it('an update every minute for days: the execution hands over to a new one before 25,000 history events', async () => {
    let planned = 0;
    const { outcome, callsOf, execution } = await runLocally({
      [PLAN]: async () => {
        planned++;
        const next = { ...entry(planned, `update ${planned}`), kind: 'update' };
        return { done: false, nextAt: next.at, entry: next };
      },
    });

    expect(outcome).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(callsOf(FIRE)).toHaveLength(ESCALATION_ROUNDS_PER_EXECUTION);
    expect(callsOf(CONTINUE).map((c) => c.input)).toEqual([
      {
        step: 'escalation-continue',
        incidentId: 'inc-1',
        epoch: 2,
        generation: 0,
        after: {
          at: at(ESCALATION_ROUNDS_PER_EXECUTION),
          label: `update ${ESCALATION_ROUNDS_PER_EXECUTION}`,
        },
      },
    ]);
    expect(historyEvents(execution.states)).toBeLessThan(25_000);
  }, 60_000);

  it('sleeps until each planned time, fires it, and plans again from the entry it fired', async () => {
    const { outcome, callsOf } = await runLocally();

    expect(outcome).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(callsOf(FIRE).map((c) => [c.at, c.input])).toEqual(
      POLICY.map((e) => [e.at, { step: 'escalation-fire', incidentId: 'inc-1', epoch: 2, entry: e }]),
    );
    expect(callsOf(PLAN).map((c) => [c.at, c.input])).toEqual([
      [at(0), { step: 'escalation-plan', incidentId: 'inc-1', epoch: 2, after: { at: '', label: '' } }],
      [
        at(5),
        {
          step: 'escalation-plan',
          incidentId: 'inc-1',
          epoch: 2,
          after: { at: at(5), label: 'step 1 repeat' },
        },
      ],
      [
        at(65),
        {
          step: 'escalation-plan',
          incidentId: 'inc-1',
          epoch: 2,
          after: { at: at(65), label: 'hourly update' },
        },
      ],
    ]);
    expect(callsOf(PAGE_ABOUT_FAILURE)).toEqual([]);
  });

  it('rides out a transient error without paging anyone', async () => {
    let throttled = false;
    const { outcome, callsOf } = await runLocally({
      [FIRE]: async () => {
        if (throttled) return { fired: true };
        throttled = true;
        throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
      },
    });

    expect(outcome.status).toBe('SUCCEEDED');
    expect(callsOf(FIRE)).toHaveLength(POLICY.length + 1);
    expect(callsOf(PAGE_ABOUT_FAILURE)).toEqual([]);
  });

  it.each([PLAN, FIRE])(
    'pages a person with the error when %s fails, then fails the execution',
    async (state) => {
      const { outcome, calls, callsOf } = await runLocally({
        [state]: async () => {
          throw new BrokenPolicyError('the policy names a tier without contacts');
        },
      });

      expect(outcome).toEqual({ status: 'FAILED', error: 'EscalationPolicyFailed' });
      expect(callsOf(PAGE_ABOUT_FAILURE).map((c) => c.input)).toEqual([
        {
          step: 'escalate',
          failedStep: 'EscalationPolicy',
          error: expect.objectContaining({ Error: 'BrokenPolicy' }),
          state: { record: { incidentId: 'inc-1' } },
        },
      ]);
      expect(calls.at(-1)?.state).toBe(PAGE_ABOUT_FAILURE);
    },
  );

  it('still fails, for the operators alarm, when paging about the failure fails too', async () => {
    const { outcome, callsOf } = await runLocally({
      [PLAN]: async () => {
        throw new BrokenPolicyError('no plan');
      },
      [PAGE_ABOUT_FAILURE]: async () => {
        throw new BrokenPolicyError('no pager');
      },
    });

    expect(outcome).toEqual({ status: 'FAILED', error: 'EscalationPolicyFailed' });
    expect(callsOf(PAGE_ABOUT_FAILURE)).toHaveLength(1);
  });
});

describe('EscalationWorkflow state machine', () => {
  it('is a named Standard workflow that logs everything and traces', () => {
    expectLoggedStandardWorkflow(synth().template, 'test-escalation');
  });

  it("runs for at most a year (Step Functions' most for a Standard execution), or as told", () => {
    expect(synth().definition.TimeoutSeconds).toBe(365 * 24 * 3600);
    expect(synth({ executionTimeout: Duration.days(3) }).definition.TimeoutSeconds).toBe(3 * 24 * 3600);
  });

  it('may invoke the lifecycle function, and no other', () => {
    const { template, escalation, lifecycleArn } = synth();
    const roleId = logicalIdOf(escalation.stateMachine.role);
    const invokes = roleStatements(template, roleId).filter((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );

    expect(
      invokes.map((s) => ({ Action: actionsOf(s), Resource: [s.Resource].flat().map(tokensToText) })),
    ).toEqual([{ Action: ['lambda:InvokeFunction'], Resource: [lifecycleArn, `${lifecycleArn}:*`] }]);
  });

  it("acknowledges its role's wildcards by name, each with why", () => {
    const { escalation, lifecycle } = synth();
    const acknowledged = escalation.stateMachine.role.node.metadata
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

describe('EscalationWorkflow.grantStart', () => {
  /** The lifecycle function both runs the escalation's steps and starts escalations, as in the stack. */
  const startedByItsOwnFunction = (byReference: boolean) => {
    const { stack, lifecycle, escalation } = escalationIn();
    if (byReference) {
      lifecycle.addEnvironment('ESCALATION_STATE_MACHINE_ARN', escalation.stateMachine.stateMachineArn);
      escalation.stateMachine.grantStartExecution(lifecycle);
    } else {
      lifecycle.addEnvironment('ESCALATION_STATE_MACHINE_ARN', escalation.formattedArn);
      escalation.grantStart(lifecycle);
    }
    return { stack, lifecycle, escalation };
  };

  it('lets a grantee start executions of the state machine by its formatted ARN, and nothing else', () => {
    const { stack, lifecycle } = startedByItsOwnFunction(false);
    const template = Template.fromStack(stack);
    const roleId = logicalIdOf(lifecycle.role ?? lifecycle);
    const formatted =
      'arn:<Ref:AWS::Partition>:states:<Ref:AWS::Region>:<Ref:AWS::AccountId>:stateMachine:test-escalation';

    expect(
      roleStatements(template, roleId).map((s) => ({
        Effect: s.Effect,
        Action: actionsOf(s),
        Resource: [s.Resource].flat().map(tokensToText),
      })),
    ).toEqual([{ Effect: 'Allow', Action: ['states:StartExecution'], Resource: [formatted] }]);
    expect(
      tokensToText(
        template.toJSON().Resources[logicalIdOf(lifecycle)].Properties.Environment.Variables
          .ESCALATION_STATE_MACHINE_ARN,
      ),
    ).toBe(formatted);
  });

  // Template.fromStack refuses a template whose resources depend on each other in a cycle.
  it('makes no dependency cycle when the function it invokes starts it; a reference would', () => {
    expect(() => Template.fromStack(startedByItsOwnFunction(false).stack)).not.toThrow();
    expect(() => Template.fromStack(startedByItsOwnFunction(true).stack)).toThrow(/dependency cycle/);
  });

  it('formats the ARN with the account and region of the stack when they are known', () => {
    const { stack, escalation } = escalationIn(
      { stateMachineName: 'pinned-escalation' },
      { env: { account: '123456789012', region: 'eu-west-1' } },
    );

    expect(tokensToText(stack.resolve(escalation.formattedArn))).toBe(
      'arn:<Ref:AWS::Partition>:states:eu-west-1:123456789012:stateMachine:pinned-escalation',
    );
  });
});
