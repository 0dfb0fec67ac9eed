import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  APPROVAL_DENIED,
  AUTOMATION_STEP,
  LIFECYCLE_STEP,
  RECORD_OUTCOME,
  RESOLVED_STATUS,
  VERDICT,
  VERIFY_OUTCOME,
} from '../../lambdas/contract/steps';
import { lifecycleSteps } from './lifecycle-steps';
import { mitigationOutcome } from './mitigation-outcome';
import { callbackStep, grantOnStateMachineNamed, lambdaStep, standardWorkflow } from './workflow-tasks';

export interface LifecycleWorkflowProps {
  /** Records the alarm event; returns `{ outcome, incidentId?, ... }`. */
  readonly intakeFunction: lambda.IFunction;
  /** Runs one lifecycle step, named by `step` in its input. */
  readonly lifecycleFunction: lambda.IFunction;
  /** Runs the automation steps (diagnose, decide, mitigate, verify), named by `step` in its input. */
  readonly automationFunction: lambda.IFunction;
  /** How long an action that needs approval waits for a person. @default 15 minutes */
  readonly approvalTimeout?: Duration;
  /** How often recovery is checked after an automatic action. @default 1 minute */
  readonly verifyInterval?: Duration;
  /** How long verification may take after an action before it counts as failed. @default 15 minutes */
  readonly verificationTimeout?: Duration;
  /** Upper bound of one automation step; at least the automation function's own timeout. @default 60 seconds */
  readonly automationTaskTimeout?: Duration;
  /** How long the workflow waits for the alarm to return to OK before it escalates. @default 60 minutes */
  readonly recoveryTimeout?: Duration;
  /** Upper bound of one Lambda step, retries not counted. @default 30 seconds */
  readonly taskTimeout?: Duration;
  /** How long a resolved incident can still reopen; the workflow waits it out before closing. @default 30 minutes */
  readonly reopenWindow?: Duration;
  /**
   * After recovery did not come and a person was paged: how long the workflow keeps waiting for the
   * resolution (the OK, or a person resolving), so the resolution steps (notice, report, post-mortem,
   * metrics) still run when it comes. @default 7 days
   */
  readonly handOffTimeout?: Duration;
  /**
   * The longest an incident can be recorded as suppressed (a silence or a maintenance window): the
   * workflow sleeps until the suppression ends before it announces, so its execution must outlive it.
   * @default 7 days
   */
  readonly maxSuppression?: Duration;
  /**
   * Upper bound of one execution.
   * @default the longest the workflow can legitimately wait (max suppression + approval + verification + recovery timeout + hand-off + reopen window) plus one day for its steps and retries. A silence extended again and again while an incident waits can outlast it: the execution then times out and the operators' alarm on timed-out executions pages
   */
  readonly executionTimeout?: Duration;
  /** The state machine's name; known before deployment so callback grants need no reference to it. */
  readonly stateMachineName: string;
}

export { TRANSIENT_ERRORS } from './workflow-tasks';

/** The longest a Standard execution may run (one year). */
const MAX_STANDARD_EXECUTION = Duration.days(365);

/** State names: the sandbox, the tests and the runbook refer to them. */
export const STATES = {
  record: 'RecordSignal',
  announce: 'Announce',
  diagnose: 'Diagnose',
  mitigate: 'Mitigate',
  awaitRecovery: 'AwaitRecovery',
  awaitResolution: 'AwaitResolution',
  resolve: 'Resolve',
  postIncident: 'PostIncident',
  close: 'Close',
  decide: 'Decide',
  awaitApproval: 'AwaitApproval',
  verify: 'Verify',
  escalateNotApproved: 'EscalateNotApproved',
  escalateMitigationFailed: 'EscalateMitigationFailed',
  escalateActionFailed: 'EscalateActionFailed',
  pollAutomation: 'PollAutomation',
  escalateFailure: 'EscalateFailure',
  escalateNotRecovered: 'EscalateNotRecovered',
  endSuppression: 'EndSuppression',
} as const;

/**
 * The incident lifecycle as a Standard Step Functions workflow in JSONPath (the local interpreter
 * cannot run JSONata): record -> (if suppressed: sleep until the silence or maintenance window ends,
 * check again and sleep again if it was extended, then go on only if the alarm still fires) ->
 * announce and page tier 1 -> diagnose -> mitigate -> await recovery (a callback the resolving OK
 * answers, bounded by `recoveryTimeout`; then a person is paged and the workflow keeps waiting for
 * the resolution up to `handOffTimeout`) -> resolve -> post-incident.
 * Every Task has a timeout, retries transient errors, and on final failure escalates to a person
 * with the error on the timeline, then fails the execution so the operators' alarm fires too (the
 * failure states and the step builders are in lifecycle-steps.ts).
 */
