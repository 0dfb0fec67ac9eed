/**
 * Pages over SNS: one topic per escalation tier, so email, SMS and chat subscriptions of the tier
 * all get the page. The SMS form travels as a message attribute for SMS-only subscribers.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Page } from '../domain/pages';

export interface Pager {
  /** Publishes `page` to `tier`; returns the SNS message id. */
  send(tier: string, page: Page): Promise<string>;
}

export class SnsPager implements Pager {
  constructor(
    private readonly sns: SNSClient,
    /** Tier name -> topic ARN. */
    private readonly topics: Readonly<Record<string, string>>,
  ) {}

  async send(tier: string, page: Page): Promise<string> {
    const topicArn = this.topics[tier];
    if (!topicArn)
      throw new Error(`no topic for tier "${tier}"; known tiers: ${Object.keys(this.topics).join(', ')}`);
    const out = await this.sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: page.subject,
        Message: page.body,
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: page.kind },
          incidentId: { DataType: 'String', StringValue: page.incidentId },
          tier: { DataType: 'String', StringValue: tier },
          sentAt: { DataType: 'String', StringValue: page.at },
          sms: { DataType: 'String', StringValue: page.sms },
        },
      }),
    );
    return out.MessageId ?? '';
  }
}
