import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AslDefinition,
  aslFromTemplate,
  type TemplateStateMachine,
} from '../../../sandbox/sfn-local/asl';
import {
  ExecutionFailedError,
  type LocalHandler,
  LocalWorkflow,
} from '../../../sandbox/sfn-local/local-runner';
import { SimClock } from '../../../sandbox/sfn-local/sim-clock';
import { TaskTokenBroker } from '../../../sandbox/sfn-local/task-token-broker';
import { callsTo, localWorkflow, simulatedTime } from '../../support/local-workflow';

const START = new Date('2026-03-01T10:00:00.000Z');
const later = (seconds: number): Date => new Date(START.getTime() + seconds * 1000);
const MINUTE = 60;
const HOUR = 3600;

class PagerBusyError extends Error {
  override readonly name = 'PagerBusy';
}

/**
 * Triage (LambdaInvoke, full response) -> IsSevere (Choice) -> Notify (payloadResponseOnly, 5 min timeout,
 * Retry + Catch on PagerBusy, Catch on States.TaskFailed then States.Timeout) -> EscalationWait (2 h) ->
 * AwaitAck (.waitForTaskToken, 30 min timeout, Catch States.Timeout) -> Acknowledged.
 */
function lifecycleTemplate(): ReturnType<Template['toJSON']> {
  const stack = new Stack(new App(), 'RunnerTest');
  const fn = (id: string): lambda.Function =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (event) => event;'),
    });
  const triage = new tasks.LambdaInvoke(stack, 'Triage', {
    lambdaFunction: fn('TriageFn'),
    resultSelector: { 'severity.$': '$.Payload.severity', 'status.$': '$.StatusCode' },
    resultPath: '$.triage',
  });
  const notify = new tasks.LambdaInvoke(stack, 'Notify', {
    lambdaFunction: fn('NotifyFn'),
    payloadResponseOnly: true,
    resultPath: '$.page',
    taskTimeout: sfn.Timeout.duration(Duration.minutes(5)),
  });
  notify.addRetry({ errors: ['PagerBusy'], interval: Duration.minutes(1), maxAttempts: 2, backoffRate: 2 });
  notify.addCatch(new sfn.Pass(stack, 'PagingFailed'), { errors: ['PagerBusy'], resultPath: '$.error' });
  notify.addCatch(new sfn.Pass(stack, 'NotifyBroken'), {
    errors: [sfn.Errors.TASKS_FAILED],
    resultPath: '$.error',
  });
  notify.addCatch(new sfn.Pass(stack, 'NotifyTimedOut'), {
    errors: [sfn.Errors.TIMEOUT],
    resultPath: '$.error',
  });
  const awaitAck = new tasks.LambdaInvoke(stack, 'AwaitAck', {
    lambdaFunction: fn('AckFn'),
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      token: sfn.JsonPath.taskToken,
      incidentId: sfn.JsonPath.stringAt('$.incidentId'),
      startedAt: sfn.JsonPath.executionStartTime,
    }),
    resultPath: '$.ack',
    taskTimeout: sfn.Timeout.duration(Duration.minutes(30)),
  });
  awaitAck.addCatch(new sfn.Pass(stack, 'Unacknowledged'), {
    errors: [sfn.Errors.TIMEOUT],
    resultPath: '$.error',
  });
  const escalate = notify
    .next(new sfn.Wait(stack, 'EscalationWait', { time: sfn.WaitTime.duration(Duration.hours(2)) }))
    .next(awaitAck)
    .next(new sfn.Succeed(stack, 'Acknowledged'));
  const severe = new sfn.Choice(stack, 'IsSevere')
    .when(sfn.Condition.stringEquals('$.triage.severity', 'high'), escalate)
    .otherwise(new sfn.Succeed(stack, 'LowSeverity'));
  new sfn.StateMachine(stack, 'Lifecycle', {
    definitionBody: sfn.DefinitionBody.fromChainable(triage.next(severe)),
  });
  return Template.fromStack(stack).toJSON();
}

