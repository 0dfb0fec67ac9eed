import {
  InvalidParameterException,
  InvalidParameterValueException,
  NotFoundException,
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnsPager } from '../../../lambdas/adapters/pager';
import { parseConfig } from '../../../lambdas/contract/config';
import { moveTo, openIncident } from '../../../lambdas/domain/incident';
import { renderPage, SMS_LIMIT } from '../../../lambdas/domain/pages';
import {
  CHATBOT_ENDPOINT,
  type DeliveredPage,
  LocalSns,
  MAX_PUBLISH_BYTES,
  MAX_SMS_CHARS,
} from '../../../sandbox/local-aws/sns';
import { DRILL_CONFIG } from '../../../sandbox/scenarios';

const NOW = new Date('2026-11-23T10:05:00.000Z');
const ARN = 'arn:aws:sns:us-east-1:123456789012:pages-on-call';
const QUIET_ARN = 'arn:aws:sns:us-east-1:123456789012:pages-quiet';
const PREFIXED_ARN = 'arn:aws:sns:us-east-1:123456789012:pages-named';
const EMAIL = { protocol: 'email', endpoint: 'oncall@example.com' } as const;
const PHONE = { protocol: 'sms', endpoint: '+15550100001' } as const;
const CHAT = { protocol: 'https', endpoint: CHATBOT_ENDPOINT } as const;

const t0 = new Date('2026-11-23T10:00:00.000Z');
const page = renderPage(
  'INCIDENT',
  moveTo(
    openIncident({
      id: 'INC-20261123-001',
      dedupKey: 'service=checkout|alarm=checkout-error-rate',
      signal: { alarmName: 'checkout-error-rate', state: 'ALARM', at: t0.toISOString(), service: 'checkout' },
      severity: 'P2',
      severityReason: 'configured P2',
      title: 'checkout: error rate above 10%',
      runbookUrl: 'https://runbooks.example.com/checkout/high-error-rate',
      now: t0,
    }),
    'INVESTIGATING',
    { type: 'automation', name: 'diagnose' },
    new Date(t0.getTime() + 60_000),
  ),
  {
    now: NOW,
    nextUpdateMinutes: 30,
    links: {
      ack: `https://ir.example.com/a/ack-${'t'.repeat(180)}`,
      escalate: `https://ir.example.com/a/escalate-${'t'.repeat(180)}`,
      resolve: `https://ir.example.com/a/resolve-${'t'.repeat(180)}`,
    },
  },
);

let local: LocalSns;
beforeAll(async () => {
  local = await LocalSns.start(
    {
      'on-call': { arn: ARN, subscriptions: [EMAIL, PHONE, CHAT] },
      quiet: { arn: QUIET_ARN, subscriptions: [] },
      named: { arn: PREFIXED_ARN, subscriptions: [PHONE], displayName: 'incident pages: on-call' },
    },
    { now: () => NOW },
  );
});
afterAll(async () => {
  await local.stop();
});

const publish = (input: Omit<PublishCommandInput, 'TopicArn'> & { TopicArn?: string }) =>
  local.sns.send(new PublishCommand({ TopicArn: ARN, ...input }));

/** Publishes and returns what the stand-in recorded for it. */
const delivered = async (input: Parameters<typeof publish>[0]): Promise<DeliveredPage> => {
  await local.drain();
  const { MessageId } = await publish(input);
  const [one, ...more] = await local.drain();
  expect(more).toEqual([]);
  expect(one?.messageId).toBe(MessageId);
  return one as DeliveredPage;
};

const bodyTo = (p: DeliveredPage, protocol: 'email' | 'sms' | 'https') =>
  p.deliveries.find((d) => d.protocol === protocol)?.body;

