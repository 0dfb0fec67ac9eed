/**
 * SNS for the sandbox: a small SNS on loopback that answers `Publish` in the AWS Query protocol
 * @aws-sdk/client-sns speaks (form-encoded POST in, XML out), with one topic per escalation tier and the
 * tier's subscriptions as the stack makes them. It delivers as SNS does, subscription by subscription:
 * each protocol receives its own key of a `MessageStructure: 'json'` message, or `default`, or the plain
 * `Message` when there is no structure. It refuses what SNS refuses, with SNS's error codes, so a
 * publish that works here is one SNS accepts.
 *
 * fauxqs is not used for SNS: it ignores `MessageStructure` and delivers to SQS queues only, so it can
 * show neither what a phone receives nor what a chat channel does.
 *
 * Anything that reads `AWS_ENDPOINT_URL_SNS` (a Lambda bundle's own `new SNSClient({})`) reaches it at
 * `endpoint`; `sns` is a client already pointed at it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNSClient } from '@aws-sdk/client-sns';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';
import { PAGE_KINDS, type PageKind } from '../../lambdas/domain/pages';

export type Protocol = 'email' | 'sms' | 'https';

export interface LocalSubscription {
  readonly protocol: Protocol;
  /** An email address, an E.164 phone number or an https URL. */
  readonly endpoint: string;
}

export interface LocalTopic {
  readonly arn: string;
  readonly subscriptions: readonly LocalSubscription[];
  /**
   * The topic's display name: SNS starts every SMS from the topic with it, upper-cased, then `> `.
   * @default none, so SMS carry the message alone
   */
  readonly displayName?: string;
}

/** What one subscriber received, or why it received nothing. */
export interface Delivery {
  readonly protocol: Protocol;
  readonly endpoint: string;
  /** email: the text; sms: the text with the display-name prefix; https: SNS's JSON envelope. */
  readonly body: string;
  readonly status: 'delivered' | 'failed';
  readonly reason?: string;
}

/** One publish, and what each protocol's subscribers received. */
export interface DeliveredPage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly tier: string;
  /** From the `kind` message attribute; undefined when the publish carried none (not a page). */
  readonly kind: PageKind | undefined;
  /** From the `incidentId` message attribute. */
  readonly incidentId: string | undefined;
  /** When SNS accepted it: the `Timestamp` of its notifications. */
  readonly at: string;
  readonly subject: string;
  /** What an email subscriber receives. */
  readonly body: string;
  /** What an SMS subscriber receives, display-name prefix included. */
  readonly sms: string;
  /** What an https subscriber (Chatbot) finds in the envelope's `Message`. */
  readonly chat: string;
  /** The String attributes, as subscription filter policies see them. */
  readonly attributes: Readonly<Record<string, string>>;
  /** One per subscription, in the topic's order. */
  readonly deliveries: readonly Delivery[];
}

export interface LocalSnsOptions {
  /** The clock behind `Timestamp` and `at`: the sandbox's simulated one. @default the real time */
  readonly now?: () => Date;
}

/** SNS accepts at most 256 KiB per publish, message and attributes together. */
export const MAX_PUBLISH_BYTES = 262_144;
/** SNS sends at most this many characters of SMS per publish (in up to ~10 segments of 153). */
export const MAX_SMS_CHARS = 1600;
/** Subjects must be less than 100 characters. */
export const MAX_SUBJECT_CHARS = 99;
/** Where AWS Chatbot (Amazon Q Developer in chat applications) subscribes a topic, over HTTPS. */
export const CHATBOT_ENDPOINT = 'https://global.sns-api.chatbot.amazonaws.com';

const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const ACCOUNT = '123456789012';
const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const DATA_TYPE = /^(String|Number|Binary|String\.Array)(\.[A-Za-z0-9_.-]+)?$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
/** The reserved attributes SNS itself reads; any other `AWS.` or `Amazon.` name is refused. */
const SNS_ATTRIBUTES: Readonly<Record<string, readonly string[] | undefined>> = {
  'AWS.SNS.SMS.SMSType': ['Promotional', 'Transactional'],
  'AWS.SNS.SMS.SenderID': undefined,
  'AWS.SNS.SMS.MaxPrice': undefined,
  'AWS.MM.SMS.OriginationNumber': undefined,
};