interface Call {
  readonly state: string;
  readonly input: unknown;
  readonly at: string;
  readonly token?: string;
}

function harness(machine: TemplateStateMachine, overrides: Record<string, LocalHandler> = {}) {
  const time = simulatedTime(START);
  const calls: Call[] = [];
  const defaults: Record<string, LocalHandler> = {
    Triage: async () => ({ severity: 'high' }),
    Notify: async (_input, context) => ({ pagedAt: context.now.toISOString() }),
    AwaitAck: async () => ({ delivered: true }),
  };
  const handlers: Record<string, LocalHandler> = {};
  for (const [state, handler] of Object.entries({ ...defaults, ...overrides })) {
    handlers[state] = (input, context) => {
      calls.push({ state, input, at: context.now.toISOString(), token: context.taskToken });
      return handler(input, context);
    };
  }
  const workflow = localWorkflow(machine, handlers, time);
  return { ...time, workflow, calls, callsOf: callsTo(calls) };
}

describe('LocalWorkflow on the synthesized CDK template', () => {
  let machine: TemplateStateMachine;
  beforeAll(() => {
    machine = aslFromTemplate(lifecycleTemplate());
  });

  it('plays a two-hour escalation in well under a second, resuming through sendTaskSuccess', async () => {
    const { clock, broker, workflow, callsOf } = harness(machine);
    const execution = workflow.start({ incidentId: 'inc-1' });

    const started = performance.now();
    await clock.advanceTo(later(2 * HOUR));
    const realMs = performance.now() - started;

    expect(realMs).toBeLessThan(1000);
    expect(clock.now()).toEqual(later(2 * HOUR));
    const [pending, ...others] = broker.pending();
    expect(others).toEqual([]);
    expect(pending).toMatchObject({
      stateName: 'AwaitAck',
      issuedAt: later(2 * HOUR),
      timeoutAt: later(2.5 * HOUR),
    });
    expect(callsOf('Triage')).toEqual([
      { state: 'Triage', input: { incidentId: 'inc-1' }, at: START.toISOString() },
    ]);
    expect(callsOf('Notify')).toEqual([
      {
        state: 'Notify',
        input: { incidentId: 'inc-1', triage: { severity: 'high', status: 200 } },
        at: START.toISOString(),
      },
    ]);
    expect(callsOf('AwaitAck')).toEqual([
      {
        state: 'AwaitAck',
        input: { token: pending?.token, incidentId: 'inc-1', startedAt: START.toISOString() },
        at: later(2 * HOUR).toISOString(),
        token: pending?.token,
      },
    ]);

    broker.sendTaskSuccess(pending?.token ?? '', { ackedBy: 'alice' });
    await clock.settle();

    await expect(execution.result).resolves.toEqual({
      incidentId: 'inc-1',
      triage: { severity: 'high', status: 200 },
      page: { pagedAt: START.toISOString() },
      ack: { ackedBy: 'alice' },
    });
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.states.map((state) => state.name)).toEqual([
      'Triage',
      'IsSevere',
      'Notify',
      'EscalationWait',
      'AwaitAck',
      'Acknowledged',
    ]);
    expect(execution.states.find((state) => state.name === 'EscalationWait')).toMatchObject({
      type: 'Wait',
      enteredAt: START,
      exitedAt: later(2 * HOUR),
    });
  });

  it('takes the Choice default for a low severity', async () => {
    const { clock, workflow, callsOf } = harness(machine, { Triage: async () => ({ severity: 'low' }) });
    const execution = workflow.start({ incidentId: 'inc-2' });
    await clock.settle();

    await execution.result;
    expect(execution.states.map((state) => state.name)).toEqual(['Triage', 'IsSevere', 'LowSeverity']);
    expect(callsOf('Notify')).toEqual([]);
  });

  it('retries a custom error on the simulated clock, then the Catch routes it by name', async () => {
    const { clock, workflow, callsOf } = harness(machine, {
      Notify: async () => {
        throw new PagerBusyError('pager queue full');
      },
    });
    const execution = workflow.start({ incidentId: 'inc-3' });
    await clock.settle();

    const output = (await execution.result) as { error: { Error: string; Cause: string } };
    // IntervalSeconds 60, BackoffRate 2, MaxAttempts 2: retries after 1 and 2 more minutes.
    expect(callsOf('Notify').map((call) => call.at)).toEqual([
      START.toISOString(),
      later(MINUTE).toISOString(),
      later(3 * MINUTE).toISOString(),
    ]);
    expect(output.error.Error).toBe('PagerBusy');
    expect(JSON.parse(output.error.Cause)).toMatchObject({
      errorType: 'PagerBusy',
      errorMessage: 'pager queue full',
    });
    expect(execution.states.map((state) => state.name)).toEqual([
      'Triage',
      'IsSevere',
      'Notify',
      'PagingFailed',
    ]);
    expect(execution.states.find((state) => state.name === 'Notify')).toMatchObject({
      retries: 2,
      error: 'PagerBusy',
    });
  });

  it('sends an error nobody names to the States.TaskFailed catcher without retrying it', async () => {
    const { clock, workflow, callsOf } = harness(machine, {
      Notify: async () => {
        throw new TypeError('pager config missing');
      },
    });
    const execution = workflow.start({ incidentId: 'inc-4' });
    await clock.settle();

    const output = (await execution.result) as { error: { Error: string } };
    expect(callsOf('Notify')).toHaveLength(1);
    expect(output.error.Error).toBe('TypeError');
    expect(execution.states.at(-1)?.name).toBe('NotifyBroken');
  });

  it('times out a hung handler at the simulated deadline, past the States.TaskFailed catcher', async () => {
    const { clock, workflow } = harness(machine, {
      Notify: async () => {
        await clock.sleep(24 * HOUR);
        return {};
      },
    });
    const execution = workflow.start({ incidentId: 'inc-5' });
    await clock.advanceTo(later(HOUR));

    const output = (await execution.result) as { error: { Error: string } };
    expect(output.error.Error).toBe('States.Timeout');
    expect(execution.states.at(-1)).toMatchObject({ name: 'NotifyTimedOut', enteredAt: later(5 * MINUTE) });
  });

  it('times out a callback nobody answers, through the clock', async () => {
    const { clock, broker, workflow, callsOf } = harness(machine);
    const execution = workflow.start({ incidentId: 'inc-6' });
    await clock.advanceTo(later(3 * HOUR));

    const output = (await execution.result) as { error: { Error: string } };
    expect(output.error.Error).toBe('States.Timeout');
    expect(execution.states.at(-1)).toMatchObject({ name: 'Unacknowledged', enteredAt: later(2.5 * HOUR) });
    const token = callsOf('AwaitAck')[0]?.token ?? '';
    expect(() => broker.sendTaskSuccess(token, { ackedBy: 'late' })).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
    expect(() => broker.sendTaskSuccess('made-up', {})).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
  });

  it('refuses to build with a Task that has no handler or a handler for no state', () => {
    const clock = new SimClock({ start: START });
    const build = (): LocalWorkflow =>
      new LocalWorkflow({
        definition: machine.definition,
        handlers: { Triage: async () => ({}), Notify: async () => ({}), Nope: async () => ({}) },
        clock,
        broker: new TaskTokenBroker(clock),
      });

    expect(build).toThrow(/state AwaitAck: no handler for this Task/);
    expect(build).toThrow(/handler Nope: there is no state of that name/);
  });
});

