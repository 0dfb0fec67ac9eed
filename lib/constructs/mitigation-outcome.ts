/**
 * Where the lifecycle goes after Mitigate, by `$.mitigation.outcome` (Acted?): a custom action that
 * failed pages a person at once; an SSM Automation runbook still running is waited for (Wait, then
 * PollAutomation, whose result takes the mitigation's place and comes back here) until a final status
 * or the action's timeout; an action that ran is verified; anything else waits for recovery.
 *
 * The poll is a Wait state in the workflow, not a loop inside the function: a runbook may run up to
 * its `timeoutMinutes` (720 at most), past Lambda's 15 minutes and the automation task's own
 * timeout, and a Standard workflow waits without cost where a function is billed while it sleeps.
 */
import type { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { AUTOMATION_STEP, MITIGATION_OUTCOME } from '../../lambdas/contract/steps';
import type { StepOn } from './lifecycle-steps';

export interface MitigationOutcomeProps {
  readonly mitigate: tasks.LambdaInvoke;
  readonly automationStep: StepOn;
  /** The poll Task's state name. */
  readonly pollName: string;
  readonly timeout: Duration;
  /** Where an action that ran goes: the verification loop. */
  readonly verify: sfn.IChainable;
  /** Where nothing ran goes. */
  readonly awaitRecovery: sfn.IChainable;
  /** Where a failed custom action goes: a page with `$.mitigation.reason`. */
  readonly failed: sfn.IChainable;
}

const outcomeIs = (outcome: string) =>
  sfn.Condition.and(
    // A Choice on a missing path is a States.Runtime that no Catch handles.
    sfn.Condition.isPresent('$.mitigation.outcome'),
    sfn.Condition.stringEquals('$.mitigation.outcome', outcome),
  );

/** Builds Acted? (and the automation poll loop) after `mitigate`. */
export const mitigationOutcome = (scope: Construct, props: MitigationOutcomeProps): sfn.Choice => {
  const poll = props.automationStep(
    props.pollName,
    AUTOMATION_STEP.pollAutomation,
    '$.mitigation',
    { automation: sfn.JsonPath.objectAt('$.mitigation.automation') },
    props.timeout,
    // It reads, and releases a lock only its own run holds: a second attempt changes nothing.
    { idempotent: true },
  );
  const acted = new sfn.Choice(scope, 'Acted?')
    .when(outcomeIs(MITIGATION_OUTCOME.failed), props.failed)
    .when(
      outcomeIs(MITIGATION_OUTCOME.running),
      new sfn.Wait(scope, 'AwaitAutomation', {
        time: sfn.WaitTime.secondsPath('$.mitigation.waitSeconds'),
      }).next(poll),
    )
    .when(sfn.Condition.booleanEquals('$.mitigation.acted', true), props.verify)
    .otherwise(props.awaitRecovery);
  props.mitigate.next(acted);
  poll.next(acted);
  return acted;
};
