import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/contract/config';
import type { DeploymentConfig } from '../../../lambdas/contract/config-schema';
import { Notifications, type NotificationsProps, TIER_TAG } from '../../../lib/constructs/notifications';
import { appTemplate } from '../../support/app-template';
import { exampleInput } from '../../support/fixtures';
import { withSharedDefault, withTemplate } from '../../support/stacks';
import { actionsOf, idsOf, logicalIdOf, onlyIdOf, roleStatements } from '../../support/template';

const TOPIC = 'AWS::SNS::Topic';
const OPERATORS = 'incident response: alarms on the workflow itself';

const contacts = (): DeploymentConfig['contacts'] => parseConfig(exampleInput(), 'example').contacts;
const oncall = () => parseConfig(exampleInput(), 'example').oncall ?? expect.fail('no oncall');
const PEOPLE = ['alice-ng', 'bob-ortiz', 'carol-diaz', 'dan-kim'];

const notificationsIn = (props: Partial<NotificationsProps> = {}) => {
  const stack = new Stack();
  const notifications = new Notifications(stack, 'Notifications', {
    contacts: contacts(),
    operatorTiers: ['on-call'],
    topicNamePrefix: 'Test',
    people: oncall().people,
    fallback: oncall().fallback,
    ...props,
  });
  return { stack, notifications };
};

const synth = withSharedDefault((props: Partial<NotificationsProps> = {}) =>
  withTemplate(notificationsIn(props)),
);

const tierTopic = (template: Template, tier: string) =>
  onlyIdOf(template, TOPIC, { Tags: Match.arrayWith([{ Key: TIER_TAG, Value: tier }]) });
const personTopic = (template: Template, person: string) =>
  onlyIdOf(template, TOPIC, { TopicName: `Test-oncall-person-${person}` });

describe('Notifications topics', () => {
  it('has one topic per tier, one per person on a schedule, plus the operators topic, each encrypted with the key', () => {
    const { template } = synth();
    const key = onlyIdOf(template, 'AWS::KMS::Key');
    const tiers = Object.keys(contacts());

    expect(tiers).toHaveLength(4);
    template.resourceCountIs(TOPIC, tiers.length + PEOPLE.length + 1);
    for (const id of [
      ...tiers.map((tier) => tierTopic(template, tier)),
      ...PEOPLE.map((person) => personTopic(template, person)),
      onlyIdOf(template, TOPIC, { DisplayName: OPERATORS }),
    ]) {
      expect(template.toJSON().Resources[id].Properties.KmsMasterKeyId, id).toEqual({
        'Fn::GetAtt': [key, 'Arn'],
      });
    }
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it("subscribes each tier's and each person's emails and phones to their topic, and the operator tiers' (the fallback for a tier with a schedule) to the operators topic", () => {
    const { template } = synth({ operatorTiers: ['on-call', 'engineering-manager'] });
    const operators = onlyIdOf(template, TOPIC, { DisplayName: OPERATORS });
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map(
      (s) => `${s.Properties.TopicArn.Ref} ${s.Properties.Protocol} ${s.Properties.Endpoint}`,
    );

    expect(subscriptions.sort()).toEqual(
      [
        ...Object.entries(contacts()).flatMap(([tier, contact]) => [
          ...contact.email.map((email) => `${tierTopic(template, tier)} email ${email}`),
          ...contact.sms.map((phone) => `${tierTopic(template, tier)} sms ${phone}`),
        ]),
        ...oncall().people.flatMap((p) => [
          `${personTopic(template, p.name)} email ${p.email}`,
          `${personTopic(template, p.name)} sms ${p.sms}`,
        ]),
        // on-call pages the app schedule, so its alarms go to the fallback, devops-lead.
        `${operators} email devops-lead@example.com`,
        `${operators} sms +15555550101`,
        `${operators} email eng-manager@example.com`,
        `${operators} sms +15555550102`,
      ].sort(),
    );
  });

  it('refuses every topic publish without TLS', () => {
    const { template } = synth();
    const topics = idsOf(template, TOPIC);

    expect(topics).toHaveLength(9);
    for (const topic of topics) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topic }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Resource: { Ref: topic },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('lets CloudWatch alarms of this account publish to the operators topic, and to no tier topic', () => {
    const { template } = synth();
    const operators = onlyIdOf(template, TOPIC, { DisplayName: OPERATORS });
    const allowsOf = (topic: string) =>
      Object.values(
        template.findResources('AWS::SNS::TopicPolicy', { Properties: { Topics: [{ Ref: topic }] } }),
      )
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .filter((s) => s.Effect === 'Allow');

    expect(allowsOf(operators)).toEqual([
      {
        Sid: 'AllowCloudWatchAlarms',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: operators },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    for (const tier of Object.keys(contacts())) expect(allowsOf(tierTopic(template, tier)), tier).toEqual([]);
  });

  it('lets CloudWatch of this account use the key, which an encrypted topic needs for alarm actions', () => {
    const { template } = synth();

    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ]),
      },
    });
  });

  it('refuses operator tiers that are not contacts and topic names SNS would refuse, naming them', () => {
    expect(() =>
      notificationsIn({
        operatorTiers: ['on-call', 'sre', 'noc'],
        people: [{ name: 'x'.repeat(250), email: 'x@example.com' }],
      }),
    ).toThrow(
      `Notifications: operator tier sre is not in contacts; operator tier noc is not in contacts; topic name Test-oncall-person-${'x'.repeat(250)} is over 256 characters`,
    );
  });
});

