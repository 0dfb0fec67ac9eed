import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { operatorAlarmPrefix } from '../../lambdas/intake/alarm-event';

export interface OperatorAlarmsProps {
  readonly stateMachine: sfn.StateMachine;
  /** The escalation policy's workflow, watched the same way. @default none */
  readonly escalationStateMachine?: sfn.StateMachine;
  /** The post-mortem reminders' workflow, watched the same way. @default none */
  readonly postMortemStateMachine?: sfn.StateMachine;
  readonly functions: Readonly<Record<string, lambda.Function>>;
  readonly deadLetterQueue: sqs.IQueue;
  readonly topic: sns.ITopic;
  /**
   * What every alarm name starts with, followed by the alarm's id: one prefix, so that the alarm intake
   * can leave the product's alarms on itself out (config `unmappedAlarms.ignoreOperatorAlarms`).
   * @default `${stackName}-operator-`, see `operatorAlarmPrefix`
   */
  readonly alarmNamePrefix?: string;
}

/**
 * Alarms on the product's own moving parts, sent to the operators' topic: failed, timed-out,
 * aborted and throttled executions (of the lifecycle, and of the escalation and post-mortem workflows
 * when given), Lambda errors and throttles, and anything in the dead-letter queue. Each is named
 * `<alarmNamePrefix><id>`, e.g. `IncidentResponse-operator-ExecutionsFailed`.
 */
export class OperatorAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly action: actions.SnsAction;
  private readonly alarmNamePrefix: string;

  constructor(scope: Construct, id: string, props: OperatorAlarmsProps) {
    super(scope, id);
    this.action = new actions.SnsAction(props.topic);
    this.alarmNamePrefix = props.alarmNamePrefix ?? operatorAlarmPrefix(Stack.of(this).stackName);
    const period = Duration.minutes(1);
    const sm = props.stateMachine;
    this.add('ExecutionsFailed', sm.metricFailed({ period }), 'lifecycle executions failed');
    this.add('ExecutionsTimedOut', sm.metricTimedOut({ period }), 'lifecycle executions timed out');
    this.add('ExecutionsAborted', sm.metricAborted({ period }), 'lifecycle executions aborted');
    this.add('ExecutionsThrottled', sm.metricThrottled({ period }), 'lifecycle executions throttled');
    // The workflows an incident starts: failed, timed-out and throttled executions.
    const startedPerIncident = [
      ['Escalations', 'escalation policy', props.escalationStateMachine],
      ['PostMortems', 'post-mortem reminder', props.postMortemStateMachine],
    ] as const;
    for (const [id, what, machine] of startedPerIncident) {
      if (!machine) continue;
      this.add(`${id}Failed`, machine.metricFailed({ period }), `${what} executions failed`);
      this.add(`${id}TimedOut`, machine.metricTimedOut({ period }), `${what} executions timed out`);
      this.add(`${id}Throttled`, machine.metricThrottled({ period }), `${what} executions throttled`);
    }
    this.add(
      'DeadLetters',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'alarm events could not be delivered to the workflow (dead-letter queue)',
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}Errors`, fn.metricErrors({ period }), `${name} function errors`);
      this.add(`${name}Throttles`, fn.metricThrottles({ period }), `${name} function throttled`);
    }
  }

  private add(id: string, metric: cloudwatch.IMetric, description: string): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${this.alarmNamePrefix}${id}`,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Incident response: ${description}.`,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
  }
}