/** The rejection of `input`, as the SDK raises it. */
const refusal = async (input: Parameters<typeof publish>[0]) => {
  const before = (await local.allPages()).length;
  const err = await publish(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect((await local.allPages()).length).toBe(before);
  return err as Error & { $metadata?: { httpStatusCode?: number } };
};

describe('delivery, protocol by protocol', () => {
  it('the old bug: without MessageStructure every protocol gets Message as it is, so phones get the whole email', async () => {
    const p = await delivered({ Subject: page.subject, Message: page.body });
    const sms = p.deliveries.find((d) => d.protocol === 'sms');
    expect(sms).toMatchObject({ endpoint: PHONE.endpoint, body: page.body, status: 'delivered' });
    expect(page.body.length).toBeGreaterThan(SMS_LIMIT * 5);
    expect(bodyTo(p, 'email')).toBe(page.body);
    expect(JSON.parse(bodyTo(p, 'https') ?? '').Message).toBe(page.body);
  });

  it("the pager's publish: phones get the 160-character form, email the full text, chat the custom notification", async () => {
    await local.drain();
    const messageId = await new SnsPager(local.sns, local.topicArns).send('on-call', page);
    const [p] = await local.drain();
    expect(p).toMatchObject({
      messageId,
      topicArn: ARN,
      tier: 'on-call',
      kind: 'INCIDENT',
      incidentId: 'INC-20261123-001',
      at: NOW.toISOString(),
      subject: page.subject,
      body: page.body,
      sms: page.sms,
      attributes: {
        'AWS.SNS.SMS.SMSType': 'Transactional',
        kind: 'INCIDENT',
        incidentId: 'INC-20261123-001',
        severity: 'P2',
        service: 'checkout',
      },
    });
    expect(p?.sms.length).toBeLessThanOrEqual(SMS_LIMIT);
    expect(p?.deliveries.map((d) => [d.protocol, d.endpoint, d.status])).toEqual([
      ['email', EMAIL.endpoint, 'delivered'],
      ['sms', PHONE.endpoint, 'delivered'],
      ['https', CHATBOT_ENDPOINT, 'delivered'],
    ]);
    expect(JSON.parse(p?.chat ?? '')).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: page.chat?.title },
    });
  });

  it("https subscribers get SNS's JSON envelope around their body", async () => {
    const p = await delivered({
      Subject: 'a subject',
      MessageStructure: 'json',
      Message: JSON.stringify({ default: 'for anyone', https: '{"version":"1.0"}' }),
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'UPDATE' } },
    });
    expect(JSON.parse(bodyTo(p, 'https') ?? '')).toEqual({
      Type: 'Notification',
      MessageId: p.messageId,
      TopicArn: ARN,
      Subject: 'a subject',
      Message: '{"version":"1.0"}',
      Timestamp: NOW.toISOString(),
      SignatureVersion: '1',
      Signature: expect.any(String),
      SigningCertURL: expect.any(String),
      UnsubscribeURL: expect.any(String),
      MessageAttributes: { kind: { Type: 'String', Value: 'UPDATE' } },
    });
    expect(p.chat).toBe('{"version":"1.0"}');
  });

  it('a protocol without its own key gets default; a non-string value counts as missing, as SNS ignores it', async () => {
    const p = await delivered({
      MessageStructure: 'json',
      Message: JSON.stringify({ default: 'the default', email: 'for email', sms: 42 }),
    });
    expect(
      p.deliveries.map((d) => [d.protocol, d.protocol === 'https' ? JSON.parse(d.body).Message : d.body]),
    ).toEqual([
      ['email', 'for email'],
      ['sms', 'the default'],
      ['https', 'the default'],
    ]);
    expect(p.kind).toBeUndefined();
    expect(JSON.parse(bodyTo(p, 'https') ?? '')).not.toHaveProperty('Subject');
  });

  it(`records an SMS over ${MAX_SMS_CHARS} characters as a failed delivery, and still delivers the rest`, async () => {
    const p = await delivered({
      MessageStructure: 'json',
      Message: JSON.stringify({ default: 'short', sms: 'x'.repeat(MAX_SMS_CHARS + 1) }),
    });
    expect(p.deliveries.map((d) => d.status)).toEqual(['delivered', 'failed', 'delivered']);
    expect(p.deliveries[1]?.reason).toBe(
      `SMS of ${MAX_SMS_CHARS + 1} characters: SNS sends at most ${MAX_SMS_CHARS} per publish`,
    );
    const fits = await delivered({
      MessageStructure: 'json',
      Message: JSON.stringify({ default: 'short', sms: 'x'.repeat(MAX_SMS_CHARS) }),
    });
    expect(fits.deliveries[1]?.status).toBe('delivered');
  });

  it("puts the topic's display name, upper-cased, before every SMS: a 160-character page no longer fits one SMS", async () => {
    await local.drain();
    await new SnsPager(local.sns, { named: PREFIXED_ARN }).send('named', page);
    const [p] = await local.drain();
    expect(p?.sms).toBe(`INCIDENT PAGES: ON-CALL> ${page.sms}`);
    expect(`INCIDENT PAGES: ON-CALL> ${'x'.repeat(SMS_LIMIT)}`.length).toBeGreaterThan(SMS_LIMIT);
  });

  it('records a publish to a topic nobody subscribes to, with no deliveries', async () => {
    const p = await delivered({ TopicArn: QUIET_ARN, Message: 'hello' });
    expect(p).toMatchObject({ tier: 'quiet', body: 'hello', sms: 'hello', chat: 'hello', deliveries: [] });
  });

  it('drain gives what is new since the last drain; allPages gives everything, oldest first', async () => {
    await local.drain();
    await publish({ Message: 'one' });
    await publish({ Message: 'two' });
    expect((await local.drain()).map((p) => p.body)).toEqual(['one', 'two']);
    expect(await local.drain()).toEqual([]);
    expect((await local.allPages()).slice(-2).map((p) => p.body)).toEqual(['one', 'two']);
  });
});

