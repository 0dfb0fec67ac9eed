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
import type { OncallPerson } from '../../lambdas/contract/config-schema-oncall';

/** The name of a person's pages topic: `<prefix>-oncall-person-<person>` (`*` gives the pattern of them all). */
export const personTopicName = (prefix: string, person: string): string =>
  `${prefix}-oncall-person-${person}`;

/** SNS topic names: letters, digits, hyphens and underscores, at most 256 characters. */
const MAX_TOPIC_NAME = 256;

export interface NotificationsProps {
  /** Tiers and their endpoints (config `contacts`). */
  readonly contacts: DeploymentConfig['contacts'];
  /** Tiers that also receive the workflow's own alarms (its failures, throttles, dead letters). */
  readonly operatorTiers: readonly string[];
  /**
   * The people schedules page (config `oncall.people`): each gets a topic of their own, named
   * `<topicNamePrefix>-person-<name>`, with their email and SMS subscribed. @default none
   */
  readonly people?: readonly OncallPerson[];
  /** The start of every person topic's name, unique per stack. */
  readonly topicNamePrefix: string;
  /** The on-call fallback (people or tiers): they get the operators' alarms for an operator tier with a schedule. @default none */
  readonly fallback?: readonly string[];
}

/**
 * One SNS topic per escalation tier, with the tier's email and SMS subscriptions; one per person on
 * a schedule, so that a page reaches the person on call at that moment and nobody else; plus an
 * operators' topic for alarms on the product itself. Topics are encrypted with a customer-managed key
 * whose policy lets CloudWatch alarms publish, and refuse anything but TLS.
 */
export class Notifications extends Construct {
  readonly key: kms.Key;
  readonly tierTopics: Readonly<Record<string, sns.Topic>>;
  readonly personTopics: Readonly<Record<string, sns.Topic>>;
  readonly operatorsTopic: sns.Topic;
  private readonly personTopicName: (person: string) => string;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.personTopicName = (person) => personTopicName(props.topicNamePrefix, person);
    const problems = [
      ...props.operatorTiers
        .filter((t) => !(t in props.contacts))
        .map((t) => `operator tier ${t} is not in contacts`),
      ...(props.people ?? [])
        .filter((p) => this.personTopicName(p.name).length > MAX_TOPIC_NAME)
        .map((p) => `topic name ${this.personTopicName(p.name)} is over ${MAX_TOPIC_NAME} characters`),
    ];
    if (problems.length > 0) throw new Error(`Notifications: ${problems.join('; ')}`);

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

    const people: Record<string, sns.Topic> = {};
    for (const person of props.people ?? []) {
      const topic = this.topic(`Person-${person.name}`, SMS_SENDER, this.personTopicName(person.name));
      topic.addSubscription(new subscriptions.EmailSubscription(person.email));
      if (person.sms) topic.addSubscription(new subscriptions.SmsSubscription(person.sms));
      people[person.name] = topic;
    }
    this.personTopics = people;

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
    const emails = new Set<string>();
    const phones = new Set<string>();
    const reach = (email: readonly string[], sms: readonly string[]) => {
      for (const e of email) emails.add(e);
      for (const p of sms) phones.add(p);
    };
    for (const tier of props.operatorTiers) {
      const contact = props.contacts[tier];
      reach(contact?.email ?? [], contact?.sms ?? []);
      // An alarm's subscription is fixed at deploy, so it cannot follow a rotation: a tier that pages
      // a schedule has its alarms go to the on-call fallback, who is reachable at all times.
      if (contact?.schedule !== undefined) {
        for (const name of props.fallback ?? []) {
          const person = props.people?.find((p) => p.name === name);
          const fallbackTier = props.contacts[name];
          if (person) reach([person.email], person.sms ? [person.sms] : []);
          else if (fallbackTier) reach(fallbackTier.email, fallbackTier.sms);
        }
      }
    }
    for (const email of emails)
      this.operatorsTopic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const phone of phones) this.operatorsTopic.addSubscription(new subscriptions.SmsSubscription(phone));
  }

  /** Tier name -> topic ARN, as the pager reads it from its env. */
  topicArnsJson(): string {
    return Stack.of(this).toJsonString(
      Object.fromEntries(Object.entries(this.tierTopics).map(([t, topic]) => [t, topic.topicArn])),
    );
  }

  /** A person's topic ARN without the name, as the pager reads it (ENV.personTopicArnPrefix). */
  personTopicArnPrefix(): string {
    return Stack.of(this).formatArn({ service: 'sns', resource: this.personTopicName('') });
  }

  /**
   * The person topics' ARNs as one pattern: `<stack>-oncall-person-*`, which only this stack's person
   * topics match. One statement whatever the team's size: each ARN listed would cost about 75
   * characters of the role's policy, and IAM allows 10,240 for a role's inline policies.
   */
  personTopicArnPattern(): string {
    return `${this.personTopicArnPrefix()}*`;
  }

  /**
   * Lets `grantee` page every tier and every person: sns:Publish on the tier topics (each listed) and
   * on the stack's person topics (one pattern, see personTopicArnPattern), and use of their key.
   */
  grantPublish(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        resources: Object.values(this.tierTopics).map((t) => t.topicArn),
      }),
    );
    if (Object.keys(this.personTopics).length > 0) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.personTopicArnPattern()] }),
      );
    }
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.key.keyArn],
      }),
    );
  }

  private topic(id: string, displayName: string, topicName?: string): sns.Topic {
    return new sns.Topic(this, id, {
      displayName,
      masterKey: this.key,
      enforceSSL: true,
      ...(topicName === undefined ? {} : { topicName }),
    });
  }
}
