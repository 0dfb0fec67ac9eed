import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  CIRCUIT_BREAKER_ROLLBACK_PREFIX,
  ECS_DEPLOYMENT_STATE_CHANGE,
  ECS_SERVICE_ACTION,
} from '../../lambdas/intake/ecs-event';

export interface AlarmIntakeProps {
  readonly stateMachine: sfn.IStateMachine;
  /** Starts executions for SNS notifications and Lambda alarm actions. */
  readonly ingestFunction: lambda.IFunction;
  /**
   * Alarm names the rule matches. Undefined matches every alarm of the account and region, so an
   * alarm that maps to no watched service still opens an incident (config `routing.default.action: open`).
   * @default every alarm
   */
  readonly alarmNames?: readonly string[];
  /**
   * With `alarmNames`: more alarms the rule matches, each a clause on the event's `detail` (routing
   * rules that open incidents, see lib/config/alarm-rule-scope.ts), OR-ed with the names.
   * @default none
   */
  readonly routedAlarms?: readonly Readonly<Record<string, unknown>>[];
  /**
   * Name prefixes whose alarms the rule leaves out, when it matches every alarm (no `alarmNames`). At
   * most two: EventBridge documents one prefix per `anything-but`, and two `anything-but`s in one
   * field's list would be OR-ed, matching everything. The alarm's name is in two fields, though: the
   * first prefix is matched against `detail.alarmName`, the second against the alarm's ARN in
   * `resources` (in this stack's account and region, where the stack's own alarms live).
   * @default none
   */
  readonly ignoredAlarmNamePrefixes?: readonly string[];
  /**
   * Watched ECS services whose trouble events (a deployment failed or rolled back by the circuit
   * breaker, tasks that do not start) start the workflow too, to go on the service's incident.
   * @default none: no ECS event rule
   */
  readonly ecsServices?: ReadonlyArray<{ readonly cluster: string; readonly service: string }>;
  /** Existing SNS topics that already carry the team's alarm notifications. @default none */
  readonly alarmTopicArns?: readonly string[];
  /** How long EventBridge keeps retrying a delivery before it goes to the dead-letter queue. @default 24 hours */
  readonly maxEventAge?: Duration;
}

/**
 * Where alarm state changes enter: an EventBridge rule on `CloudWatch Alarm State Change` (ALARM and
 * OK) that starts the lifecycle workflow, with retries and a dead-letter queue, and an ingest function
 * for the two other shapes (SNS notifications, Lambda alarm actions). Dedup lives in the store, so a
 * duplicate delivery never makes a second incident. Alarm families the rule leaves out by prefix still
 * arrive through the other two shapes: the intake ignores them there.
 */
export class AlarmIntake extends Construct {
  readonly rule: events.Rule;
  readonly ecsRule?: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AlarmIntakeProps) {
    super(scope, id);
    const ignored = props.ignoredAlarmNamePrefixes ?? [];
    const problems = [
      ...(props.alarmNames !== undefined && props.alarmNames.length === 0 && !props.routedAlarms?.length
        ? ['alarmNames is empty, so no alarm would ever start the workflow']
        : []),
      ...(props.alarmNames !== undefined && ignored.length > 0
        ? ['ignoredAlarmNamePrefixes needs no alarmNames: alarmNames already leave every other alarm out']
        : []),
      ...(ignored.length > 2
        ? [`at most two ignoredAlarmNamePrefixes fit one event pattern, got ${ignored.length}`]
        : []),
      ...(ignored.some((p) => p === '') ? ['an empty ignored prefix would leave every alarm out'] : []),
      ...(props.routedAlarms?.length && props.alarmNames === undefined
        ? ['routedAlarms needs alarmNames: without them the rule already matches every alarm']
        : []),
    ];
    if (problems.length > 0) throw new Error(`AlarmIntake: ${problems.join('; ')}`);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the alarm rule target; its depth raises an operators alarm',
    });
    const [byName, byArn] = ignored;
    const alarmArnPrefix = (prefix: string) =>
      Stack.of(this).formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: prefix,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    this.rule = new events.Rule(this, 'AlarmStateChange', {
      description: 'Alarm state changes (ALARM, OK) start the incident lifecycle',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: {
          state: { value: ['ALARM', 'OK'] },
          ...(props.alarmNames && !props.routedAlarms?.length ? { alarmName: [...props.alarmNames] } : {}),
          ...(props.alarmNames && props.routedAlarms?.length
            ? {
                $or: [
                  ...(props.alarmNames.length > 0 ? [{ alarmName: [...props.alarmNames] }] : []),
                  ...props.routedAlarms,
                ],
              }
            : {}),
          ...(byName ? { alarmName: events.Match.anythingButPrefix(byName) } : {}),
        },
        ...(byArn ? { resources: events.Match.anythingButPrefix(alarmArnPrefix(byArn)) } : {}),
      },
    });
    this.rule.addTarget(
      new targets.SfnStateMachine(props.stateMachine, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 185,
        maxEventAge: props.maxEventAge ?? Duration.hours(24),
      }),
    );

    if (props.ecsServices && props.ecsServices.length > 0) {
      // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html:
      // the service's ARN is in `resources`; a rollback is an IN_PROGRESS event whose reason says so.
      this.ecsRule = new events.Rule(this, 'EcsServiceEvents', {
        description:
          'ECS trouble on the watched services (failed or rolled-back deployments, tasks that do not start)',
        eventPattern: {
          source: ['aws.ecs'],
          detailType: [ECS_DEPLOYMENT_STATE_CHANGE, ECS_SERVICE_ACTION],
          resources: props.ecsServices.map(({ cluster, service }) =>
            Stack.of(this).formatArn({
              service: 'ecs',
              resource: 'service',
              resourceName: `${cluster}/${service}`,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ),
          detail: {
            $or: [
              { eventName: ['SERVICE_DEPLOYMENT_FAILED', 'SERVICE_TASK_START_IMPAIRED'] },
              {
                eventName: ['SERVICE_DEPLOYMENT_IN_PROGRESS'],
                reason: [{ prefix: CIRCUIT_BREAKER_ROLLBACK_PREFIX }],
              },
            ],
          },
        },
      });
      this.ecsRule.addTarget(
        new targets.SfnStateMachine(props.stateMachine, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 185,
          maxEventAge: props.maxEventAge ?? Duration.hours(24),
        }),
      );
    }

    props.ingestFunction.addPermission('CloudWatchAlarmAction', {
      principal: new iam.ServicePrincipal('lambda.alarms.cloudwatch.amazonaws.com'),
      sourceAccount: Stack.of(this).account,
    });
    (props.alarmTopicArns ?? []).forEach((arn, i) => {
      sns.Topic.fromTopicArn(this, `AlarmTopic${i}`, arn).addSubscription(
        new subscriptions.LambdaSubscription(props.ingestFunction, { deadLetterQueue: this.deadLetterQueue }),
      );
    });
  }
}
