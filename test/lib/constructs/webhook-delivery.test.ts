/**
 * The webhook deliveries as synthesized in the app: only with webhooks; both queues encrypted and
 * TLS-only; redrive to the dead-letter queue; the visibility timeout six times the function timeout;
 * the event source mapping with ReportBatchItemFailures; GetSecretValue on exactly the webhooks'
 * secrets; SendMessage for the producers; and the operators' alarms on the dead letters and the backlog.
 */
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/contract/config';
import { ENV } from '../../../lambdas/contract/env';
import { WebhookDelivery } from '../../../lib/constructs/webhook-delivery';
import { appTemplate } from '../../support/app-template';
import { exampleInput } from '../../support/fixtures';
import { idsOf, onlyIdOf } from '../../support/template';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:incident-webhooks/status-bot-AbCdEf';
const OTHER = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:incident-webhooks/chatops-XyZ123';
const withWebhooks = () => ({
  ...exampleInput(),
  webhooks: [
    {
      name: 'status-bot',
      url: 'https://hooks.example.com/incidents',
      secretArn: SECRET,
      events: ['incident.opened'],
    },
    {
      name: 'chatops',
      url: 'https://chatops.example.com/hook',
      secretArn: OTHER,
      events: ['incident.resolved'],
      severities: ['P1'],
    },
  ],
});

type Resources = Record<string, { Properties: Record<string, unknown> }>;

describe('WebhookDelivery in the app', () => {
  const template = appTemplate(withWebhooks());
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { INCIDENT_HANDLER: 'webhook' } } },
  }) as Resources;
  const [fnId] = Object.keys(functions);
  const fn = functions[fnId ?? ''];
  const queues = template.findResources('AWS::SQS::Queue') as Resources;
  const source = Object.entries(queues).find(([, q]) => q.Properties.RedrivePolicy !== undefined);
  const redrive = source?.[1].Properties.RedrivePolicy as
    | { deadLetterTargetArn: { 'Fn::GetAtt': string[] } }
    | undefined;
  const dlqId = redrive?.deadLetterTargetArn['Fn::GetAtt'][0];

  it('has one delivery function, a queue and its dead-letter queue, both encrypted and TLS-only', () => {
    expect(Object.keys(functions)).toHaveLength(1);
    expect(source?.[1].Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MaximumMessageSize: 262_144,
      RedrivePolicy: { maxReceiveCount: 5 },
      VisibilityTimeout: 6 * Number(fn?.Properties.Timeout),
    });
    expect(fn?.Properties.Timeout).toBe(15);
    expect(queues[dlqId ?? '']?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    for (const id of [source?.[0], dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('reads the queue with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [source?.[0], 'Arn'] },
      FunctionName: { Ref: fnId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('the delivery function: the URLs and the dead-letter queue in its env, GetSecretValue on exactly the two secrets', () => {
    expect(fn?.Properties.Environment).toMatchObject({
      Variables: {
        [ENV.webhookUrls]: JSON.stringify({
          'status-bot': 'https://hooks.example.com/incidents',
          chatops: 'https://chatops.example.com/hook',
        }),
        [ENV.webhookDeadLetterQueueUrl]: { Ref: dlqId },
      },
    });
    const role = (fn?.Properties.Role as { 'Fn::GetAtt': string[] } | undefined)?.['Fn::GetAtt'][0];
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: role }] },
    }) as Resources;
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('secretsmanager'))).toEqual([
      expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: [SECRET, OTHER] }),
    ]);
    expect(
      statements.some(
        (s) =>
          JSON.stringify(s.Action).includes('sqs:SendMessage') &&
          JSON.stringify(s.Resource).includes(dlqId ?? '?'),
      ),
    ).toBe(true);
  });

  it('the lifecycle and responder functions get the queue URL and SendMessage on it', () => {
    for (const handler of ['lifecycle', 'responder']) {
      const id = onlyIdOf(template, 'AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            INCIDENT_HANDLER: handler,
            [ENV.webhookQueueUrl]: { Ref: source?.[0] },
          }),
        },
      });
      expect(id).toBeTruthy();
    }
  });

  it('outputs the queue URL, which the CLI sends its acknowledgements to', () => {
    template.hasOutput('WebhookQueueUrl', { Value: { Ref: source?.[0] } });
    expect(appTemplate().toJSON().Outputs.WebhookQueueUrl).toBeUndefined();
  });

  it('raises the operators’ alarm on any dead letter and on a backlog 15 minutes old', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'IncidentResponse-operator-WebhookDeadLetters',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'IncidentResponse-operator-WebhookBacklog',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [source?.[0], 'QueueName'] } }],
      Threshold: 900,
    });
  });

  it('charts the delivery function and the dead-letter queue on the dashboard', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard') as Resources;
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);
    expect(body).toContain(fnId);
    expect(body).toContain(dlqId);
  });

  it('is not there without webhooks', () => {
    const plain = appTemplate();
    expect(idsOf(plain, 'AWS::Lambda::EventSourceMapping')).toEqual([]);
    expect(
      idsOf(plain, 'AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ INCIDENT_HANDLER: 'webhook' }) },
      }),
    ).toEqual([]);
  });
});

describe('WebhookDelivery props', () => {
  it('reports every bad prop at once', () => {
    const config = parseConfig(withWebhooks(), 'test');
    const stack = new Stack();
    expect(
      () =>
        new WebhookDelivery(stack, 'Webhooks', {
          webhooks: [],
          config,
          producers: [],
          alarmTopic: new sns.Topic(stack, 'Ops'),
          maxReceiveCount: 0,
          batchSize: 11,
        }),
    ).toThrow(
      'WebhookDelivery Webhooks:\n  webhooks: needs at least one webhook\n  maxReceiveCount: must be a whole number from 1 to 1000, got 0\n  batchSize: must be a whole number from 1 to 10 (no batching window), got 11',
    );
  });
});
