import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { childWorkflowSteps, grantOnStateMachineNamed, standardWorkflow } from './workflow-tasks';

export interface EscalationWorkflowProps {
  /** Runs `escalation-plan`, `escalation-fire` and `escalate` steps. */
  readonly lifecycleFunction: lambda.IFunction;
  /** Known before deployment, so the function that starts it needs no reference to it. */
  readonly stateMachineName: string;
  /** Upper bound of one escalation (status updates run while the incident is open). @default 30 days */
  readonly executionTimeout?: Duration;
}

export const ESCALATION_STATES = {
  plan: 'PlanEscalation',
  fire: 'FireEscalation',
  failed: 'EscalationPolicyFailed',
} as const;

/**
 * The escalation policy of one incident as its own Standard workflow, started when the incident is
 * announced: plan the next step or status update, sleep until then (a Wait, no polling loop), fire
 * it if it still applies (not acknowledged / not resolved), and plan again, until the incident is
 * resolved or reopened (a reopen starts a new one). A failure pages a person, then fails.
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
      { step: 'escalation-plan', 'incidentId.$': '$.incidentId', 'epoch.$': '$.epoch', 'after.$': '$.after' },
      '$.plan',
    );
    const fire = task(
      ESCALATION_STATES.fire,
      {
        step: 'escalation-fire',
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
        after: { 'at.$': '$.plan.entry.at', 'label.$': '$.plan.entry.label' },
      },
    });
    plan.next(
      new sfn.Choice(this, 'More?')
        .when(sfn.Condition.booleanEquals('$.plan.done', true), new sfn.Succeed(this, 'Over'))
        .otherwise(
          new sfn.Wait(this, 'UntilNext', { time: sfn.WaitTime.timestampPath('$.plan.nextAt') })
            .next(fire)
            .next(advance)
            .next(plan),
        ),
    );

    const definition = new sfn.Pass(this, 'Begin', {
      parameters: { 'incidentId.$': '$.incidentId', 'epoch.$': '$.epoch', after: { at: '', label: '' } },
    }).next(plan);
    this.stateMachine = standardWorkflow(this, {
      stateMachineName: props.stateMachineName,
      definition,
      timeout: props.executionTimeout ?? Duration.days(30),
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