/** An error as SNS answers it: the Query protocol's `Code`, its HTTP status and SNS's message. */
class SnsFault extends Error {
  override readonly name = 'SnsFault';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
const invalid = (message: string) => new SnsFault('InvalidParameter', 400, `Invalid parameter: ${message}`);
const invalidValue = (message: string) => new SnsFault('ParameterValueInvalid', 400, message);

interface Attribute {
  readonly dataType: string;
  readonly value: string;
}

interface Published {
  readonly tier: string;
  readonly topic: LocalTopic;
  readonly subject: string | undefined;
  /** Protocol -> body; `undefined` for a plain message, which every protocol receives as it is. */
  readonly structure: Readonly<Record<string, unknown>> | undefined;
  readonly message: string;
  readonly attributes: ReadonlyMap<string, Attribute>;
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue` (or `BinaryValue`). */
const attributesOf = (params: URLSearchParams): Map<string, Attribute> => {
  const out = new Map<string, Attribute>();
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const key = `MessageAttributes.entry.${n}`;
    const name = params.get(`${key}.Name`) ?? '';
    const dataType = params.get(`${key}.Value.DataType`) ?? '';
    const value = params.get(`${key}.Value.StringValue`) ?? params.get(`${key}.Value.BinaryValue`) ?? '';
    if (!ATTRIBUTE_NAME.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..'))
      throw invalidValue(`The message attribute name '${name}' is invalid.`);
    if (/^(AWS|Amazon)\./i.test(name) && !(name in SNS_ATTRIBUTES))
      throw invalidValue(`The message attribute name '${name}' uses a reserved prefix.`);
    if (!DATA_TYPE.test(dataType))
      throw invalidValue(
        `The message attribute '${name}' has an invalid message attribute type '${dataType}'.`,
      );
    if (value === '')
      throw invalidValue(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    const allowed = SNS_ATTRIBUTES[name];
    if (allowed && !allowed.includes(value))
      throw invalidValue(`The message attribute '${name}' has an invalid value '${value}'.`);
    if (out.has(name)) throw invalidValue(`The message attribute '${name}' is given more than once.`);
    out.set(name, { dataType, value });
  }
  return out;
};

/** Subjects: under 100 characters, no line breaks or control characters, printable ASCII. */
const checkSubject = (subject: string | null): string | undefined => {
  if (subject === null) return undefined;
  if (
    subject.length === 0 ||
    subject.length > MAX_SUBJECT_CHARS ||
    !/^[\x21-\x7e][\x20-\x7e]*$/.test(subject)
  )
    throw invalid('Subject');
  return subject;
};

/** Parses a json structure as SNS does: an object with a string `default`; other non-string keys are ignored. */
const structureOf = (message: string): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalid('Message Structure - JSON message body failed to parse');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalid('Message Structure - JSON message body failed to parse');
  if (typeof (parsed as Record<string, unknown>).default !== 'string')
    throw invalid('Message Structure - No default entry in JSON message body');
  return parsed as Record<string, unknown>;
};

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export class LocalSns {
  readonly sns: SNSClient;
  private readonly delivered: DeliveredPage[] = [];
  private drained = 0;
  private readonly byArn: ReadonlyMap<string, { readonly tier: string; readonly topic: LocalTopic }>;

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_SNS`. */
    readonly endpoint: string,
    readonly topicArns: Readonly<Record<string, string>>,
    topics: Readonly<Record<string, LocalTopic>>,
    private readonly now: () => Date,
  ) {
    this.sns = new SNSClient({ ...LOCAL, endpoint, maxAttempts: 1 });
    this.byArn = new Map(Object.entries(topics).map(([tier, topic]) => [topic.arn, { tier, topic }]));
  }

