/**
 * How the product's workflows call their Lambda functions, in one place: every step retries the
 * same transient errors the same way, and passes the function's result on as it is.
 */
import { ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { IDEMPOTENT_RETRY_ERRORS, LIFECYCLE_STEP, TRANSIENT_ERRORS } from '../../lambdas/contract/steps';

export { IDEMPOTENT_RETRY_ERRORS, TRANSIENT_ERRORS } from '../../lambdas/contract/steps';

/**
 * How much longer a Task waits than its function may run: a cold start (init, up to 10 s on Lambda)
 * is not part of the function's timeout, and a task that times out first would leave the function
 * running while the workflow moves on.
 */
export const COLD_START_MARGIN = Duration.seconds(10);

/** Three attempts, full jitter. */
const retryTransient = (task: tasks.LambdaInvoke, { withTimeout = false } = {}): tasks.LambdaInvoke =>
  task.addRetry({
    errors: withTimeout ? [...IDEMPOTENT_RETRY_ERRORS] : [...TRANSIENT_ERRORS],
    maxAttempts: 3,
    interval: Duration.seconds(1),
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  }) as tasks.LambdaInvoke;

/** A task's timeout must outlast its function's timeout by {@link COLD_START_MARGIN}. */
const checkOutlasts = (name: string, fn: lambda.IFunction, timeout: Duration): void => {
  const fnTimeout = fn instanceof lambda.Function ? fn.timeout : undefined;
  if (!fnTimeout) return;
  const needed = fnTimeout.toSeconds() + COLD_START_MARGIN.toSeconds();
  if (timeout.toSeconds({ integral: false }) < needed)
    throw new Error(
      `${name}: its task timeout (${timeout.toSeconds({ integral: false })} s) must be at least the function's timeout (${fnTimeout.toSeconds()} s) plus ${COLD_START_MARGIN.toSeconds()} s for a cold start`,
    );
};

/** Options of {@link lambdaStep}. */
export interface LambdaStepOptions {
  /**
   * The step can run twice at once without effect (a conditional write claims its work, or it only
   * reads): it then also retries `States.Timeout`. @default false
   */
  readonly idempotent?: boolean;
}

/** A Lambda step whose input is `payload` or the state at `inputPath`. */
export const lambdaStep = (
  scope: Construct,
  name: string,
  fn: lambda.IFunction,
  input: { readonly payload: sfn.TaskInput } | { readonly inputPath: string },
  timeout: Duration,
  resultPath?: string,
  options: LambdaStepOptions = {},
): tasks.LambdaInvoke => {
  checkOutlasts(name, fn, timeout);
  return retryTransient(
    new tasks.LambdaInvoke(scope, name, {
      lambdaFunction: fn,
      ...input,
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(timeout),
      ...(resultPath ? { resultPath } : {}),
    }),
    { withTimeout: options.idempotent === true },
  );
};

/**
 * The steps of a small loop workflow driven by the lifecycle function (the escalation policy, the
 * post-mortem reminders): `task` builds one of its Lambda steps, and `pageAboutFailure` pages a person
 * with the error and then fails the execution (its own failure fails it too, for the operators' alarm).
 */
export const childWorkflowSteps = (
  scope: Construct,
  fn: lambda.IFunction,
  failure: {
    readonly stateName: string;
    readonly failedStep: string;
    readonly error: string;
    readonly cause: string;
  },
) => {
  const task = (name: string, payload: Record<string, unknown>, resultPath: string) =>
    lambdaStep(
      scope,
      name,
      fn,
      { payload: sfn.TaskInput.fromObject(payload) },
      Duration.seconds(30),
      resultPath,
    );
  const failed = new sfn.Fail(scope, 'Failed', { error: failure.error, cause: failure.cause });
  const pageAboutFailure = task(
    failure.stateName,
    {
      step: LIFECYCLE_STEP.escalate,
      failedStep: failure.failedStep,
      'error.$': '$.error',
      state: { record: { 'incidentId.$': '$.incidentId' } },
    },
    '$.escalated',
  );
  pageAboutFailure.addCatch(failed, { resultPath: '$.escalationError' });
  pageAboutFailure.next(failed);
  return { task, pageAboutFailure };
};

/** A step that waits for a callback (`taskToken` in the payload) for at most `timeout`; its timeout is the answer, never retried. */
export const callbackStep = (
  scope: Construct,
  name: string,
  fn: lambda.IFunction,
  payload: Record<string, unknown>,
  timeout: Duration,
  resultPath: string,
): tasks.LambdaInvoke =>
  retryTransient(
    new tasks.LambdaInvoke(scope, name, {
      lambdaFunction: fn,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({ ...payload, taskToken: sfn.JsonPath.taskToken }),
      taskTimeout: sfn.Timeout.duration(timeout),
      resultPath,
    }),
  );

export interface StandardWorkflowProps {
  readonly stateMachineName: string;
  readonly definition: sfn.IChainable;
  readonly timeout: Duration;
  /** The functions its tasks invoke: their `<arn>:*` grant is acknowledged to cdk-nag by name. */
  readonly invokes: readonly lambda.IFunction[];
}

/**
 * A Standard state machine as every workflow of the product is built: logs of every execution with
 * their data (three months) in `/aws/vendedlogs/states/<stateMachineName>`, tracing, and the cdk-nag
 * acknowledgements its role needs, each with its reason.
 */
export const standardWorkflow = (
  scope: Construct,
  props: StandardWorkflowProps,
): { readonly stateMachine: sfn.StateMachine; readonly logGroup: logs.LogGroup } => {
  // Step Functions adds every other log group to the account's CloudWatch Logs resource policy,
  // which holds at most 5,120 characters; /aws/vendedlogs/ groups are covered without an entry.
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineName: props.stateMachineName,
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    timeout: props.timeout,
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
  });
  const nag = Validations.of(stateMachine.role);
  nag.acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray tracing and CloudWatch Logs log delivery actions have no resource-level permissions',
  });
  const stack = Stack.of(scope);
  for (const fn of props.invokes) {
    const logicalId = stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnElement));
    nag.acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason: `Invoking any version of the product's own ${fn.node.id}, which the workflow's tasks call`,
    });
  }
  return { stateMachine, logGroup };
};

/**
 * Lets `grantee` call `actions` on the state machine named `stateMachineName`, by the ARN formatted
 * from its name rather than a reference to it: the functions a workflow invokes (or that start it)
 * can be granted without a dependency cycle. Returns that ARN.
 */
export const grantOnStateMachineNamed = (
  scope: Construct,
  stateMachineName: string,
  grantee: iam.IGrantable | undefined,
  actions: readonly string[],
): string => {
  const arn = Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachineName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  grantee?.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: [...actions], resources: [arn] }),
  );
  return arn;
};
