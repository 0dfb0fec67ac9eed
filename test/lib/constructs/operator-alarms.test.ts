import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { OperatorAlarms } from '../../../lib/constructs/operator-alarms';
import { appTemplate } from '../../support/app-template';
import { stubFunction, stubStateMachine } from '../../support/stacks';
import { logicalIdOf, onlyIdOf, type StateMachineSuffix, stateMachineId } from '../../support/template';

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

const operatorAlarmsIn = ({ withEscalation = false, withPostMortem = false } = {}) => {
  const stack = new Stack();
  const fn = (id: string) => stubFunction(stack, id);
  const machine = (id: string) => stubStateMachine(stack, id);
  const stateMachine = machine('Workflow');
  const escalationStateMachine = withEscalation ? machine('Escalation') : undefined;
  const postMortemStateMachine = withPostMortem ? machine('PostMortem') : undefined;
  const functions = { intake: fn('Intake'), ingest: fn('Ingest') };
  const deadLetterQueue = new sqs.Queue(stack, 'DeadLetters');
  const topic = new sns.Topic(stack, 'Operators');
  const props = {
    stateMachine,
    escalationStateMachine,
    postMortemStateMachine,
    functions,
    deadLetterQueue,
    topic,
  };
  new OperatorAlarms(stack, 'OperatorAlarms', props);
  const template = Template.fromStack(stack);
  const alarms = Object.values(template.findResources(ALARM)).map((r) => r.Properties as AlarmProperties);
  return { template, alarms, ...props };
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

  it('watches failed, timed-out and throttled escalation policy executions when given that state machine', () => {
    const { alarms, stateMachine, escalationStateMachine } = operatorAlarmsIn({ withEscalation: true });
    const bySm = (machine: sfn.StateMachine) =>
      alarms
        .filter(
          (a) =>
            JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'StateMachineArn', Value: { Ref: logicalIdOf(machine) } }]),
        )
        .map((a) => a.MetricName)
        .sort();

    if (!escalationStateMachine) throw new Error('the escalation state machine was not built');
    expect(bySm(escalationStateMachine)).toEqual([
      'ExecutionThrottled',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
    ]);
    expect(bySm(stateMachine)).toEqual([
      'ExecutionThrottled',
      'ExecutionsAborted',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
    ]);
    expect(alarms).toHaveLength(9 + 3);
  });

  it('watches failed, timed-out and throttled post-mortem reminder executions when given that state machine', () => {
    const { alarms, postMortemStateMachine } = operatorAlarmsIn({ withPostMortem: true });
    if (!postMortemStateMachine) throw new Error('the post-mortem state machine was not built');
    const onPostMortem = alarms.filter(
      (a) =>
        JSON.stringify(a.Dimensions) ===
        JSON.stringify([{ Name: 'StateMachineArn', Value: { Ref: logicalIdOf(postMortemStateMachine) } }]),
    );

    expect(onPostMortem.map((a) => a.MetricName).sort()).toEqual([
      'ExecutionThrottled',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
    ]);
    expect(onPostMortem.map((a) => a.AlarmDescription).sort()).toEqual([
      'Incident response: post-mortem reminder executions failed.',
      'Incident response: post-mortem reminder executions throttled.',
      'Incident response: post-mortem reminder executions timed out.',
    ]);
    expect(alarms).toHaveLength(9 + 3);
  });

  it('sends every alarm to the operators topic', () => {
    const { alarms, topic } = operatorAlarmsIn({ withEscalation: true, withPostMortem: true });

    expect(alarms).toHaveLength(15);
    for (const alarm of alarms)
      expect(alarm.AlarmActions, watched(alarm)).toEqual([{ Ref: logicalIdOf(topic) }]);
  });

  it('fires on the first occurrence within a minute, and stays quiet without data', () => {
    const { alarms } = operatorAlarmsIn({ withEscalation: true });

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

  it('names every alarm <stackName>-operator-<what>, the prefix the intake leaves out', () => {
    const { alarms } = operatorAlarmsIn({ withEscalation: true, withPostMortem: true });
    const names = alarms.map((a) => a.AlarmName as string);

    expect(new Set(names).size).toBe(alarms.length);
    for (const name of names) expect(name).toMatch(/^Default-operator-[A-Za-z]+$/);
    expect(names).toContain('Default-operator-ExecutionsFailed');
    expect(names).toContain('Default-operator-intakeErrors');
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
  it('watch the three state machines, all five functions and the intake dead letters, and page the operators', () => {
    const template = appTemplate();
    const operators = onlyIdOf(template, 'AWS::SNS::Topic', {
      DisplayName: 'incident response: alarms on the workflow itself',
    });
    const alarms = Object.values(
      template.findResources(ALARM, { Properties: { AlarmActions: Match.anyValue() } }),
    ).map((r) => r.Properties as AlarmProperties);
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'))
      .map((id) => JSON.stringify({ Ref: id }))
      .sort();

    expect(functions).toHaveLength(5);
    expect(alarms).toHaveLength(4 + 3 + 3 + 1 + 2 * 5);
    for (const alarm of alarms) expect(alarm.AlarmActions, watched(alarm)).toEqual([{ Ref: operators }]);
    for (const alarm of alarms) expect(alarm.AlarmName).toMatch(/^IncidentResponse-operator-/);
    for (const metricName of ['Errors', 'Throttles']) {
      const watchedFunctions = alarms
        .filter((a) => a.MetricName === metricName)
        .map((a) => JSON.stringify(a.Dimensions[0]?.Value))
        .sort();
      expect(watchedFunctions, metricName).toEqual(functions);
    }
    expect(alarms.find((a) => a.Namespace === 'AWS/SQS')?.Dimensions).toEqual([
      { Name: 'QueueName', Value: { 'Fn::GetAtt': [onlyIdOf(template, 'AWS::SQS::Queue'), 'QueueName'] } },
    ]);
    const statesAlarmsOn = (suffix: StateMachineSuffix) =>
      alarms.filter(
        (a) =>
          a.Namespace === 'AWS/States' &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'StateMachineArn', Value: { Ref: stateMachineId(template, suffix) } }]),
      ).length;
    expect(statesAlarmsOn('-lifecycle')).toBe(4);
    expect(statesAlarmsOn('-escalation')).toBe(3);
    expect(statesAlarmsOn('-postmortem')).toBe(3);
    expect(alarms.filter((a) => a.Namespace === 'AWS/States')).toHaveLength(4 + 3 + 3);
  });
});