  /** Starts the stand-in with `topics` (tier name -> topic ARN and subscriptions). */
  static async start(
    topics: Readonly<Record<string, LocalTopic>>,
    options: LocalSnsOptions = {},
  ): Promise<LocalSns> {
    const ref: { sns?: LocalSns } = {};
    const server = createServer((req, res) => {
      if (ref.sns) ref.sns.handle(req, res);
      else res.writeHead(503).end();
    });
    // Node closes an idle keep-alive socket after 5 s; a publish racing that close fails with
    // ECONNRESET. SNS keeps connections far longer, so idle sockets stay open until `stop`.
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const topicArns = Object.fromEntries(Object.entries(topics).map(([tier, t]) => [tier, t.arn]));
    ref.sns = new LocalSns(
      server,
      `http://127.0.0.1:${port}`,
      topicArns,
      topics,
      options.now ?? (() => new Date()),
    );
    return ref.sns;
  }

  /**
   * The topics the stack makes from `contacts`: each tier's email and SMS subscriptions, and one
   * https subscription for Chatbot when the tier has a chat channel (SNS keeps one subscription per
   * endpoint, and Chatbot fans out to the channels itself).
   */
  /**
   * The stack's pages topics as the local SNS holds them: one per tier (keyed by the tier) with its
   * subscriptions, and one per person on a schedule (keyed `person:<name>`) with their email and SMS.
   */
  static topicsFor(
    contacts: DeploymentConfig['contacts'],
    people: NonNullable<DeploymentConfig['oncall']>['people'] = [],
  ): Record<string, LocalTopic> {
    const personTopics = people.map((person): [string, LocalTopic] => [
      `person:${person.name}`,
      {
        arn: `arn:aws:sns:${LOCAL.region}:${ACCOUNT}:person-${person.name}`,
        subscriptions: [
          { protocol: 'email' as const, endpoint: person.email },
          ...(person.sms ? [{ protocol: 'sms' as const, endpoint: person.sms }] : []),
        ],
      },
    ]);
    return Object.fromEntries([
      ...personTopics,
      ...Object.entries(contacts).map(([tier, contact]): [string, LocalTopic] => [
        tier,
        {
          arn: `arn:aws:sns:${LOCAL.region}:${ACCOUNT}:pages-${tier}`,
          subscriptions: [
            ...contact.email.map((endpoint) => ({ protocol: 'email' as const, endpoint })),
            ...contact.sms.map((endpoint) => ({ protocol: 'sms' as const, endpoint })),
            ...(contact.chat?.slackChannelId || contact.chat?.teamsChannelId
              ? [{ protocol: 'https' as const, endpoint: CHATBOT_ENDPOINT }]
              : []),
          ],
        },
      ]),
    ]);
  }

  /** Everything published since the last call, oldest first; also kept for `allPages`. */
  async drain(): Promise<DeliveredPage[]> {
    const fresh = this.delivered.slice(this.drained);
    this.drained = this.delivered.length;
    return fresh;
  }

  /** Everything published so far, oldest first. */
  async allPages(): Promise<DeliveredPage[]> {
    return [...this.delivered];
  }

