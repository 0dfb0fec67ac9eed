import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import type { DecisionVerdict } from '../../../lambdas/domain/evidence';
import { automationInputSchema } from '../../../lambdas/handlers/automation';
import { lifecycleInputSchema } from '../../../lambdas/handlers/lifecycle';
import {
  LifecycleWorkflow,
  type LifecycleWorkflowProps,
  STATES,
} from '../../../lib/constructs/lifecycle-workflow';
import { COLD_START_MARGIN } from '../../../lib/constructs/workflow-tasks';
import { aslFromTemplate } from '../../../sandbox/sfn-local/asl';
import type { LocalHandler, TaskContext } from '../../../sandbox/sfn-local/local-runner';
import { appTemplate } from '../../support/app-template';
import { exampleInput } from '../../support/fixtures';
import {
  callsTo,
  localWorkflow,
  onlyStateMachine,
  outcomeOf,
  simulatedTime,
  type TaskCall,
} from '../../support/local-workflow';
import { stubFunction, synthWorkflow, withSharedDefault } from '../../support/stacks';
import {
  actionsOf,
  arnText,
  chosen,
  expectLoggedStandardWorkflow,
  hasCycleWithoutWait,
  logicalIdOf,
  nextChain,
  onlyIdOf,
  reachableAvoiding,
  roleStatements,
  stateMachineDefinition,
  stateOf,
  successorsOf,
  tasksOf,
} from '../../support/template';

const workflowIn = (props: Partial<LifecycleWorkflowProps> = {}) => {
  const stack = new Stack();
  const intake = stubFunction(stack, 'Intake');
  const lifecycle = stubFunction(stack, 'Lifecycle');
  const automation = stubFunction(stack, 'Automation');
  const workflow = new LifecycleWorkflow(stack, 'Workflow', {
    intakeFunction: intake,
    lifecycleFunction: lifecycle,
    automationFunction: automation,
    stateMachineName: 'test-lifecycle',
    ...props,
  });
  return {
    stack,
    workflow,
    intakeArn: arnText(logicalIdOf(intake)),
    lifecycleArn: arnText(logicalIdOf(lifecycle)),
    automationArn: arnText(logicalIdOf(automation)),
  };
};

const synth = withSharedDefault((props: Partial<LifecycleWorkflowProps> = {}) =>
  synthWorkflow(workflowIn(props), '-lifecycle'),
);

/** The Tasks that page a person: every path to a Fail goes through one. */
const ESCALATIONS = [
  STATES.escalateFailure,
  STATES.escalateNotRecovered,
  STATES.escalateNotApproved,
  STATES.escalateMitigationFailed,
  STATES.escalateActionFailed,
] as const;
const isEscalation = (name: string) => (ESCALATIONS as readonly string[]).includes(name);
/** Where each verdict of Decide leads: act at once, ask first, or leave it to people. */
const VERDICT_NEXT: Record<DecisionVerdict, string> = {
  act: STATES.mitigate,
  'needs-approval': STATES.awaitApproval,
  'dry-run': STATES.awaitRecovery,
  refused: STATES.awaitRecovery,
  'page-only': STATES.awaitRecovery,
};
const AUTOMATION_STEPS: readonly string[] = [
  STATES.diagnose,
  STATES.decide,
  STATES.mitigate,
  STATES.verify,
  STATES.pollAutomation,
];
const WAITS_FOR_TOKEN: readonly string[] = [
  STATES.awaitRecovery,
  STATES.awaitResolution,
  STATES.awaitApproval,
];
const DAY = 24 * 3600;