export class LifecycleWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly stateMachineName: string;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LifecycleWorkflowProps) {
    super(scope, id);
    const taskTimeout = props.taskTimeout ?? Duration.seconds(30);
    const recoveryTimeout = props.recoveryTimeout ?? Duration.minutes(60);
    const reopenWindow = props.reopenWindow ?? Duration.minutes(30);
    const handOffTimeout = props.handOffTimeout ?? Duration.days(7);
    // The execution must outlive every wait it can take in one run (suppression, approval,
    // verification, recovery, hand-off, reopen window), or it would time out before paging anyone; a day more
    // for steps and retries.
    const defaultExecutionTimeout = Duration.seconds(
      [
        props.maxSuppression ?? Duration.days(7),
        props.approvalTimeout ?? Duration.minutes(15),
        props.verificationTimeout ?? Duration.minutes(15),
        recoveryTimeout,
        handOffTimeout,
        reopenWindow,
      ]
        .map((d) => d.toSeconds({ integral: false }))
        .reduce((a, b) => a + b, 24 * 3600),
    );
    const executionTimeout = props.executionTimeout ?? defaultExecutionTimeout;
    const problems: string[] = [];
    if (taskTimeout.toMilliseconds() < 1000) problems.push('taskTimeout must be at least 1 second');
    if (recoveryTimeout.toMilliseconds() < 60_000) problems.push('recoveryTimeout must be at least 1 minute');
    if (executionTimeout.toSeconds({ integral: false }) > MAX_STANDARD_EXECUTION.toSeconds()) {
      problems.push(
        `the execution timeout (${Math.ceil(executionTimeout.toHours({ integral: false }))} h) must be at most 365 days, the limit of a Standard workflow`,
      );
    }
    if (problems.length > 0) throw new Error(`LifecycleWorkflow: ${problems.join('; ')}`);
    const automationTimeout = props.automationTaskTimeout ?? Duration.seconds(60);

    const { onFailure, lifecycleStep, automationStep, escalationFailed } = lifecycleSteps(this, {
      lifecycleFunction: props.lifecycleFunction,
      automationFunction: props.automationFunction,
      taskTimeout,
      escalateFailureName: STATES.escalateFailure,
    });

    const record = lambdaStep(
      this,
      STATES.record,
      props.intakeFunction,
      { inputPath: '$.event' },
      taskTimeout,
      '$.record',
      // Intake dedups with conditional writes: a second run beside the first records nothing twice.
      { idempotent: true },
    );
    onFailure(record, STATES.record);
    const announce = lifecycleStep(STATES.announce, LIFECYCLE_STEP.announce, '$.announce');
    // No automation step but Verify (it only reads) retries its timeout: Step Functions cannot stop
    // the attempt that timed out, and a second rollback or diagnosis would run beside it.
    const diagnose = automationStep(
      STATES.diagnose,
      AUTOMATION_STEP.diagnose,
      '$.diagnosis',
      {},
      automationTimeout,
    );
    const decide = automationStep(STATES.decide, AUTOMATION_STEP.decide, '$.decision', {}, automationTimeout);
    const mitigate = automationStep(
      STATES.mitigate,
      AUTOMATION_STEP.mitigate,
      '$.mitigation',
      { decision: sfn.JsonPath.objectAt('$.decision') },
      automationTimeout,
    );
    const verifyStep = automationStep(
      STATES.verify,
      AUTOMATION_STEP.verify,
      '$.verification',
      { startedAt: sfn.JsonPath.stringAt('$.mitigation.startedAt') },
      automationTimeout,
      { idempotent: true },
    );
    // Resolve claims the resolution on the record: a retry counts it once and tells nobody twice.
    const resolve = lifecycleStep(STATES.resolve, LIFECYCLE_STEP.resolve, '$.resolution', {}, taskTimeout, {
      idempotent: true,
    });
    const postIncident = lifecycleStep(STATES.postIncident, LIFECYCLE_STEP.postIncident, '$.postIncident');
    const closeStep = lifecycleStep(STATES.close, LIFECYCLE_STEP.close, '$.closed');