  async stop(): Promise<void> {
    this.sns.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestId = randomUUID();
      const reply = (status: number, body: string) =>
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }).end(body);
      try {
        if (req.method !== 'POST') throw new SnsFault('InvalidAction', 400, 'Only POST is served here.');
        if (!req.headers.authorization)
          throw new SnsFault('MissingAuthenticationToken', 403, 'Request is missing Authentication Token');
        const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const action = params.get('Action') ?? '';
        if (action !== 'Publish')
          throw new SnsFault('InvalidAction', 400, `The action ${action} is not valid for this web service.`);
        const messageId = this.publish(this.parsePublish(params));
        reply(
          200,
          `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
            `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
        );
      } catch (err) {
        const fault =
          err instanceof SnsFault ? err : new SnsFault('InternalError', 500, (err as Error).message);
        reply(
          fault.status,
          `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${fault.status < 500 ? 'Sender' : 'Receiver'}</Type>` +
            `<Code>${fault.code}</Code><Message>${xml(fault.message)}</Message></Error>` +
            `<RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      }
    });
  }

  /** Checks a Publish as SNS does, in SNS's order: topic, message, subject, structure, attributes, size. */
  private parsePublish(params: URLSearchParams): Published {
    const topicArn = params.get('TopicArn');
    if (!topicArn) {
      if (params.has('TargetArn') || params.has('PhoneNumber'))
        throw invalid('the sandbox publishes to topics only (no TargetArn or PhoneNumber)');
      throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
    }
    if (!/^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topicArn)) throw invalid('TopicArn');
    const found = this.byArn.get(topicArn);
    if (!found) throw new SnsFault('NotFound', 404, 'Topic does not exist');
    const message = params.get('Message');
    if (message === null)
      throw new SnsFault(
        'ValidationError',
        400,
        "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
      );
    if (message === '') throw invalid('Empty message');
    const subject = checkSubject(params.get('Subject'));
    const structureName = params.get('MessageStructure');
    if (structureName !== null && structureName !== 'json') throw invalid('MessageStructure');
    const structure = structureName === 'json' ? structureOf(message) : undefined;
    const attributes = attributesOf(params);
    let size = bytes(message);
    for (const [name, a] of attributes) size += bytes(name) + bytes(a.dataType) + bytes(a.value);
    if (size > MAX_PUBLISH_BYTES) throw invalid('Message too long');
    return { ...found, subject, structure, message, attributes };
  }

  /** Delivers to every subscription of the topic and records what each received. */
  private publish(p: Published): string {
    const messageId = randomUUID();
    const timestamp = this.now().toISOString();
    const bodyFor = (protocol: Protocol): string => {
      if (!p.structure) return p.message;
      const own = p.structure[protocol];
      return typeof own === 'string' ? own : (p.structure.default as string);
    };
    const prefix = p.topic.displayName ? `${p.topic.displayName.toUpperCase()}> ` : '';
    const sms = `${prefix}${bodyFor('sms')}`;
    const chat = bodyFor('https');
    const attributes = Object.fromEntries(
      [...p.attributes].filter(([, a]) => a.dataType.startsWith('String')).map(([n, a]) => [n, a.value]),
    );
    const envelope = JSON.stringify({
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: p.topic.arn,
      ...(p.subject !== undefined ? { Subject: p.subject } : {}),
      Message: chat,
      Timestamp: timestamp,
      SignatureVersion: '1',
      // Nothing here can sign as SNS: a subscriber that verifies signatures must not trust this one.
      Signature: 'unsigned-by-the-sandbox',
      SigningCertURL: `${this.endpoint}/unsigned.pem`,
      UnsubscribeURL: `${this.endpoint}/?Action=Unsubscribe&SubscriptionArn=${p.topic.arn}:sandbox`,
      ...(p.attributes.size > 0
        ? {
            MessageAttributes: Object.fromEntries(
              [...p.attributes]
                .filter(([name]) => !/^(AWS|Amazon)\./i.test(name))
                .map(([name, a]) => [name, { Type: a.dataType, Value: a.value }]),
            ),
          }
        : {}),
    });
    const deliver = (s: LocalSubscription): Delivery => {
      if (s.protocol === 'email') return { ...s, body: bodyFor('email'), status: 'delivered' };
      if (s.protocol === 'https') return { ...s, body: envelope, status: 'delivered' };
      if (sms.length <= MAX_SMS_CHARS) return { ...s, body: sms, status: 'delivered' };
      const reason = `SMS of ${sms.length} characters: SNS sends at most ${MAX_SMS_CHARS} per publish`;
      return { ...s, body: sms, status: 'failed', reason };
    };
    const deliveries = p.topic.subscriptions.map(deliver);
    const kind = attributes.kind;
    this.delivered.push({
      messageId,
      topicArn: p.topic.arn,
      tier: p.tier,
      kind: PAGE_KINDS.find((k) => k === kind),
      incidentId: attributes.incidentId,
      at: timestamp,
      subject: p.subject ?? '',
      body: bodyFor('email'),
      sms,
      chat,
      attributes,
      deliveries,
    });
    return messageId;
  }
}
