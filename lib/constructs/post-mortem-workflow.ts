import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LIFECYCLE_STEP } from '../../lambdas/contract/steps';
import { childWorkflowSteps, grantOnStateMachineNamed, standardWorkflow } from './workflow-tasks';

/** The longest a Standard execution may run (one year). */
const MAX_STANDARD_EXECUTION = Duration.days(365);

export interface PostMortemWorkflowProps {
  /** Runs the `postmortem-plan`, `postmortem-remind` and `escalate` steps. */
  readonly lifecycleFunction: lambda.IFunction;
  /** Known before deployment, so the function that starts it needs no reference to it. */
  readonly stateMachineName: string;
  /**
   * Upper bound of one execution. Reminders run until the post-mortem is done, however late, so the
   * default is the most a Standard workflow allows; a timed-out execution raises the operators alarm.
   * @default Duration.days(365)
   */
  readonly executionTimeout?: Duration;
}

/** State names: the sandbox, the tests and the runbook refer to them. */
export const POST_MORTEM_STATES = {
  plan: 'PlanPostMortem',
  done: 'Done?',
  wait: 'UntilReminder',
  remind: 'RemindPostMortem',
  failed: 'PostMortemRemindersFailed',
} as const;

/**
 * The post-mortem reminders of one resolved incident as their own Standard workflow, started by the
 * lifecycle function with `{ incidentId, epoch }` (epoch: the incident's reopen count) when a post-mortem is required: plan (done, or the next
 * reminder's time), sleep until then (a Wait, no polling), remind the owner, and plan again, until the
 * post-mortem is done. A failed step pages a person with the error, then fails.
 */
export class PostMortemWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: PostMortemWorkflowProps) {
    super(scope, id);
    const executionTimeout = props.executionTimeout ?? MAX_STANDARD_EXECUTION;
    const problems: string[] = [];
    if (executionTimeout.toSeconds({ integral: false }) < 60) {
      problems.push('executionTimeout must be at least 1 minute');
    }
    if (executionTimeout.toSeconds({ integral: false }) > MAX_STANDARD_EXECUTION.toSeconds()) {
      problems.push('executionTimeout must be at most 365 days, the limit of a Standard workflow');
    }
    if (problems.length > 0) throw new Error(`PostMortemWorkflow: ${problems.join('; ')}`);
    this.stateMachineName = props.stateMachineName;
    const { task, pageAboutFailure } = childWorkflowSteps(this, props.lifecycleFunction, {
      stateName: POST_MORTEM_STATES.failed,
      failedStep: 'PostMortemReminders',
      error: 'PostMortemRemindersFailed',
      cause: 'The post-mortem reminders stopped; a person was paged with the error.',
    });

    const plan = task(
      POST_MORTEM_STATES.plan,
      { step: LIFECYCLE_STEP.postMortemPlan, 'incidentId.$': '$.incidentId', 'epoch.$': '$.epoch' },
      '$.plan',
    );
    const remind = task(
      POST_MORTEM_STATES.remind,
      { step: LIFECYCLE_STEP.postMortemRemind, 'incidentId.$': '$.incidentId' },
      '$.reminder',
    );
    plan.addCatch(pageAboutFailure, { resultPath: '$.error' });
    remind.addCatch(pageAboutFailure, { resultPath: '$.error' });

    const definition = plan.next(
      new sfn.Choice(this, POST_MORTEM_STATES.done)
        .when(
          sfn.Condition.booleanEquals('$.plan.done', true),
          new sfn.Succeed(this, 'PostMortemDone', { comment: 'The post-mortem is done, or no longer due.' }),
        )
        .otherwise(
          new sfn.Wait(this, POST_MORTEM_STATES.wait, { time: sfn.WaitTime.timestampPath('$.plan.nextAt') })
            .next(remind)
            .next(plan),
        ),
    );
    this.stateMachine = standardWorkflow(this, {
      stateMachineName: props.stateMachineName,
      definition,
      timeout: executionTimeout,
      invokes: [props.lifecycleFunction],
    }).stateMachine;
  }

  /** The state machine's ARN, formatted from its name: the starter needs no reference (no dependency cycle). */
  get formattedArn(): string {
    return grantOnStateMachineNamed(this, this.stateMachineName, undefined, []);
  }

  /** Lets `grantee` start post-mortem reminders (by the formatted ARN, see above). */
  grantStart(grantee: iam.IGrantable): void {
    grantOnStateMachineNamed(this, this.stateMachineName, grantee, ['states:StartExecution']);
  }
}
