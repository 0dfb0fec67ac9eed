import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LIFECYCLE_STEP } from '../../lambdas/contract/steps';
import { childWorkflowSteps, grantOnStateMachineNamed, standardWorkflow } from './workflow-tasks';

export interface EscalationWorkflowProps {
  /** Runs `escalation-plan`, `escalation-fire`, `escalation-continue` and `escalate` steps. */
  readonly lifecycleFunction: lambda.IFunction;
  /** Known before deployment, so the function that starts it needs no reference to it. */
  readonly stateMachineName: string;
  /**
   * Upper bound of one escalation execution. The loop runs while the incident is open (status updates,
   * and a round at each on-call handoff of a paged schedule, so even a P4 without updates keeps it
   * going), and continues as new every `roundsPerExecution` rounds; a year is Step Functions' most for a
   * Standard execution. @default 365 days
   */
  readonly executionTimeout?: Duration;
  /** Rounds before the execution continues as a new one. @default ESCALATION_ROUNDS_PER_EXECUTION */
  readonly roundsPerExecution?: number;
}

export const ESCALATION_STATES = {
  plan: 'PlanEscalation',
  fire: 'FireEscalation',
  continueAsNew: 'ContinueAsNew',
  failed: 'EscalationPolicyFailed',
} as const;

/**
 * Plan-wait-fire rounds one execution runs before it hands over to a new one: about 18 history
 * events a round (Task 5 each, Wait, Choice and Pass 2 each) keeps 1,000 rounds, retries included,
 * under Step Functions' 25,000-event history limit, however short the status-update cadence and
 * however long the incident stays open.
 */
export const ESCALATION_ROUNDS_PER_EXECUTION = 1_000;

/**
 * The escalation policy of one incident as its own Standard workflow, started when the incident is
 * announced: plan the next step or status update, sleep until then (a Wait, no polling loop), fire
 * it if it still applies (not acknowledged / not resolved), and plan again, until the incident is
 * resolved or reopened (a reopen starts a new one). After {@link ESCALATION_ROUNDS_PER_EXECUTION}
 * rounds it continues as a new execution, so no incident outgrows the history limit. A failure pages
 * a person, then fails.
 */
export class EscalationWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: EscalationWorkflowProps) {
    super(scope, id);
    this.stateMachineName = props.stateMachineName;
    const { task, pageAboutFailure } = childWorkflowSteps(this, props.lifecycleFunction, {
      stateName: ESCALATION_STATES.failed,
      failedStep: 'EscalationPolicy',
      error: 'EscalationPolicyFailed',
      cause: 'The escalation policy stopped; a person was paged with the error.',
    });

    const plan = task(
      ESCALATION_STATES.plan,
      {
        step: LIFECYCLE_STEP.escalationPlan,
        'incidentId.$': '$.incidentId',
        'epoch.$': '$.epoch',
        'after.$': '$.after',
      },
      '$.plan',
    );
    const fire = task(
      ESCALATION_STATES.fire,
      {
        step: LIFECYCLE_STEP.escalationFire,
        'incidentId.$': '$.incidentId',
        'epoch.$': '$.epoch',
        'entry.$': '$.plan.entry',
      },
      '$.fired',
    );
    plan.addCatch(pageAboutFailure, { resultPath: '$.error' });
    fire.addCatch(pageAboutFailure, { resultPath: '$.error' });

    const advance = new sfn.Pass(this, 'Advance', {
      parameters: {
        'incidentId.$': '$.incidentId',
        'epoch.$': '$.epoch',
        'generation.$': '$.generation',
        'round.$': 'States.MathAdd($.round, 1)',
        after: { 'at.$': '$.plan.entry.at', 'label.$': '$.plan.entry.label' },
      },
    });
    // Continue as a new execution (the same policy, the same cursor) before the history limit.
    const continueAsNew = task(
      ESCALATION_STATES.continueAsNew,
      {
        step: LIFECYCLE_STEP.escalationContinue,
        'incidentId.$': '$.incidentId',
        'epoch.$': '$.epoch',
        'generation.$': '$.generation',
        'after.$': '$.after',
      },
      '$.continued',
    );
    continueAsNew.addCatch(pageAboutFailure, { resultPath: '$.error' });
    continueAsNew.next(new sfn.Succeed(this, 'ContinuedAsNew'));
    const roundsLeft = new sfn.Choice(this, 'RoundsLeft?')
      .when(
        sfn.Condition.numberGreaterThanEquals(
          '$.round',
          props.roundsPerExecution ?? ESCALATION_ROUNDS_PER_EXECUTION,
        ),
        continueAsNew,
      )
      .otherwise(plan);
    plan.next(
      new sfn.Choice(this, 'More?')
        .when(sfn.Condition.booleanEquals('$.plan.done', true), new sfn.Succeed(this, 'Over'))
        .otherwise(
          new sfn.Wait(this, 'UntilNext', { time: sfn.WaitTime.timestampPath('$.plan.nextAt') })
            .next(fire)
            .next(advance)
            .next(roundsLeft),
        ),
    );

    // Started by Announce ({incidentId, epoch}) or by ContinueAsNew, which also hands over the cursor.
    const definition = new sfn.Choice(this, 'Continued?')
      .when(
        sfn.Condition.isPresent('$.generation'),
        new sfn.Pass(this, 'Resume', {
          parameters: {
            'incidentId.$': '$.incidentId',
            'epoch.$': '$.epoch',
            'generation.$': '$.generation',
            round: 0,
            'after.$': '$.after',
          },
        }).next(plan),
      )
      .otherwise(
        new sfn.Pass(this, 'Begin', {
          parameters: {
            'incidentId.$': '$.incidentId',
            'epoch.$': '$.epoch',
            generation: 0,
            round: 0,
            after: { at: '', label: '' },
          },
        }).next(plan),
      );
    this.stateMachine = standardWorkflow(this, {
      stateMachineName: props.stateMachineName,
      definition,
      timeout: props.executionTimeout ?? Duration.days(365),
      invokes: [props.lifecycleFunction],
    }).stateMachine;
  }

  /** The state machine's ARN, formatted from its name: the starter needs no reference (no dependency cycle). */
  get formattedArn(): string {
    return grantOnStateMachineNamed(this, this.stateMachineName, undefined, []);
  }

  /** Lets `grantee` start escalations (by the formatted ARN, see above). */
  grantStart(grantee: iam.IGrantable): void {
    grantOnStateMachineNamed(this, this.stateMachineName, grantee, ['states:StartExecution']);
  }
}