    const awaitRecovery = callbackStep(
      this,
      STATES.awaitRecovery,
      props.lifecycleFunction,
      { step: LIFECYCLE_STEP.awaitRecovery, incidentId: sfn.JsonPath.stringAt('$.record.incidentId') },
      recoveryTimeout,
      '$.recovery',
    );
    const escalateNotRecovered = lambdaStep(
      this,
      STATES.escalateNotRecovered,
      props.lifecycleFunction,
      { inputPath: '$' },
      taskTimeout,
      '$.escalated',
    );
    escalateNotRecovered.addCatch(escalationFailed, { resultPath: '$.escalationError' });
    // A person owns it now, but the resolution, when it comes, still gets its notice, report and
    // post-mortem: the workflow keeps the callback open (no cost while it waits) for handOffTimeout.
    const awaitResolution = callbackStep(
      this,
      STATES.awaitResolution,
      props.lifecycleFunction,
      { step: LIFECYCLE_STEP.awaitRecovery, incidentId: sfn.JsonPath.stringAt('$.record.incidentId') },
      handOffTimeout,
      '$.recovery',
    );
    awaitResolution.addCatch(
      new sfn.Succeed(this, 'HandedToHuman', {
        comment: `Not resolved within ${handOffTimeout.toHumanString()} of the hand-off: a person owns the incident from here.`,
      }),
      { errors: ['States.Timeout'], resultPath: '$.error' },
    );
    onFailure(awaitResolution, STATES.awaitResolution);
    awaitRecovery.addCatch(
      new sfn.Pass(this, 'NotRecovered', {
        parameters: {
          step: LIFECYCLE_STEP.escalate,
          failedStep: STATES.awaitRecovery,
          reason: `not recovered: the alarm did not return to OK within ${recoveryTimeout.toMinutes()} min`,
          'state.$': '$',
        },
      })
        .next(escalateNotRecovered)
        .next(new sfn.Pass(this, 'HandOff', { inputPath: '$.state' }))
        .next(awaitResolution),
      { errors: ['States.Timeout'], resultPath: '$.error' },
    );
    onFailure(awaitRecovery, STATES.awaitRecovery);

    const done = new sfn.Succeed(this, 'Done');
    awaitRecovery.next(resolve);
    awaitResolution.next(resolve);

    // A person is paged with why automation stopped, then the workflow waits for recovery as usual.
    // The page's result goes beside the state (ResultPath), which AwaitRecovery still reads.
    const escalateAndWait = (name: string, parameters: Record<string, unknown>) => {
      const escalate = lambdaStep(
        this,
        name,
        props.lifecycleFunction,
        {
          payload: sfn.TaskInput.fromObject({
            step: LIFECYCLE_STEP.escalate,
            ...parameters,
            state: sfn.JsonPath.entirePayload,
          }),
        },
        taskTimeout,
        '$.escalated',
      );
      escalate.addCatch(escalationFailed, { resultPath: '$.escalationError' });
      escalate.next(awaitRecovery);
      return escalate;
    };

    const approvalTimeout = props.approvalTimeout ?? Duration.minutes(15);
    const awaitApproval = callbackStep(
      this,
      STATES.awaitApproval,
      props.lifecycleFunction,
      {
        step: LIFECYCLE_STEP.awaitApproval,
        incidentId: sfn.JsonPath.stringAt('$.record.incidentId'),
        decision: sfn.JsonPath.objectAt('$.decision'),
      },
      approvalTimeout,
      '$.approval',
    );
    awaitApproval.addCatch(
      escalateAndWait(STATES.escalateNotApproved, {
        failedStep: STATES.awaitApproval,
        reason: `no automatic action: it needed approval, and none came within ${approvalTimeout.toMinutes()} min or it was denied`,
        error: sfn.JsonPath.objectAt('$.approvalError'),
      }),
      { errors: [APPROVAL_DENIED, 'States.Timeout'], resultPath: '$.approvalError' },
    );
    onFailure(awaitApproval, STATES.awaitApproval);
    awaitApproval.next(mitigate);

    const verifyWait = new sfn.Wait(this, 'VerifyWait', {
      time: sfn.WaitTime.duration(props.verifyInterval ?? Duration.minutes(1)),
    });
    verifyWait.next(verifyStep);
    verifyStep.next(
      new sfn.Choice(this, 'Recovered?')
        .when(sfn.Condition.stringEquals('$.verification.outcome', VERIFY_OUTCOME.recovered), resolve)
        .when(sfn.Condition.stringEquals('$.verification.outcome', VERIFY_OUTCOME.waiting), verifyWait)
        .otherwise(
          escalateAndWait(STATES.escalateMitigationFailed, {
            failedStep: STATES.verify,
            reason: sfn.JsonPath.format(
              'mitigation failed: {}',
              sfn.JsonPath.stringAt('$.verification.reason'),
            ),
          }),
        ),
    );
    // Acted? and the SSM Automation poll loop (mitigation-outcome.ts).
    mitigationOutcome(this, {
      mitigate,
      automationStep,
      pollName: STATES.pollAutomation,
      timeout: automationTimeout,
      verify: verifyWait,
      awaitRecovery,
      // A custom action that ran and did not succeed: a person now, not after the verification timeout.
      failed: escalateAndWait(STATES.escalateActionFailed, {
        failedStep: STATES.mitigate,
        reason: sfn.JsonPath.stringAt('$.mitigation.reason'),
      }),
    });

