import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { OperatorAlarms } from '../../../lib/constructs/operator-alarms';
import { composeTestApp } from '../fixtures';
import { logicalIdOf, onlyIdOf } from '../template-helpers';

const ALARM = 'AWS::CloudWatch::Alarm';

interface AlarmProperties {
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Dimensions: { Name: string; Value: unknown }[];
  readonly AlarmActions?: unknown[];
  readonly [key: string]: unknown;
}

/** What each alarm watches, as `namespace metric dimension=logicalId`. */
const watched = (alarm: AlarmProperties) =>
  `${alarm.Namespace} ${alarm.MetricName} ${alarm.Dimensions.map((d) => `${d.Name}=${JSON.stringify(d.Value)}`).join(',')}`;

const operatorAlarmsIn = () => {
  const stack = new Stack();
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => ({});'),
    });
  const stateMachine = new sfn.StateMachine(stack, 'Workflow', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Noop')),
  });
  const functions = { intake: fn('Intake'), ingest: fn('Ingest') };
  const deadLetterQueue = new sqs.Queue(stack, 'DeadLetters');
  const topic = new sns.Topic(stack, 'Operators');
  new OperatorAlarms(stack, 'OperatorAlarms', { stateMachine, functions, deadLetterQueue, topic });
  const template = Template.fromStack(stack);
  const alarms = Object.values(template.findResources(ALARM)).map((r) => r.Properties as AlarmProperties);
  return { template, alarms, stateMachine, functions, deadLetterQueue, topic };
};

describe('OperatorAlarms', () => {
  it('watches failed, timed-out, aborted and throttled executions, each function, and the dead letters', () => {
    const { alarms, stateMachine, functions, deadLetterQueue } = operatorAlarmsIn();
    const sm = JSON.stringify({ Ref: logicalIdOf(stateMachine) });
    const fn = (name: keyof typeof functions) => JSON.stringify({ Ref: logicalIdOf(functions[name]) });
    const queueName = JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(deadLetterQueue), 'QueueName'] });

    expect(alarms.map(watched).sort()).toEqual(
      [
        `AWS/States ExecutionsFailed StateMachineArn=${sm}`,
        `AWS/States ExecutionsTimedOut StateMachineArn=${sm}`,
        `AWS/States ExecutionsAborted StateMachineArn=${sm}`,
        `AWS/States ExecutionThrottled StateMachineArn=${sm}`,
        `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${queueName}`,
        `AWS/Lambda Errors FunctionName=${fn('intake')}`,
        `AWS/Lambda Throttles FunctionName=${fn('intake')}`,
        `AWS/Lambda Errors FunctionName=${fn('ingest')}`,
        `AWS/Lambda Throttles FunctionName=${fn('ingest')}`,
      ].sort(),
    );
  });

  it('sends every alarm to the operators topic', () => {
    const { alarms, topic } = operatorAlarmsIn();

    expect(alarms).toHaveLength(9);
    for (const alarm of alarms)
      expect(alarm.AlarmActions, watched(alarm)).toEqual([{ Ref: logicalIdOf(topic) }]);
  });

  it('fires on the first occurrence within a minute, and stays quiet without data', () => {
    const { alarms } = operatorAlarmsIn();

    for (const alarm of alarms) {
      expect(alarm, watched(alarm)).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        Period: 60,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('counts the dead letters by the most visible at once', () => {
    const { template } = operatorAlarmsIn();

    template.hasResourceProperties(ALARM, {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
    });
  });
});

describe('OperatorAlarms in the stack', () => {
  it('watch the workflow, all three functions and the intake dead letters, and page the operators', () => {
    const template = Template.fromStack(composeTestApp().stack);
    const operators = onlyIdOf(template, 'AWS::SNS::Topic', {
      DisplayName: 'incident response: alarms on the workflow itself',
    });
    const alarms = Object.values(
      template.findResources(ALARM, { Properties: { AlarmActions: Match.anyValue() } }),
    ).map((r) => r.Properties as AlarmProperties);
    const functionRefs = Object.keys(template.findResources('AWS::Lambda::Function')).map((id) => ({
      Ref: id,
    }));

    expect(alarms).toHaveLength(5 + 2 * 3);
    for (const alarm of alarms) expect(alarm.AlarmActions, watched(alarm)).toEqual([{ Ref: operators }]);
    for (const metricName of ['Errors', 'Throttles']) {
      expect(
        alarms.filter((a) => a.MetricName === metricName).map((a) => a.Dimensions[0]?.Value),
        metricName,
      ).toEqual(expect.arrayContaining(functionRefs));
    }
    expect(alarms.find((a) => a.Namespace === 'AWS/SQS')?.Dimensions).toEqual([
      { Name: 'QueueName', Value: { 'Fn::GetAtt': [onlyIdOf(template, 'AWS::SQS::Queue'), 'QueueName'] } },
    ]);
    expect(alarms.filter((a) => a.Namespace === 'AWS/States').map((a) => a.Dimensions)).toEqual(
      Array(4).fill([
        { Name: 'StateMachineArn', Value: { Ref: onlyIdOf(template, 'AWS::StepFunctions::StateMachine') } },
      ]),
    );
  });
});
