import { Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { SMS_SENDER } from '../../lambdas/domain/pages';

/** The tag naming a pages topic's tier (the display name is the same for all: SMS_SENDER). */
export const TIER_TAG = 'incident-response:tier';

import type { DeploymentConfig } from '../../lambdas/contract/config-schema';

export interface NotificationsProps {
  /** Tiers and their endpoints (config `contacts`). */
  readonly contacts: DeploymentConfig['contacts'];
  /** Tiers that also receive the workflow's own alarms (its failures, throttles, dead letters). */
  readonly operatorTiers: readonly string[];
}

/**
 * One SNS topic per escalation tier, with the tier's email and SMS subscriptions, plus an operators'
 * topic for alarms on the product itself. Topics are encrypted with a customer-managed key whose
 * policy lets CloudWatch alarms publish, and refuse anything but TLS.
 */
export class Notifications extends Construct {
  readonly key: kms.Key;
  readonly tierTopics: Readonly<Record<string, sns.Topic>>;
  readonly operatorsTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const unknown = props.operatorTiers.filter((t) => !(t in props.contacts));
    if (unknown.length > 0)
      throw new Error(`Notifications: operator tiers not in contacts: ${unknown.join(', ')}`);

    this.key = new kms.Key(this, 'Key', {
      enableKeyRotation: true,
      description: 'Encrypts the incident pages topics',
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );

    const topics: Record<string, sns.Topic> = {};
    for (const [tier, contact] of Object.entries(props.contacts)) {
      // Short: SNS puts it in front of every SMS (SMS_SENDER). Emails come from it too.
      const topic = this.topic(`Tier-${tier}`, SMS_SENDER);
      Tags.of(topic).add(TIER_TAG, tier);
      for (const email of contact.email) topic.addSubscription(new subscriptions.EmailSubscription(email));
      for (const phone of contact.sms) topic.addSubscription(new subscriptions.SmsSubscription(phone));
      topics[tier] = topic;
    }
    this.tierTopics = topics;

    this.operatorsTopic = this.topic('Operators', 'incident response: alarms on the workflow itself');
    this.operatorsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.operatorsTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    for (const tier of props.operatorTiers) {
      const contact = props.contacts[tier];
      for (const email of contact?.email ?? [])
        this.operatorsTopic.addSubscription(new subscriptions.EmailSubscription(email));
      for (const phone of contact?.sms ?? [])
        this.operatorsTopic.addSubscription(new subscriptions.SmsSubscription(phone));
    }
  }

  /** Tier name -> topic ARN, as the pager reads it from its env. */
  topicArnsJson(): string {
    return Stack.of(this).toJsonString(
      Object.fromEntries(Object.entries(this.tierTopics).map(([t, topic]) => [t, topic.topicArn])),
    );
  }

  /** Lets `grantee` page every tier: sns:Publish on the tier topics, and use of their key. */
  grantPublish(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        resources: Object.values(this.tierTopics).map((t) => t.topicArn),
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.key.keyArn],
      }),
    );
  }

  private topic(id: string, displayName: string): sns.Topic {
    return new sns.Topic(this, id, { displayName, masterKey: this.key, enforceSSL: true });
  }
}