function workflowOf(definition: unknown, handlers: Record<string, LocalHandler> = {}) {
  const time = simulatedTime(START);
  return {
    ...time,
    workflow: new LocalWorkflow({ definition: definition as AslDefinition, handlers, ...time }),
  };
}

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:Worker';

describe('LocalWorkflow semantics', () => {
  it('replaces the input for ResultPath "$", which the interpreter alone gets wrong', async () => {
    const { clock, workflow } = workflowOf(
      {
        StartAt: 'Set',
        States: {
          Set: { Type: 'Pass', Result: { replaced: true }, ResultPath: '$', Next: 'Call' },
          Call: { Type: 'Task', Resource: FUNCTION_ARN, ResultPath: '$', End: true },
        },
      },
      { Call: async (input) => ({ seen: input }) },
    );
    const execution = workflow.start({ original: 1 });
    await clock.settle();

    await expect(execution.result).resolves.toEqual({ seen: { replaced: true } });
  });

  it('waits SecondsPath and TimestampPath on the simulated clock, and reads the simulated start time', async () => {
    const { clock, workflow } = workflowOf({
      StartAt: 'ForSeconds',
      States: {
        ForSeconds: { Type: 'Wait', SecondsPath: '$.delay', Next: 'UntilTime' },
        UntilTime: { Type: 'Wait', TimestampPath: '$.until', Next: 'Stamp' },
        Stamp: { Type: 'Pass', Parameters: { 'startedAt.$': '$$.Execution.StartTime' }, End: true },
      },
    });
    const execution = workflow.start({ delay: 900, until: later(4 * HOUR).toISOString() });
    await clock.settle();

    await expect(execution.result).resolves.toEqual({ startedAt: START.toISOString() });
    expect(execution.states.map((state) => [state.name, state.exitedAt])).toEqual([
      ['ForSeconds', later(15 * MINUTE)],
      ['UntilTime', later(4 * HOUR)],
      ['Stamp', later(4 * HOUR)],
    ]);
  });

  it('caps retry backoff at MaxDelaySeconds and gives Lambda errors the runtime JSON cause', async () => {
    const attempts: string[] = [];
    const { clock, workflow } = workflowOf(
      {
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: FUNCTION_ARN,
            Retry: [
              { ErrorEquals: ['States.ALL'], IntervalSeconds: 10, BackoffRate: 10, MaxDelaySeconds: 60 },
            ],
            End: true,
          },
        },
      },
      {
        Call: async (_input, context) => {
          attempts.push(context.now.toISOString());
          throw new RangeError('still broken');
        },
      },
    );
    const execution = workflow.start({});
    await clock.settle();

    const failure = await execution.result.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(attempts).toEqual([START, later(10), later(70), later(130)].map((date) => date.toISOString()));
    expect(failure).toBeInstanceOf(ExecutionFailedError);
    expect(failure).toMatchObject({ status: 'FAILED', error: 'RangeError' });
    expect(JSON.parse((failure as ExecutionFailedError).cause)).toMatchObject({
      errorMessage: 'still broken',
    });
  });

  it('does not retry a timeout with a States.TaskFailed retrier, as on AWS', async () => {
    const attempts: string[] = [];
    const { clock, workflow } = workflowOf(
      {
        StartAt: 'Slow',
        States: {
          Slow: {
            Type: 'Task',
            Resource: FUNCTION_ARN,
            TimeoutSeconds: 60,
            Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 3 }],
            End: true,
          },
        },
      },
      {
        Slow: async (_input, context) => {
          attempts.push(context.now.toISOString());
          await clock.sleep(HOUR);
          return {};
        },
      },
    );
    const execution = workflow.start({});
    await clock.advanceTo(later(2 * HOUR));

    await expect(execution.result).rejects.toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(attempts).toEqual([START.toISOString()]);
    expect(execution.states).toEqual([expect.objectContaining({ name: 'Slow', exitedAt: later(60) })]);
  });

  it('passes service-integration results through and uses the message as the cause of their errors', async () => {
    const { clock, workflow } = workflowOf(
      {
        StartAt: 'Put',
        States: {
          Put: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:putItem',
            Parameters: { TableName: 'Incidents', 'Item.$': '$.item' },
            ResultPath: '$.put',
            Next: 'Publish',
          },
          Publish: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sns:publish',
            Parameters: { 'Message.$': '$.item.id' },
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Done' }],
            End: true,
          },
          Done: { Type: 'Succeed' },
        },
      },
      {
        Put: async (input) => ({ SdkHttpMetadata: { HttpStatusCode: 200 }, echo: input }),
        Publish: async () => {
          throw new StatesErrorLike('SNS.NotFoundException', 'Topic does not exist');
        },
      },
    );
    const execution = workflow.start({ item: { id: 'inc-7' } });
    await clock.settle();

    await expect(execution.result).resolves.toEqual({
      item: { id: 'inc-7' },
      put: {
        SdkHttpMetadata: { HttpStatusCode: 200 },
        echo: { TableName: 'Incidents', Item: { id: 'inc-7' } },
      },
      error: { Error: 'SNS.NotFoundException', Cause: 'Topic does not exist' },
    });
  });

  it('runs Parallel branches and Map iterations, a Wait inside a branch included', async () => {
    const { clock, workflow } = workflowOf(
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            End: true,
            Branches: [
              {
                StartAt: 'Later',
                States: {
                  Later: { Type: 'Wait', Seconds: 600, Next: 'Each' },
                  Each: {
                    Type: 'Map',
                    ItemsPath: '$.ids',
                    ItemProcessor: {
                      StartAt: 'Double',
                      States: { Double: { Type: 'Task', Resource: FUNCTION_ARN, End: true } },
                    },
                    End: true,
                  },
                },
              },
              { StartAt: 'Now', States: { Now: { Type: 'Task', Resource: FUNCTION_ARN, End: true } } },
            ],
          },
        },
      },
      {
        Double: async (input) => (input as number) * 2,
        Now: async (_input, context) => context.now.toISOString(),
      },
    );
    const execution = workflow.start({ ids: [1, 2, 3] });
    await clock.settle();

    await expect(execution.result).resolves.toEqual([[2, 4, 6], START.toISOString()]);
    expect(clock.now()).toEqual(later(600));
  });

  it('times the whole execution out on the clock and withdraws its tokens', async () => {
    const { clock, broker, workflow } = workflowOf(
      {
        StartAt: 'Ask',
        TimeoutSeconds: 3600,
        States: {
          Ask: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
            Parameters: { QueueUrl: 'q', MessageBody: { 'token.$': '$$.Task.Token' } },
            End: true,
          },
        },
      },
      { Ask: async (input) => ({ MessageId: 'm-1', sent: input }) },
    );
    const execution = workflow.start({});
    await clock.settle();

    await expect(execution.result).rejects.toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(clock.now()).toEqual(later(HOUR));
    expect(broker.pending()).toEqual([]);
  });

  it('stops an execution like StopExecution', async () => {
    const { clock, broker, workflow } = workflowOf({
      StartAt: 'Long',
      States: { Long: { Type: 'Wait', Seconds: 86_400, End: true } },
    });
    const execution = workflow.start({}, { name: 'to-stop' });
    await clock.settle({ until: later(MINUTE) });

    execution.stop('Operator.Cancelled', 'drill over');

    await expect(execution.result).rejects.toMatchObject({
      status: 'ABORTED',
      error: 'Operator.Cancelled',
      cause: 'drill over',
    });
    expect(execution.id).toBe('arn:aws:states:us-east-1:123456789012:execution:LocalStateMachine:to-stop');
    await clock.settle();
    expect(clock.now()).toEqual(START);
    expect(broker.pending()).toEqual([]);
  });

  it('refuses, listing them all, what the interpreter would get wrong', () => {
    const build = () =>
      workflowOf(
        {
          StartAt: 'Token',
          States: {
            Token: { Type: 'Pass', Parameters: { 'token.$': '$$.Task.Token' }, Next: 'Vars' },
            Vars: { Type: 'Pass', Assign: { x: 1 }, Next: 'Dynamic' },
            Dynamic: { Type: 'Task', Resource: FUNCTION_ARN, TimeoutSecondsPath: '$.timeout', End: true },
          },
        },
        { Dynamic: async () => ({}) },
      );

    expect(build).toThrow(/state Token: \$\$\.Task\.Token is only available/);
    expect(build).toThrow(/state Vars: variables \(Assign\)/);
    expect(build).toThrow(/state Dynamic: TimeoutSecondsPath/);
  });
});

class StatesErrorLike extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
