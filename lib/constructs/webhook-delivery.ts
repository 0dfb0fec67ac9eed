/**
 * The outbound webhooks' delivery (issue 15): a queue the lifecycle puts deliveries on, the function
 * that signs and sends them, its dead-letter queue, and the operators' alarms on all three. Created
 * only when the config has webhooks. The decisions (what is retried, what is refused) live in the
 * runtime (lambdas/services/webhook-delivery.ts); this construct only wires:
 *
 * - both queues SSE-SQS encrypted and TLS-only;
 * - the event source mapping with ReportBatchItemFailures, so only the messages the function names
 *   are retried, each after the visibility timeout: six times the function timeout, as the Lambda
 *   guide asks, so a throttled batch can be retried before its messages reappear;
 * - after `maxReceiveCount` receipts the redrive policy moves a message to the dead-letter queue; the
 *   function moves a refused (4xx) delivery there itself, so it needs SendMessage on it;
 * - GetSecretValue on exactly the webhooks' secrets.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';
import type { WebhookConfig } from '../../lambdas/contract/config-schema-integrations';
import { ENV } from '../../lambdas/contract/env';
import {
  MAX_WEBHOOK_MESSAGE_BYTES,
  webhookSecretArns,
  webhookUrls,
} from '../../lambdas/contract/webhook-delivery';
import { operatorAlarmPrefix } from '../../lambdas/intake/alarm-event';
import { IncidentFunction } from './incident-function';

export interface WebhookDeliveryProps {
  /** The webhooks of the config: at least one. */
  readonly webhooks: readonly WebhookConfig[];
  /** Bundled beside the delivery function (it reads the webhooks' names and secrets from it). */
  readonly config: DeploymentConfig;
  /** The functions that queue deliveries: they get the queue's URL and SendMessage on it. */
  readonly producers: readonly lambda.Function[];
  /** Where the alarms go: the operators' topic. */
  readonly alarmTopic: sns.ITopic;
  /** @default `${stackName}-operator-`, as OperatorAlarms names its alarms */
  readonly alarmNamePrefix?: string;
  /** The delivery function's timeout: a batch is sent concurrently, each call at most 5 s. @default 15 s */
  readonly functionTimeout?: Duration;
  /** Receipts of a message before it moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Messages per invocation. @default 10 */
  readonly batchSize?: number;
  /** The age of the oldest queued delivery that raises the alarm (deliveries falling behind). @default 15 minutes */
  readonly oldestMessageAlarmAge?: Duration;
}

/** How many times the function timeout the queue's visibility timeout is (the Lambda guide's minimum). */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export class WebhookDelivery extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: IncidentFunction;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    const timeout = props.functionTimeout ?? Duration.seconds(15);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const batchSize = props.batchSize ?? 10;
    const problems = [
      ...(props.webhooks.length === 0 ? ['webhooks: needs at least one webhook'] : []),
      ...(!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000
        ? [`maxReceiveCount: must be a whole number from 1 to 1000, got ${maxReceiveCount}`]
        : []),
      ...(!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10
        ? [`batchSize: must be a whole number from 1 to 10 (no batching window), got ${batchSize}`]
        : []),
      ...(timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR > 43_200
        ? ['functionTimeout: six times it must fit in SQS’s 12-hour visibility timeout']
        : []),
    ];
    if (problems.length > 0) throw new Error(`WebhookDelivery ${id}:\n  ${problems.join('\n  ')}`);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This is the webhook deliveries’ dead-letter queue: what lands here is kept 14 days, raises the operators’ alarm and is redriven by hand',
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      maxMessageSizeBytes: MAX_WEBHOOK_MESSAGE_BYTES,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    this.function = new IncidentFunction(this, 'Function', {
      handlerName: 'webhook',
      config: props.config,
      timeout,
      memorySize: 256,
    });
    this.function.addEventSource(
      new SqsEventSource(this.queue, { batchSize, reportBatchItemFailures: true }),
    );
    this.function.addEnvironment(ENV.webhookUrls, JSON.stringify(webhookUrls(props.webhooks)));
    this.function.addEnvironment(ENV.webhookDeadLetterQueueUrl, this.deadLetterQueue.queueUrl);
    this.deadLetterQueue.grantSendMessages(this.function);
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: webhookSecretArns(props.webhooks),
      }),
    );
    for (const producer of props.producers) {
      producer.addEnvironment(ENV.webhookQueueUrl, this.queue.queueUrl);
      this.queue.grantSendMessages(producer);
    }

    const prefix = props.alarmNamePrefix ?? operatorAlarmPrefix(Stack.of(this).stackName);
    const action = new actions.SnsAction(props.alarmTopic);
    const period = Duration.minutes(1);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${prefix}${alarmId}`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `Incident response: ${description}.`,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
    };
    const oldest = props.oldestMessageAlarmAge ?? Duration.minutes(15);
    alarm(
      'WebhookDeadLetters',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      1,
      'webhook deliveries were refused or gave up (dead-letter queue)',
    );
    alarm(
      'WebhookBacklog',
      this.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      oldest.toSeconds(),
      `a webhook delivery has waited ${oldest.toMinutes()} minutes or more`,
    );
    alarm('webhookErrors', this.function.metricErrors({ period }), 1, 'webhook function errors');
    alarm('webhookThrottles', this.function.metricThrottles({ period }), 1, 'webhook function throttled');
  }
}
