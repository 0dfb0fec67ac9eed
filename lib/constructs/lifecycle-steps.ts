/**
 * The lifecycle workflow's Lambda steps and where their final failure goes: a step that still fails
 * after its retries escalates to a person with the error on the timeline (`<step>Failed`, then the
 * escalate-failure step), then fails the execution so the operators' alarm fires too.
 */
import type { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { LIFECYCLE_STEP } from '../../lambdas/contract/steps';
import { type LambdaStepOptions, lambdaStep } from './workflow-tasks';

export interface LifecycleStepsProps {
  /** Runs one lifecycle step, named by `step` in its input; it also pages about a failed step. */
  readonly lifecycleFunction: lambda.IFunction;
  /** Runs the automation steps, named by `step` in its input. */
  readonly automationFunction: lambda.IFunction;
  /** Upper bound of one Lambda step, retries not counted, unless a step sets its own. */
  readonly taskTimeout: Duration;
  /** The state that pages a person about a failed step. */
  readonly escalateFailureName: string;
}

/** A step of one function: `step` and the incident id in its payload, with `extra`; its result at `resultPath`. */
export type StepOn = (
  name: string,
  step: string,
  resultPath: string,
  extra?: Record<string, unknown>,
  timeout?: Duration,
  options?: LambdaStepOptions,
) => tasks.LambdaInvoke;

export interface LifecycleSteps {
  /** Sends the final failure of `task` (state `stepName`) to the escalation of failed steps. */
  readonly onFailure: (task: tasks.LambdaInvoke, stepName: string) => void;
  /** A lifecycle function step whose final failure escalates. */
  readonly lifecycleStep: StepOn;
  /** An automation function step whose final failure escalates. */
  readonly automationStep: StepOn;
  /** Where a failed page about a failure goes: the execution fails with `EscalationFailed`. */
  readonly escalationFailed: sfn.Fail;
}

/** Builds the failure states in `scope` (the workflow) and returns the step builders that use them. */
export const lifecycleSteps = (scope: Construct, props: LifecycleStepsProps): LifecycleSteps => {
  const { taskTimeout } = props;
  const workflowFailed = new sfn.Fail(scope, 'WorkflowFailed', {
    error: 'StepFailed',
    cause: 'A workflow step failed; the incident was escalated to a person with the error on its timeline.',
  });
  const escalationFailed = new sfn.Fail(scope, 'EscalationFailed', {
    error: 'EscalationFailed',
    cause:
      'Paging a person about a failed step failed too; the operators alarm on failed executions is the page.',
  });
  const escalateFailure = lambdaStep(
    scope,
    props.escalateFailureName,
    props.lifecycleFunction,
    { inputPath: '$' },
    taskTimeout,
  );
  escalateFailure.addCatch(escalationFailed, { resultPath: '$.escalationError' });
  escalateFailure.next(workflowFailed);

  const onFailure = (task: tasks.LambdaInvoke, stepName: string): void => {
    task.addCatch(
      new sfn.Pass(scope, `${stepName}Failed`, {
        parameters: {
          step: LIFECYCLE_STEP.escalate,
          failedStep: stepName,
          'error.$': '$.error',
          'state.$': '$',
        },
      }).next(escalateFailure),
      { resultPath: '$.error' },
    );
  };

  const stepOn =
    (fn: lambda.IFunction): StepOn =>
    (name, step, resultPath, extra = {}, timeout = taskTimeout, options = {}) => {
      const task = lambdaStep(
        scope,
        name,
        fn,
        {
          payload: sfn.TaskInput.fromObject({
            step,
            incidentId: sfn.JsonPath.stringAt('$.record.incidentId'),
            ...extra,
          }),
        },
        timeout,
        resultPath,
        options,
      );
      onFailure(task, name);
      return task;
    };

  return {
    onFailure,
    lifecycleStep: stepOn(props.lifecycleFunction),
    automationStep: stepOn(props.automationFunction),
    escalationFailed,
  };
};