describe('Notifications.grantPublish', () => {
  it("grants sns:Publish on the tier topics, each named, and the stack's person topics by their one pattern, and use of their key only", () => {
    const { stack, notifications } = notificationsIn();
    const role = new iam.Role(stack, 'Pager', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    notifications.grantPublish(role);
    const template = Template.fromStack(stack);
    const statements = roleStatements(template, logicalIdOf(role)).map((s) => ({
      ...s,
      Action: actionsOf(s),
    }));

    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['sns:Publish'],
        Resource: Object.keys(contacts()).map((tier) => ({ Ref: tierTopic(template, tier) })),
      },
      {
        Effect: 'Allow',
        Action: ['sns:Publish'],
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':sns:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':Test-oncall-person-*',
            ],
          ],
        },
      },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [onlyIdOf(template, 'AWS::KMS::Key'), 'Arn'] },
      },
    ]);
  });

  it('keeps the grant one statement however many people there are (IAM allows a role 10,240 characters of inline policy)', () => {
    // 100 people: about as many as one stack holds (CloudFormation allows 500 resources; 3-4 per person).
    const people = Array.from({ length: 100 }, (_, i) => ({
      name: `person-${i}`,
      email: `p${i}@example.com`,
    }));
    const { stack, notifications } = notificationsIn({ people });
    const role = new iam.Role(stack, 'Pager', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    notifications.grantPublish(role);
    const statements = roleStatements(Template.fromStack(stack), logicalIdOf(role));
    expect(statements).toHaveLength(3);
    expect(JSON.stringify(statements).length).toBeLessThan(2_000);
  });
});

describe('Notifications in the stack', () => {
  it('lets the lifecycle function page the tiers and use the topics key, and no other function publish', () => {
    const template = appTemplate();
    const roleOf = (handler: string) => {
      const fn = onlyIdOf(template, 'AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ INCIDENT_HANDLER: handler }) },
      });
      return template.toJSON().Resources[fn].Properties.Role['Fn::GetAtt'][0] as string;
    };
    const touching = (handler: string, service: string) =>
      roleStatements(template, roleOf(handler))
        .map((s) => ({ ...s, Action: actionsOf(s) }))
        .filter((s) => s.Action.some((a) => a.startsWith(`${service}:`)));
    const stackName = parseConfig(exampleInput(), 'example').stackName;
    const tierTopics = Object.keys(contacts()).map((tier) => ({ Ref: tierTopic(template, tier) }));
    for (const person of PEOPLE)
      onlyIdOf(template, TOPIC, { TopicName: `${stackName}-oncall-person-${person}` });
    const topicsKey = onlyIdOf(template, 'AWS::KMS::Key', {
      Description: 'Encrypts the incident pages topics',
    });

    expect(touching('lifecycle', 'sns')).toEqual([
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: tierTopics },
      {
        Effect: 'Allow',
        Action: ['sns:Publish'],
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':sns:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              `:${stackName}-oncall-person-*`,
            ],
          ],
        },
      },
    ]);
    expect(touching('lifecycle', 'kms')).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [topicsKey, 'Arn'] },
      },
    ]);
    expect(touching('intake', 'sns')).toEqual([]);
    expect(touching('ingest', 'sns')).toEqual([]);
  });
});