    const lifecycle = announce
      .next(diagnose)
      .next(decide)
      .next(
        new sfn.Choice(this, 'Verdict?')
          .when(sfn.Condition.stringEquals('$.decision.verdict', VERDICT.act), mitigate)
          .when(sfn.Condition.stringEquals('$.decision.verdict', VERDICT.needsApproval), awaitApproval)
          .otherwise(awaitRecovery),
      );
    resolve
      .next(postIncident)
      .next(
        new sfn.Choice(this, 'CloseLater?')
          .when(
            sfn.Condition.isPresent('$.postIncident.closeAt'),
            new sfn.Wait(this, 'ReopenWindow', { time: sfn.WaitTime.timestampPath('$.postIncident.closeAt') })
              .next(closeStep)
              .next(done),
          )
          .otherwise(done),
      );

    // Recorded while its service is silenced or in maintenance: nobody is paged until the suppression
    // ends, and then only if the alarm still fires (the lifecycle function checks and says `handle`).
    const endSuppression = lifecycleStep(
      STATES.endSuppression,
      LIFECYCLE_STEP.endSuppression,
      '$.suppression',
      {
        until: sfn.JsonPath.stringAt('$.record.suppressedUntil'),
        execution: sfn.JsonPath.stringAt('$$.Execution.Name'),
      },
    );
    const untilSilenceEnds = new sfn.Wait(this, 'UntilSilenceEnds', {
      time: sfn.WaitTime.timestampPath('$.record.suppressedUntil'),
    });
    const unlessSuppressed = new sfn.Choice(this, 'Suppressed?')
      .when(
        sfn.Condition.isPresent('$.record.suppressedUntil'),
        untilSilenceEnds.next(endSuppression).next(
          new sfn.Choice(this, 'StillFiring?')
            .when(sfn.Condition.booleanEquals('$.suppression.handle', true), lifecycle)
            // Silenced again by then (extended, or a window began): wait for the new end.
            .when(
              sfn.Condition.isPresent('$.suppression.suppressedUntil'),
              new sfn.Pass(this, 'SilenceExtended', {
                inputPath: '$.suppression.suppressedUntil',
                resultPath: '$.record.suppressedUntil',
              }).next(untilSilenceEnds),
            )
            .otherwise(
              new sfn.Succeed(this, 'SuppressedDone', {
                comment: 'The suppression ended with the alarm back to OK, or the incident already handled.',
              }),
            ),
        ),
      )
      .otherwise(lifecycle);

    const definition = new sfn.Pass(this, 'Start', { parameters: { 'event.$': '$' } }).next(record).next(
      new sfn.Choice(this, 'NewIncident?')
        .when(
          sfn.Condition.and(
            sfn.Condition.or(
              sfn.Condition.stringEquals('$.record.outcome', RECORD_OUTCOME.opened),
              sfn.Condition.stringEquals('$.record.outcome', RECORD_OUTCOME.reopened),
            ),
            // Opened already resolved: its OK arrived first. Recorded, and nobody is woken for it.
            // IsPresent guards the read: a Choice on a missing path is a States.Runtime no Catch handles.
            sfn.Condition.not(
              sfn.Condition.and(
                sfn.Condition.isPresent('$.record.status'),
                sfn.Condition.stringEquals('$.record.status', RESOLVED_STATUS),
              ),
            ),
          ),
          unlessSuppressed,
        )
        .otherwise(
          new sfn.Succeed(this, 'Recorded', {
            comment: 'Joined, resolved, ignored or rejected: intake said why.',
          }),
        ),
    );

    this.stateMachineName = props.stateMachineName;
    const built = standardWorkflow(this, {
      stateMachineName: props.stateMachineName,
      definition,
      timeout: executionTimeout,
      invokes: [props.intakeFunction, props.lifecycleFunction, props.automationFunction],
    });
    this.stateMachine = built.stateMachine;
    this.logGroup = built.logGroup;
  }

  /**
   * Lets `grantee` answer the workflow's callbacks (SendTaskSuccess/Failure/Heartbeat). Granted on
   * the ARN formatted from the name, not a reference to the state machine: the functions it invokes
   * need this grant, and a reference would make a dependency cycle.
   */
  grantTaskResponse(grantee: iam.IGrantable): void {
    grantOnStateMachineNamed(this, this.stateMachineName, grantee, [
      'states:SendTaskSuccess',
      'states:SendTaskFailure',
      'states:SendTaskHeartbeat',
    ]);
  }
}
