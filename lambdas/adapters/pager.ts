/**
 * Pages over SNS: one topic per escalation tier and one per person on a schedule (made at deploy, the
 * person's email and SMS subscribed), and each subscription gets the form of the page made for it. SNS delivers `Message` as it is to every protocol, so a plain publish would
 * text the whole email body to phones; the pager publishes with `MessageStructure: 'json'` instead:
 *
 * - `email`: the page's plain-text body, with `Subject` as the email subject.
 * - `sms`: the page's 160-character GSM-7 form: one SMS, not eight segments.
 * - `https`: an AWS Chatbot custom notification (the JSON string of {@link chatNotification}), which is
 *   how Chatbot, subscribed over HTTPS, receives the tier's chat channels' pages.
 * - `default` (SNS requires it): the email body again. It is what every protocol without a key of its
 *   own receives (email-json, SQS, Lambda, Firehose, plain http), so it must make sense alone: the
 *   complete page does; the SMS form drops the links and most facts, and the chat JSON is unreadable
 *   in a mailbox. `email-json` gets no key: it reads `default` inside SNS's JSON envelope, which is the
 *   same text a person would get.
 *
 * Message attributes are only those a subscription filter policy can use (`kind`, `severity`,
 * `incidentId`, `service`, e.g. an SMS subscription that only wants `ESCALATION` pages of `P1`
 * incidents), plus `AWS.SNS.SMS.SMSType: Transactional`, which SNS reads to send the SMS on the
 * reliable route. The tier is the topic itself and the time is SNS's own `Timestamp`, so neither
 * travels as an attribute.
 */
import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { chatNotification, type Page } from '../domain/pages';
import { addressFromKey } from '../domain/paging-targets';

export interface Pager {
  /**
   * Publishes `page` to an address: a tier's topic (the tier's name), or a person's own topic
   * (`person:<name>`, see addressKey in domain/paging-targets.ts). Returns the SNS message id.
   */
  send(address: string, page: Page): Promise<string>;
}

/** The protocols the pager writes a body for; all others receive `default`. */
interface PageMessage {
  readonly default: string;
  readonly email: string;
  readonly sms: string;
  readonly https: string;
}

/** The per-protocol bodies of `page`, as `Message` carries them with `MessageStructure: 'json'`. */
const pageMessage = (page: Page): PageMessage => ({
  default: page.body,
  email: page.body,
  sms: page.sms,
  https: JSON.stringify(chatNotification(page)),
});

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** Attributes for subscription filter policies; an unknown value is left out, never sent empty. */
const pageAttributes = (page: Page): Record<string, MessageAttributeValue> => ({
  'AWS.SNS.SMS.SMSType': text('Transactional'),
  kind: text(page.kind),
  incidentId: text(page.incidentId),
  ...(page.severity ? { severity: text(page.severity) } : {}),
  ...(page.service ? { service: text(page.service) } : {}),
});

export class SnsPager implements Pager {
  constructor(
    private readonly sns: SNSClient,
    /** Tier name (or `person:<name>`, as the sandbox lists them) -> topic ARN. */
    private readonly topics: Readonly<Record<string, string>>,
    /** A person's topic ARN is this prefix and the name (ENV.personTopicArnPrefix). @default no person topics */
    private readonly personTopicArnPrefix?: string,
  ) {}

  private topicOf(address: string): string {
    const listed = this.topics[address];
    if (listed) return listed;
    const parsed = addressFromKey(address);
    if (parsed.kind === 'person') {
      if (!this.personTopicArnPrefix)
        throw new Error(`no person topics configured, so ${address} cannot be paged`);
      return `${this.personTopicArnPrefix}${parsed.person}`;
    }
    throw new Error(`no topic for tier "${address}"; known tiers: ${Object.keys(this.topics).join(', ')}`);
  }

  async send(address: string, page: Page): Promise<string> {
    const topicArn = this.topicOf(address);
    const out = await this.sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: page.subject,
        MessageStructure: 'json',
        Message: JSON.stringify(pageMessage(page)),
        MessageAttributes: pageAttributes(page),
      }),
    );
    return out.MessageId ?? '';
  }
}