describe('LifecycleWorkflow definition', () => {
  it('records the signal, then announces, diagnoses and decides for a new incident only', () => {
    const { definition } = synth();
    const start = stateOf(definition, definition.StartAt);
    const choice = stateOf(definition, stateOf(definition, STATES.record).Next ?? '');

    expect(definition.StartAt).toBe('Start');
    expect(start).toMatchObject({ Type: 'Pass', Next: STATES.record });
    expect(choice.Type).toBe('Choice');
    expect(stateOf(definition, choice.Default ?? '').Type).toBe('Succeed');
    expect(choice.Choices?.map((c) => c.Next)).toEqual(['Suppressed?']);
    expect(chosen(definition, 'Suppressed?', { record: { outcome: 'opened' } })).toBe(STATES.announce);
    expect(nextChain(definition, STATES.announce)).toEqual([
      STATES.announce,
      STATES.diagnose,
      STATES.decide,
      'Verdict?',
    ]);
  });

  it.each([
    ['opened', 'FIRING', 'Suppressed?'],
    ['reopened', 'FIRING', 'Suppressed?'],
    ['opened', 'RESOLVED', 'Recorded'],
    ['joined', 'FIRING', 'Recorded'],
  ])('goes from a %s %s record to %s', (outcome, status, next) => {
    const { definition } = synth();

    expect(chosen(definition, 'NewIncident?', { record: { outcome, status } })).toBe(next);
  });

  it.each([
    ['rejected', 'Recorded'],
    ['ignored', 'Recorded'],
    ['opened', 'Suppressed?'],
  ])(
    'reads the record status only when it is present: a %s record without one goes to %s',
    (outcome, next) => {
      const { definition } = synth();

      expect(chosen(definition, 'NewIncident?', { record: { outcome } })).toBe(next);
    },
  );

  it.each(Object.entries(VERDICT_NEXT))('goes from a %s verdict to %s', (verdict, next) => {
    const { definition } = synth();

    expect(chosen(definition, 'Verdict?', { decision: { verdict } })).toBe(next);
  });

  it('hands the decision to Mitigate, then verifies only when it acted', () => {
    const { definition } = synth();

    expect(stateOf(definition, STATES.mitigate)).toMatchObject({
      Parameters: { step: 'mitigate', 'incidentId.$': '$.record.incidentId', 'decision.$': '$.decision' },
      ResultPath: '$.mitigation',
      Next: 'Acted?',
    });
    expect(chosen(definition, 'Acted?', { mitigation: { acted: true } })).toBe('VerifyWait');
    expect(chosen(definition, 'Acted?', { mitigation: { acted: false } })).toBe(STATES.awaitRecovery);
    expect(chosen(definition, 'Acted?', { mitigation: { acted: false, outcome: 'skipped' } })).toBe(
      STATES.awaitRecovery,
    );
    // A custom action that ran and failed pages a person at once, with its reason.
    expect(chosen(definition, 'Acted?', { mitigation: { acted: false, outcome: 'failed' } })).toBe(
      STATES.escalateActionFailed,
    );
    // An SSM Automation runbook still running: wait as long as the poll said, poll, and decide again.
    expect(chosen(definition, 'Acted?', { mitigation: { acted: false, outcome: 'running' } })).toBe(
      'AwaitAutomation',
    );
    expect(stateOf(definition, 'AwaitAutomation')).toEqual({
      Type: 'Wait',
      SecondsPath: '$.mitigation.waitSeconds',
      Next: STATES.pollAutomation,
    });
    expect(stateOf(definition, STATES.pollAutomation)).toMatchObject({
      Parameters: {
        step: 'poll-automation',
        'incidentId.$': '$.record.incidentId',
        'automation.$': '$.mitigation.automation',
      },
      ResultPath: '$.mitigation',
      Next: 'Acted?',
    });
    expect(stateOf(definition, STATES.escalateActionFailed)).toMatchObject({
      Parameters: { step: 'escalate', failedStep: STATES.mitigate, 'reason.$': '$.mitigation.reason' },
      ResultPath: '$.escalated',
      Next: STATES.awaitRecovery,
    });
  });

  it('checks recovery every minute after acting, from the time the action started', () => {
    const { definition } = synth();

    expect(stateOf(definition, 'VerifyWait')).toEqual({ Type: 'Wait', Seconds: 60, Next: STATES.verify });
    expect(stateOf(definition, STATES.verify)).toMatchObject({
      Parameters: {
        step: 'verify',
        'incidentId.$': '$.record.incidentId',
        'startedAt.$': '$.mitigation.startedAt',
      },
      ResultPath: '$.verification',
      Next: 'Recovered?',
    });
    expect(synth({ verifyInterval: Duration.seconds(20) }).definition.States.VerifyWait?.Seconds).toBe(20);
  });

  it.each([
    ['recovered', STATES.resolve],
    ['waiting', 'VerifyWait'],
    ['failed', STATES.escalateMitigationFailed],
  ])('goes from a %s verification to %s', (outcome, next) => {
    const { definition } = synth();

    expect(chosen(definition, 'Recovered?', { verification: { outcome } })).toBe(next);
  });

  it('pages a person with the reason when the mitigation failed, then waits for recovery', () => {
    const { definition, lifecycleArn } = synth();

    // The page's result goes beside the state: AwaitRecovery still reads $.record.incidentId. (It
    // once replaced the state, and the execution died with States.Runtime, which no Catch handles.)
    expect(stateOf(definition, STATES.escalateMitigationFailed)).toMatchObject({
      Resource: lifecycleArn,
      Parameters: {
        step: 'escalate',
        failedStep: STATES.verify,
        'reason.$': "States.Format('mitigation failed: {}', $.verification.reason)",
        'state.$': '$',
      },
      ResultPath: '$.escalated',
      Next: STATES.awaitRecovery,
    });
    expect(stateOf(definition, STATES.escalateMitigationFailed).InputPath).toBeUndefined();
  });

  it('then waits for recovery, resolves, writes the post-incident and closes after the reopen window', () => {
    const { definition } = synth();

    expect(nextChain(definition, STATES.awaitRecovery)).toEqual([
      STATES.awaitRecovery,
      STATES.resolve,
      STATES.postIncident,
      'CloseLater?',
    ]);
    expect(chosen(definition, 'CloseLater?', { postIncident: { closeAt: '2026-01-01T00:30:00Z' } })).toBe(
      'ReopenWindow',
    );
    expect(chosen(definition, 'CloseLater?', { postIncident: {} })).toBe('Done');
    expect(nextChain(definition, 'ReopenWindow')).toEqual(['ReopenWindow', STATES.close, 'Done']);
    expect(stateOf(definition, 'Done').Type).toBe('Succeed');
    // After the hand-off the same resolution steps run when the resolution comes.
    expect(nextChain(definition, 'NotRecovered')).toEqual([
      'NotRecovered',
      STATES.escalateNotRecovered,
      'HandOff',
      STATES.awaitResolution,
      STATES.resolve,
      STATES.postIncident,
      'CloseLater?',
    ]);
  });

  it('loops only through a Wait, and every loop has a way out', () => {
    const { definition } = synth();
    const loopExits = successorsOf(stateOf(definition, 'Recovered?'));

    expect(hasCycleWithoutWait(definition)).toBe(false);
    expect(
      hasCycleWithoutWait({
        ...definition,
        States: { ...definition.States, VerifyWait: { Type: 'Pass', Next: STATES.verify } },
      }),
    ).toBe(true);
    expect(loopExits).toEqual(expect.arrayContaining([STATES.resolve, STATES.escalateMitigationFailed]));
  });

  it('records with the intake function, automates with the automation function, and runs the rest with the lifecycle function', () => {
    const { definition, intakeArn, lifecycleArn, automationArn } = synth();

    expect(
      tasksOf(definition)
        .map(([name]) => name)
        .sort(),
    ).toEqual(Object.values(STATES).sort());
    for (const [name, state] of tasksOf(definition)) {
      const target = WAITS_FOR_TOKEN.includes(name)
        ? (state.Parameters as { FunctionName: string }).FunctionName
        : state.Resource;
      const expected =
        name === STATES.record ? intakeArn : AUTOMATION_STEPS.includes(name) ? automationArn : lifecycleArn;
      expect(target, name).toBe(expected);
    }
  });

  it('bounds every Task with a timeout: the waits by theirs, automation steps by the automation bound', () => {
    const { definition } = synth({
      taskTimeout: Duration.seconds(12),
      automationTaskTimeout: Duration.seconds(45),
      approvalTimeout: Duration.minutes(20),
      recoveryTimeout: Duration.minutes(45),
      handOffTimeout: Duration.days(3),
    });
    const expected = (name: string) => {
      if (name === STATES.awaitRecovery) return 45 * 60;
      if (name === STATES.awaitResolution) return 3 * DAY;
      if (name === STATES.awaitApproval) return 20 * 60;
      return AUTOMATION_STEPS.includes(name) ? 45 : 12;
    };

    for (const [name, state] of tasksOf(definition)) {
      expect(state.TimeoutSeconds, name).toBe(expected(name));
    }
  });

  it('gives automation steps 60 seconds unless told otherwise', () => {
    const { definition } = synth({ taskTimeout: Duration.seconds(12) });

    expect(
      tasksOf(definition)
        .filter(([, state]) => state.TimeoutSeconds === 60)
        .map(([name]) => name)
        .sort(),
    ).toEqual([...AUTOMATION_STEPS].sort());
  });

  it('gives every Task a retry, a catch and a timeout', () => {
    const { definition } = synth();

    for (const [name, state] of tasksOf(definition)) {
      expect(state.Retry?.length, name).toBeGreaterThan(0);
      expect(state.Catch?.length, name).toBeGreaterThan(0);
      expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
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

  it('catches every error of a lifecycle or automation step into <Step>Failed, which escalates to a person', () => {
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
    // Not recovered is no failure: after paging, the workflow waits for the resolution.
    expect(stateOf(definition, STATES.escalateNotRecovered).Next).toBe('HandOff');
    for (const name of [
      STATES.escalateNotApproved,
      STATES.escalateMitigationFailed,
      STATES.escalateActionFailed,
    ]) {
      expect(stateOf(definition, name).Next, name).toBe(STATES.awaitRecovery);
    }
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
    // Every state but the Fails and what only escalations lead to is reachable without paging anyone.
    expect(withoutPaging).toContain(STATES.verify);
    expect(withoutPaging).toContain('Done');
  });

  it('routes every caught error of a lifecycle or automation step to an escalation, but the timeout after the hand-off', () => {
    const { definition } = synth();
    const unescalated: [string, readonly string[], string][] = [];

    for (const [name, state] of tasksOf(definition).filter(([n]) => !isEscalation(n))) {
      for (const catcher of state.Catch ?? []) {
        let target = catcher.Next;
        while (stateOf(definition, target).Type === 'Pass') target = stateOf(definition, target).Next ?? '';
        if (!isEscalation(target)) unescalated.push([name, catcher.ErrorEquals, target]);
      }
    }
    // A person was paged at the hand-off and owns the incident: its end of waiting pages nobody again.
    expect(unescalated).toEqual([[STATES.awaitResolution, ['States.Timeout'], 'HandedToHuman']]);
    expect(stateOf(definition, 'HandedToHuman').Type).toBe('Succeed');
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

describe('LifecycleWorkflow suppression', () => {
  const suppressed = { outcome: 'opened', status: 'FIRING', suppressedUntil: '2026-03-01T12:00:00Z' };

  it('sleeps until the suppression of a silenced incident ends, then asks whether it still fires', () => {
    const { definition, lifecycleArn } = synth();

    expect(chosen(definition, 'Suppressed?', { record: suppressed })).toBe('UntilSilenceEnds');
    expect(stateOf(definition, 'UntilSilenceEnds')).toEqual({
      Type: 'Wait',
      TimestampPath: '$.record.suppressedUntil',
      Next: STATES.endSuppression,
    });
    expect(stateOf(definition, STATES.endSuppression)).toMatchObject({
      Resource: lifecycleArn,
      ResultPath: '$.suppression',
      Next: 'StillFiring?',
    });
    // The end it waited for (a silence extended since is not this one's to end) and the execution,
    // so a retried step recognises its own earlier attempt.
    expect(stateOf(definition, STATES.endSuppression).Parameters).toEqual({
      step: 'end-suppression',
      'incidentId.$': '$.record.incidentId',
      'until.$': '$.record.suppressedUntil',
      'execution.$': '$$.Execution.Name',
    });
    expect(nextChain(definition, 'Suppressed?')).toEqual(['Suppressed?']);
    expect(nextChain(definition, 'UntilSilenceEnds')).toEqual([
      'UntilSilenceEnds',
      STATES.endSuppression,
      'StillFiring?',
    ]);
  });

  it('goes on at Announce when the alarm still fires, waits again when silenced again, and ends without paging anyone otherwise', () => {
    const { definition } = synth();
    const later = '2026-03-01T18:00:00Z';

    expect(chosen(definition, 'StillFiring?', { suppression: { handle: true } })).toBe(STATES.announce);
    expect(
      chosen(definition, 'StillFiring?', { suppression: { handle: true, suppressedUntil: later } }),
    ).toBe(STATES.announce);
    expect(
      chosen(definition, 'StillFiring?', { suppression: { handle: false, suppressedUntil: later } }),
    ).toBe('SilenceExtended');
    expect(chosen(definition, 'StillFiring?', { suppression: { handle: false } })).toBe('SuppressedDone');
    expect(stateOf(definition, 'SuppressedDone').Type).toBe('Succeed');
    // Nothing but Announce (and a failed step, which pages as every step does) leads from the
    // suppression branch to a step that pages.
    const fromStillFiring = reachableAvoiding(
      { ...definition, StartAt: 'StillFiring?' },
      new Set([STATES.announce, `${STATES.endSuppression}Failed`]),
    );
    expect([...fromStillFiring].sort()).toEqual(
      ['StillFiring?', 'SuppressedDone', 'SilenceExtended', 'UntilSilenceEnds', STATES.endSuppression].sort(),
    );
  });

  it('takes the new end of an extended silence as the one to wait for, and waits again', () => {
    const { definition } = synth();

    expect(stateOf(definition, 'SilenceExtended')).toEqual({
      Type: 'Pass',
      InputPath: '$.suppression.suppressedUntil',
      ResultPath: '$.record.suppressedUntil',
      Next: 'UntilSilenceEnds',
    });
    // The loop goes through the Wait: without it, it would spin.
    expect(hasCycleWithoutWait(definition)).toBe(false);
    expect(
      hasCycleWithoutWait({
        ...definition,
        States: { ...definition.States, UntilSilenceEnds: { Type: 'Pass', Next: STATES.endSuppression } },
      }),
    ).toBe(true);
  });

  it('announces an incident that is not suppressed at once', () => {
    const { definition } = synth();

    expect(chosen(definition, 'Suppressed?', { record: { outcome: 'opened', status: 'FIRING' } })).toBe(
      STATES.announce,
    );
  });

  it('escalates to a person when ending the suppression fails', () => {
    const { definition } = synth();

    expect(stateOf(definition, STATES.endSuppression).Catch?.at(-1)).toEqual({
      ErrorEquals: ['States.ALL'],
      ResultPath: '$.error',
      Next: `${STATES.endSuppression}Failed`,
    });
  });

  it('outlives the longest suppression: 7 days unless told, added to the other waits', () => {
    // approval + verification + recovery + reopen window, the 7-day hand-off, and a day for the steps.
    const base = (15 + 15 + 60 + 30) * 60 + 7 * DAY + DAY;

    expect(synth().definition.TimeoutSeconds).toBe(base + 7 * DAY);
    expect(synth({ maxSuppression: Duration.hours(36) }).definition.TimeoutSeconds).toBe(base + 36 * 3600);
  });

  it('refuses a suppression so long the execution would outrun the year a Standard workflow may run', () => {
    expect(() => workflowIn({ maxSuppression: Duration.days(364) })).toThrow(
      /^LifecycleWorkflow: the execution timeout \(\d+ h\) must be at most 365 days/,
    );
    expect(() => workflowIn({ maxSuppression: Duration.days(300) })).not.toThrow();
    // The hand-off counts too: 300 + 64 days, a day for the steps and 2 h of other waits is too long.
    expect(() =>
      workflowIn({ maxSuppression: Duration.days(300), handOffTimeout: Duration.days(64) }),
    ).toThrow(/^LifecycleWorkflow: the execution timeout \(8762 h\) must be at most 365 days/);
    expect(() =>
      workflowIn({ maxSuppression: Duration.days(300), handOffTimeout: Duration.days(63) }),
    ).not.toThrow();
  });
});

describe('LifecycleWorkflow AwaitApproval', () => {
  it('waits for the task token a person answers, with the decision, for the approval timeout', () => {
    const { definition, lifecycleArn } = synth({ approvalTimeout: Duration.minutes(20) });
    const wait = stateOf(definition, STATES.awaitApproval);

    expect(wait.Resource).toMatch(/^arn:<Ref:AWS::Partition>:states:::lambda:invoke\.waitForTaskToken$/);
    expect(wait.TimeoutSeconds).toBe(20 * 60);
    expect(wait.Parameters).toEqual({
      FunctionName: lifecycleArn,
      Payload: {
        step: 'await-approval',
        'incidentId.$': '$.record.incidentId',
        'decision.$': '$.decision',
        'taskToken.$': '$$.Task.Token',
      },
    });
    expect(wait).toMatchObject({ ResultPath: '$.approval', Next: STATES.mitigate });
    expect(synth().definition.States[STATES.awaitApproval]?.TimeoutSeconds).toBe(15 * 60);
  });

  it('acts on no denial or timeout: it pages a person with why, then waits for recovery', () => {
    const { definition } = synth({ approvalTimeout: Duration.minutes(20) });
    const wait = stateOf(definition, STATES.awaitApproval);

    // The denial and the timeout first: the catch-all after them would fail the execution.
    expect(wait.Catch).toEqual([
      {
        ErrorEquals: ['ApprovalDenied', 'States.Timeout'],
        ResultPath: '$.approvalError',
        Next: STATES.escalateNotApproved,
      },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `${STATES.awaitApproval}Failed` },
    ]);
    // A retried timeout would wait the whole approval window again; a denial must stay denied.
    expect(wait.Retry?.flatMap((r) => r.ErrorEquals)).not.toContain('States.Timeout');
    expect(wait.Retry?.flatMap((r) => r.ErrorEquals)).not.toContain('ApprovalDenied');
    expect(stateOf(definition, STATES.escalateNotApproved)).toMatchObject({
      Parameters: {
        step: 'escalate',
        failedStep: STATES.awaitApproval,
        reason: expect.stringContaining('20 min'),
        'error.$': '$.approvalError',
        'state.$': '$',
      },
      ResultPath: '$.escalated',
    });
    expect(stateOf(definition, STATES.escalateNotApproved).Next).toBe(STATES.awaitRecovery);
    expect(
      reachableAvoiding({ ...definition, StartAt: STATES.escalateNotApproved }, new Set()),
    ).not.toContain(STATES.mitigate);
  });

  it.each([
    [undefined, 15],
    [45, 45],
  ])('times out after the configured automation.approvalTimeoutMinutes (%s)', (minutes, expected) => {
    const input = exampleInput();
    const automation = input.automation as Record<string, unknown>;
    const template = appTemplate(
      minutes === undefined
        ? input
        : { ...input, automation: { ...automation, approvalTimeoutMinutes: minutes } },
    );
    const definition = stateMachineDefinition(template, '-lifecycle');

    expect(stateOf(definition, STATES.awaitApproval).TimeoutSeconds).toBe(expected * 60);
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
    expect(stateOf(definition, STATES.escalateNotRecovered)).toMatchObject({
      InputPath: '$',
      ResultPath: '$.escalated',
      Next: 'HandOff',
    });
  });

  it('after paging, restores the state it had and waits for the resolution, 7 days unless told', () => {
    const { definition, lifecycleArn } = synth();
    const wait = stateOf(definition, STATES.awaitResolution);

    // NotRecovered kept the state under `state`; the escalation's answer went to `$.escalated`.
    expect(stateOf(definition, 'NotRecovered')).toMatchObject({ Parameters: { 'state.$': '$' } });
    expect(stateOf(definition, 'HandOff')).toEqual({
      Type: 'Pass',
      InputPath: '$.state',
      Next: STATES.awaitResolution,
    });
    expect(wait.Resource).toMatch(/^arn:<Ref:AWS::Partition>:states:::lambda:invoke\.waitForTaskToken$/);
    expect(wait.Parameters).toEqual({
      FunctionName: lifecycleArn,
      Payload: {
        step: 'await-recovery',
        'incidentId.$': '$.record.incidentId',
        'taskToken.$': '$$.Task.Token',
      },
    });
    expect(wait).toMatchObject({ TimeoutSeconds: 7 * DAY, ResultPath: '$.recovery', Next: STATES.resolve });
    expect(
      synth({ handOffTimeout: Duration.hours(36) }).definition.States[STATES.awaitResolution],
    ).toMatchObject({ TimeoutSeconds: 36 * 3600 });
  });

  it('leaves the incident to the person it was handed to when the resolution does not come, and escalates a failure', () => {
    const { definition } = synth();
    const wait = stateOf(definition, STATES.awaitResolution);

    expect(wait.Catch).toEqual([
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'HandedToHuman' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `${STATES.awaitResolution}Failed` },
    ]);
    // A retried timeout would wait the whole hand-off again.
    expect(wait.Retry?.flatMap((r) => r.ErrorEquals)).not.toContain('States.Timeout');
    expect(stateOf(definition, 'HandedToHuman').Type).toBe('Succeed');
    expect(stateOf(definition, `${STATES.awaitResolution}Failed`)).toMatchObject({
      Type: 'Pass',
      Parameters: { step: 'escalate', failedStep: STATES.awaitResolution },
      Next: STATES.escalateFailure,
    });
  });

  it.each([
    [undefined, 60],
    [45, 45],
  ])('times out after the configured verification.recoveryTimeoutMinutes (%s)', (minutes, expected) => {
    const input = exampleInput();
    const template = appTemplate(
      minutes === undefined ? input : { ...input, verification: { recoveryTimeoutMinutes: minutes } },
    );
    const definition = stateMachineDefinition(template, '-lifecycle');

    expect(stateOf(definition, STATES.awaitRecovery).TimeoutSeconds).toBe(expected * 60);
  });

  // The config accepts up to 10,080 recovery minutes (7 days): the execution must outlive that wait.
  it('lets the longest recovery wait the config accepts end in NotRecovered, not an execution timeout', () => {
    const template = appTemplate({ ...exampleInput(), verification: { recoveryTimeoutMinutes: 10_080 } });
    const definition = stateMachineDefinition(template, '-lifecycle');
    const stepBudget = tasksOf(definition).reduce((sum, [, state]) => sum + (state.TimeoutSeconds ?? 0), 0);

    expect(definition.TimeoutSeconds).toBeGreaterThan(stepBudget);
  });

  // The longest legitimate run: approved at the last moment, the verification window used up, no
  // recovery within its wait, resolved at the end of the hand-off, then the reopen window. The execution must
  // outlive it, or it times out on an incident a person was promised to be paged about.
  it('outlives the longest approval, verification, recovery and hand-off waits the config accepts, one after another', () => {
    const input = {
      ...exampleInput(),
      automation: { approvalTimeoutMinutes: 1_440 },
      verification: { recoveryTimeoutMinutes: 10_080, timeoutMinutes: 1_440 },
      reopenWindowMinutes: 30,
    };
    const definition = stateMachineDefinition(appTemplate(input), '-lifecycle');
    const waits =
      (stateOf(definition, STATES.awaitApproval).TimeoutSeconds ?? 0) +
      1_440 * 60 +
      (stateOf(definition, STATES.awaitRecovery).TimeoutSeconds ?? 0) +
      (stateOf(definition, STATES.awaitResolution).TimeoutSeconds ?? 0) +
      30 * 60;

    expect(waits).toBe((1_440 + 1_440 + 10_080 + 30) * 60 + 7 * DAY);
    expect(definition.TimeoutSeconds).toBeGreaterThan(waits);
  });
});

describe('LifecycleWorkflow state machine', () => {
  it('is a named Standard workflow that logs everything and traces', () => {
    expectLoggedStandardWorkflow(synth().template, 'test-lifecycle');
  });

  it('bounds an execution by what it can wait (suppression 7 days + approval 15 + verification 15 + recovery 60 min + hand-off 7 days + reopen window 30 min) plus a day, or as told', () => {
    expect(synth().definition.TimeoutSeconds).toBe(7 * DAY + (15 + 15 + 60) * 60 + 7 * DAY + 30 * 60 + DAY);
    expect(
      synth({
        maxSuppression: Duration.hours(2),
        approvalTimeout: Duration.minutes(20),
        verificationTimeout: Duration.minutes(25),
        recoveryTimeout: Duration.minutes(45),
        handOffTimeout: Duration.hours(5),
        reopenWindow: Duration.minutes(10),
      }).definition.TimeoutSeconds,
    ).toBe((120 + 20 + 25 + 45 + 300 + 10) * 60 + DAY);
    expect(synth({ executionTimeout: Duration.days(2) }).definition.TimeoutSeconds).toBe(2 * 24 * 3600);
  });

  it('rejects timeouts too short to work, reporting both at once', () => {
    expect(() =>
      workflowIn({ taskTimeout: Duration.seconds(0), recoveryTimeout: Duration.seconds(59) }),
    ).toThrow(
      'LifecycleWorkflow: taskTimeout must be at least 1 second; recoveryTimeout must be at least 1 minute',
    );
  });

  // Step Functions cannot stop a Lambda invocation it timed out: the retry would run beside it, and a
  // second Mitigate would find its own action's reservation and report that nothing was done.
  it('gives every Lambda step in the stack at least its function timeout, so a retry never overlaps an attempt', () => {
    const template = appTemplate();
    const functionTimeout = (arn: string) => {
      const id = /^<GetAtt:(.+)\.Arn>$/.exec(arn)?.[1] ?? '';
      return template.toJSON().Resources[id]?.Properties.Timeout as number | undefined;
    };
    const steps = (['-lifecycle', '-escalation', '-postmortem'] as const).flatMap((suffix) =>
      tasksOf(stateMachineDefinition(template, suffix))
        .filter(([name]) => !WAITS_FOR_TOKEN.includes(name))
        .map(([name, state]) => ({
          name: `${suffix} ${name}`,
          task: state.TimeoutSeconds,
          function: functionTimeout(state.Resource ?? ''),
        })),
    );

    expect(steps.length).toBeGreaterThan(Object.keys(STATES).length);
    expect(steps.filter((step) => step.function === undefined || (step.task ?? 0) < step.function)).toEqual(
      [],
    );
  });

  it('takes its waits from the config and bounds automation steps by the automation function in the stack', () => {
    const input = {
      ...exampleInput(),
      automation: { approvalTimeoutMinutes: 20 },
      verification: { recoveryTimeoutMinutes: 45, timeoutMinutes: 25 },
      reopenWindowMinutes: 10,
    };
    const template = appTemplate(input);
    const definition = stateMachineDefinition(template, '-lifecycle');
    const automationTimeout =
      template.toJSON().Resources[
        onlyIdOf(template, 'AWS::Lambda::Function', {
          Environment: { Variables: { INCIDENT_HANDLER: 'automation' } },
        })
      ].Properties.Timeout;

    // The example config's longest suppression is the default silence limit, 24 h; the hand-off is
    // the construct's default, 7 days.
    expect(definition.TimeoutSeconds).toBe(DAY + (20 + 25 + 45 + 10) * 60 + 7 * DAY + DAY);
    expect(automationTimeout).toBe(50);
    // A task that times out before its function would leave it running while a retry starts another.
    for (const name of AUTOMATION_STEPS) {
      expect(stateOf(definition, name).TimeoutSeconds, name).toBe(
        automationTimeout + COLD_START_MARGIN.toSeconds(),
      );
    }
  });

  it('outlasts the function of every Lambda task in every workflow by the cold-start margin', () => {
    const template = appTemplate(exampleInput());
    const json = template.toJSON();
    const resources = json.Resources as Record<
      string,
      { Type: string; Properties?: { Timeout?: number; StateMachineName?: string } }
    >;
    let checked = 0;
    for (const [id, r] of Object.entries(resources)) {
      if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
      for (const task of aslFromTemplate(json, { stateMachineLogicalId: id }).tasks) {
        if (task.waitForTaskToken) continue;
        const fnTimeout = resources[task.functionLogicalId ?? '']?.Properties?.Timeout;
        const where = `${r.Properties?.StateMachineName} ${task.stateName}`;
        expect(fnTimeout, where).toBeGreaterThan(0);
        expect(task.timeoutSeconds, where).toBeGreaterThanOrEqual(
          (fnTimeout ?? 0) + COLD_START_MARGIN.toSeconds(),
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('retries the timeout of idempotent steps only: never a rollback or a diagnosis beside one still running', () => {
    const { definition } = synth();
    const retried = (name: string) => stateOf(definition, name).Retry?.flatMap((r) => r.ErrorEquals) ?? [];
    for (const name of [STATES.diagnose, STATES.decide, STATES.mitigate, STATES.announce, STATES.close]) {
      expect(retried(name), name).not.toContain('States.Timeout');
      expect(retried(name), name).toContain('ConcurrentUpdateError');
    }
    for (const name of [STATES.record, STATES.verify, STATES.resolve]) {
      expect(retried(name), name).toContain('States.Timeout');
    }
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

const START = new Date('2026-03-01T10:00:00.000Z');
const minutesLater = (minutes: number) => new Date(START.getTime() + minutes * 60_000).toISOString();

/** Serves one Task of a local run; `answer` completes the callback of this Task after `minutes`. */
type RunHandler = (
  input: unknown,
  context: TaskContext,
  answer: (minutes: number, output: unknown) => void,
) => Promise<unknown>;

/** A callback step whose token the OK (or a person resolving) answers `minutes` after it was issued. */
const answeredAfter =
  (minutes: number): RunHandler =>
  async (_input, _context, answer) => {
    answer(minutes, { recovered: true, incidentId: 'inc-1' });
    return {};
  };

/**
 * Runs the synthesized definition (default timeouts: recovery 60 min, hand-off 7 days) on the local
 * interpreter and a simulated clock. Unless told otherwise, intake records a new firing incident,
 * Decide leaves it to people, nobody answers a callback and every other step returns `{}`. Every
 * Task input is checked against its function's schema; `rejected` lists those that fail it.
 */
const runLocally = async (overrides: Partial<Record<string, RunHandler>> = {}) => {
  const machine = onlyStateMachine(synth().template);
  const time = simulatedTime(START);
  const { clock, broker } = time;
  const calls: TaskCall[] = [];
  const rejected: string[] = [];
  const defaults: Partial<Record<string, RunHandler>> = {
    [STATES.record]: async () => ({ outcome: 'opened', status: 'FIRING', incidentId: 'inc-1' }),
    [STATES.decide]: async () => ({ verdict: 'page-only', reason: 'no automatic action for this alarm' }),
  };
  // Intake takes an alarm event of any shape; the other functions validate their input.
  const schemaOf = (state: string) =>
    state === STATES.record
      ? undefined
      : AUTOMATION_STEPS.includes(state)
        ? automationInputSchema
        : lifecycleInputSchema;
  const handlers = Object.fromEntries(
    machine.tasks.map(({ stateName }): [string, LocalHandler] => [
      stateName,
      async (input, context) => {
        const parsed = schemaOf(stateName)?.safeParse(input);
        if (parsed?.success === false) rejected.push(`${stateName}: ${parsed.error.message}`);
        calls.push({ state: stateName, at: context.now.toISOString(), input: parsed?.data ?? input });
        const answer = (minutes: number, output: unknown) =>
          void clock.sleep(minutes * 60).then(() => broker.sendTaskSuccess(context.taskToken ?? '', output));
        const handler = overrides[stateName] ?? defaults[stateName] ?? (async () => ({}));
        return handler(input, context, answer);
      },
    ]),
  );
  const execution = localWorkflow(machine, handlers, time).start(
    { alarmName: 'checkout-5xx' },
    { name: 'alarm-1' },
  );
  const outcome = await outcomeOf(execution, clock);
  return {
    outcome,
    rejected,
    calls,
    callsOf: callsTo(calls),
    visited: execution.states.map((state) => state.name),
    inputOf: (state: string) => execution.states.find((entered) => entered.name === state)?.input,
    endedAt: execution.events.find((event) => event.type === 'ExecutionSucceeded')?.at.toISOString(),
  };
};

describe('LifecycleWorkflow on the local interpreter', () => {
  const UNTIL_RECOVERY = [
    STATES.record,
    STATES.announce,
    STATES.diagnose,
    STATES.decide,
    STATES.awaitRecovery,
  ];

  it('pages a person when recovery does not come, and still resolves when the resolution comes after the hand-off', async () => {
    const { outcome, rejected, calls, callsOf, visited, inputOf } = await runLocally({
      [STATES.awaitResolution]: answeredAfter(120),
    });
    const tokenOf = (state: string) =>
      (callsOf(state)[0]?.input as { taskToken?: string } | undefined)?.taskToken;

    expect(rejected).toEqual([]);
    expect(outcome).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(calls.map((c) => [c.state, c.at])).toEqual([
      ...UNTIL_RECOVERY.map((state) => [state, minutesLater(0)]),
      [STATES.escalateNotRecovered, minutesLater(60)],
      [STATES.awaitResolution, minutesLater(60)],
      [STATES.resolve, minutesLater(180)],
      [STATES.postIncident, minutesLater(180)],
    ]);
    expect(callsOf(STATES.escalateNotRecovered)[0]?.input).toEqual({
      step: 'escalate',
      failedStep: STATES.awaitRecovery,
      reason: 'not recovered: the alarm did not return to OK within 60 min',
      state: expect.objectContaining({ record: { incidentId: 'inc-1' } }),
    });
    // A new token: the one of AwaitRecovery timed out.
    expect(callsOf(STATES.awaitResolution)[0]?.input).toEqual({
      step: 'await-recovery',
      incidentId: 'inc-1',
      taskToken: expect.any(String),
    });
    expect(tokenOf(STATES.awaitResolution)).not.toBe(tokenOf(STATES.awaitRecovery));
    expect(visited.slice(visited.indexOf('NotRecovered'))).toEqual([
      'NotRecovered',
      STATES.escalateNotRecovered,
      'HandOff',
      STATES.awaitResolution,
      STATES.resolve,
      STATES.postIncident,
      'CloseLater?',
      'Done',
    ]);
    // HandOff restored the state the escalation was given: Resolve sees no escalation input.
    expect(inputOf(STATES.resolve)).toEqual({
      event: { alarmName: 'checkout-5xx' },
      record: { outcome: 'opened', status: 'FIRING', incidentId: 'inc-1' },
      announce: {},
      diagnosis: {},
      decision: { verdict: 'page-only', reason: 'no automatic action for this alarm' },
      error: expect.objectContaining({ Error: 'States.Timeout' }),
      recovery: { recovered: true, incidentId: 'inc-1' },
    });
  });

  it('leaves the incident to the person it was handed to when no resolution comes within 7 days', async () => {
    const { outcome, rejected, calls, visited, endedAt } = await runLocally();

    expect(rejected).toEqual([]);
    expect(outcome).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(calls.map((c) => c.state)).toEqual([
      ...UNTIL_RECOVERY,
      STATES.escalateNotRecovered,
      STATES.awaitResolution,
    ]);
    expect(visited.at(-1)).toBe('HandedToHuman');
    expect(endedAt).toBe(minutesLater(60 + 7 * 24 * 60));
  });

  it('waits again when the silence was extended, ending each suppression by the end it waited for', async () => {
    const ends = [{ handle: false, suppressedUntil: minutesLater(90) }, { handle: true }];
    const { outcome, rejected, callsOf, visited } = await runLocally({
      [STATES.record]: async () => ({
        outcome: 'opened',
        status: 'FIRING',
        incidentId: 'inc-1',
        suppressedUntil: minutesLater(30),
      }),
      [STATES.endSuppression]: async () => ends.shift(),
      [STATES.awaitRecovery]: answeredAfter(10),
    });

    expect(rejected).toEqual([]);
    expect(outcome).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(callsOf(STATES.endSuppression).map((c) => [c.at, c.input])).toEqual([
      [
        minutesLater(30),
        { step: 'end-suppression', incidentId: 'inc-1', until: minutesLater(30), execution: 'alarm-1' },
      ],
      [
        minutesLater(90),
        { step: 'end-suppression', incidentId: 'inc-1', until: minutesLater(90), execution: 'alarm-1' },
      ],
    ]);
    expect(callsOf(STATES.announce).map((c) => c.at)).toEqual([minutesLater(90)]);
    expect(visited.slice(0, visited.indexOf(STATES.announce))).toEqual([
      'Start',
      STATES.record,
      'NewIncident?',
      'Suppressed?',
      'UntilSilenceEnds',
      STATES.endSuppression,
      'StillFiring?',
      'SilenceExtended',
      'UntilSilenceEnds',
      STATES.endSuppression,
      'StillFiring?',
    ]);
    expect(callsOf(STATES.resolve).map((c) => c.at)).toEqual([minutesLater(100)]);
  });

  it('pages nobody when the suppression ends with the alarm back to OK', async () => {
    const { outcome, rejected, calls, visited } = await runLocally({
      [STATES.record]: async () => ({
        outcome: 'opened',
        status: 'FIRING',
        incidentId: 'inc-1',
        suppressedUntil: minutesLater(30),
      }),
      [STATES.endSuppression]: async () => ({ handle: false }),
    });

    expect(rejected).toEqual([]);
    expect(outcome).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(calls.map((c) => [c.state, c.at])).toEqual([
      [STATES.record, minutesLater(0)],
      [STATES.endSuppression, minutesLater(30)],
    ]);
    expect(visited.at(-1)).toBe('SuppressedDone');
  });
});