describe('refuses what SNS refuses, with its error', () => {
  it('an unknown topic: NotFound, 404', async () => {
    const err = await refusal({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:pages-nobody', Message: 'x' });
    expect(err).toBeInstanceOf(NotFoundException);
    expect(err.message).toBe('Topic does not exist');
    expect(err.$metadata?.httpStatusCode).toBe(404);
  });

  it.each([
    ['not JSON', '{default:', 'Message Structure - JSON message body failed to parse'],
    ['a JSON array', '["default"]', 'Message Structure - JSON message body failed to parse'],
    [
      'no default',
      JSON.stringify({ email: 'e', sms: 's' }),
      'Message Structure - No default entry in JSON message body',
    ],
    [
      'a non-string default',
      JSON.stringify({ default: { text: 'x' } }),
      'Message Structure - No default entry in JSON message body',
    ],
  ])('MessageStructure json with %s: InvalidParameter', async (_, Message, reason) => {
    const err = await refusal({ MessageStructure: 'json', Message });
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err.message).toBe(`Invalid parameter: ${reason}`);
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it('a MessageStructure other than json: InvalidParameter', async () => {
    const err = await refusal({ MessageStructure: 'xml', Message: 'x' });
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err.message).toBe('Invalid parameter: MessageStructure');
  });

  it.each([
    ['100 characters', 's'.repeat(100)],
    ['a line break', 'INCIDENT\nP2'],
    ['a control character', 'INCIDENT\u0007'],
    ['non-ASCII', 'INCIDENT: très lent'],
    ['a leading space', ' INCIDENT'],
    ['nothing', ''],
  ])('a Subject with %s: InvalidParameter', async (_, Subject) => {
    const err = await refusal({ Subject, Message: 'x' });
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err.message).toBe('Invalid parameter: Subject');
  });

  it('accepts a Subject of 99 printable ASCII characters', async () => {
    expect((await delivered({ Subject: 's'.repeat(99), Message: 'x' })).subject).toHaveLength(99);
  });

  it('more than 256 KB, attributes included: InvalidParameter; exactly 256 KB is accepted', async () => {
    expect((await delivered({ Message: 'x'.repeat(MAX_PUBLISH_BYTES) })).body).toHaveLength(
      MAX_PUBLISH_BYTES,
    );
    const tooLong = await refusal({ Message: 'x'.repeat(MAX_PUBLISH_BYTES + 1) });
    expect(tooLong).toBeInstanceOf(InvalidParameterException);
    expect(tooLong.message).toBe('Invalid parameter: Message too long');
    const withAttribute = await refusal({
      Message: 'x'.repeat(MAX_PUBLISH_BYTES - 10),
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'INCIDENT' } },
    });
    expect(withAttribute.message).toBe('Invalid parameter: Message too long');
  });

  it('an empty Message: InvalidParameter', async () => {
    const err = await refusal({ Message: '' });
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err.message).toBe('Invalid parameter: Empty message');
  });

  it('an empty attribute value, a reserved name or a bad SMSType: InvalidParameterValue', async () => {
    for (const [name, value] of [
      ['kind', ''],
      ['AWS.tier', 'on-call'],
      ['AWS.SNS.SMS.SMSType', 'Urgent'],
    ] as const) {
      const err = await refusal({
        Message: 'x',
        MessageAttributes: { [name]: { DataType: 'String', StringValue: value } },
      });
      expect(err, name).toBeInstanceOf(InvalidParameterValueException);
    }
  });

  it('an unsigned request: MissingAuthenticationToken, 403', async () => {
    const res = await fetch(local.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'Publish', TopicArn: ARN, Message: 'x' }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(
      /^<ErrorResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/"><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/,
    );
  });
});

describe('wiring', () => {
  it('a client built from the environment alone reaches it through AWS_ENDPOINT_URL_SNS, as a Lambda bundle would', async () => {
    const before = process.env.AWS_ENDPOINT_URL_SNS;
    process.env.AWS_ENDPOINT_URL_SNS = local.endpoint;
    const fromEnv = new SNSClient({});
    try {
      await local.drain();
      await fromEnv.send(new PublishCommand({ TopicArn: ARN, Message: 'from a bundle' }));
      expect((await local.drain()).map((p) => p.body)).toEqual(['from a bundle']);
    } finally {
      fromEnv.destroy();
      if (before === undefined) delete process.env.AWS_ENDPOINT_URL_SNS;
      else process.env.AWS_ENDPOINT_URL_SNS = before;
    }
  });

  it("topicsFor: each tier's email and SMS subscriptions, and one Chatbot https subscription for its chat channels", () => {
    const config = parseConfig(
      {
        ...DRILL_CONFIG,
        contacts: {
          ...DRILL_CONFIG.contacts,
          'on-call': {
            email: ['oncall@example.com'],
            sms: ['+15550100001'],
            chat: { slackWorkspaceId: 'T0123456789', slackChannelId: 'C0123456789' },
          },
        },
      },
      'test config',
    );
    const topics = LocalSns.topicsFor(config.contacts);
    expect(topics['on-call']).toEqual({
      arn: ARN,
      subscriptions: [EMAIL, PHONE, CHAT],
    });
    expect(Object.keys(topics)).toEqual(Object.keys(config.contacts));
    expect(topics.cto?.subscriptions).toEqual([{ protocol: 'email', endpoint: 'cto@example.com' }]);
  });
});
