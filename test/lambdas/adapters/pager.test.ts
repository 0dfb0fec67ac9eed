import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SnsPager } from '../../../lambdas/adapters/pager';
import { appendEntries, type Incident, moveTo, openIncident } from '../../../lambdas/domain/incident';
import {
  CHAT_DESCRIPTION_LIMIT,
  CHAT_TITLE_LIMIT,
  type Page,
  renderPage,
  SMS_LIMIT,
} from '../../../lambdas/domain/pages';

const t0 = new Date('2026-11-23T10:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const ID = 'INC-20261123-001';
const TOPICS = {
  'on-call': 'arn:aws:sns:us-east-1:123456789012:pages-on-call',
  'devops-lead': 'arn:aws:sns:us-east-1:123456789012:pages-devops-lead',
};
const ACK = `https://ir.example.com/a/ack-${'e'.repeat(180)}`;
const GSM_SAFE = /^[A-Za-z0-9 @$_!"#%&'()*+,\-./:;<=>?\n]*$/;

const incident = (): Incident => {
  const opened = openIncident({
    id: ID,
    dedupKey: 'service=checkout|alarm=checkout-error-rate',
    signal: { alarmName: 'checkout-error-rate', state: 'ALARM', at: t0.toISOString(), service: 'checkout' },
    severity: 'P1',
    severityReason: 'configured P1',
    title: 'checkout: error rate above 10%',
    runbookUrl: 'https://runbooks.example.com/checkout/high-error-rate',
    now: t0,
  });
  const investigating = moveTo(opened, 'INVESTIGATING', { type: 'automation', name: 'diagnose' }, at(2));
  return appendEntries(investigating, at(4), {
    kind: 'action',
    actor: { type: 'automation', name: 'diagnose' },
    summary: 'started: roll back checkout to checkout:41',
  });
};

const page = renderPage('INCIDENT', incident(), {
  now: at(5),
  nextUpdateMinutes: 30,
  links: { ack: ACK, escalate: `${ACK}-escalate`, resolve: `${ACK}-resolve` },
});

const sns = mockClient(SNSClient);
const pager = new SnsPager(new SNSClient({}), TOPICS);

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: '5b9a2f2e-0000-4000-8000-000000000001' });
});

const published = (): PublishCommandInput => {
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  return calls[0]?.args[0].input as PublishCommandInput;
};
const messageOf = (input: PublishCommandInput): Record<string, unknown> =>
  JSON.parse(input.Message ?? '') as Record<string, unknown>;

describe('SnsPager.send', () => {
  it("publishes to the tier's topic with the email subject and returns SNS's message id", async () => {
    expect(await pager.send('devops-lead', page)).toBe('5b9a2f2e-0000-4000-8000-000000000001');
    expect(published()).toMatchObject({
      TopicArn: TOPICS['devops-lead'],
      Subject: page.subject,
      MessageStructure: 'json',
    });
  });

  it('gives each protocol its own body: default and email the full text, sms the 160-character form', async () => {
    await pager.send('on-call', page);
    const message = messageOf(published());
    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'https', 'sms']);
    for (const value of Object.values(message)) expect(typeof value).toBe('string');
    expect(message.default).toBe(page.body);
    expect(message.email).toBe(page.body);
    expect(page.body.length).toBeGreaterThan(SMS_LIMIT * 4);
    expect(message.sms).toBe(page.sms);
    expect((message.sms as string).length).toBeLessThanOrEqual(SMS_LIMIT);
    expect(message.sms).toMatch(GSM_SAFE);
  });

  it('sends chat the custom notification schema: title, markdown facts, the links as next steps', async () => {
    await pager.send('on-call', page);
    const chat = JSON.parse(messageOf(published()).https as string);
    expect(chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', keywords: ['INCIDENT', 'P1', 'checkout'] },
      metadata: {
        threadId: ID,
        summary: page.subject,
        eventType: 'INCIDENT',
        additionalContext: { incidentId: ID, kind: 'INCIDENT', severity: 'P1', service: 'checkout' },
      },
    });
    expect(chat.content.title).toBe(`INCIDENT: [P1] ${ID} checkout: error rate above 10%`);
    expect(chat.content.title.length).toBeLessThanOrEqual(CHAT_TITLE_LIMIT);
    expect(chat.content.description.length).toBeLessThanOrEqual(CHAT_DESCRIPTION_LIMIT);
    expect(chat.content.description).toContain('*Status:* INVESTIGATING');
    expect(chat.content.description).toContain('• 10:04 UTC started: roll back checkout to checkout:41');
    expect(chat.content.nextSteps).toEqual([
      `Acknowledge (take ownership): ${ACK}`,
      `Escalate (page the next tier now): ${ACK}-escalate`,
      `Resolve (it is fixed): ${ACK}-resolve`,
    ]);
  });

  it('sets SMSType Transactional and only the attributes a filter policy can use', async () => {
    await pager.send('on-call', page);
    expect(published().MessageAttributes).toEqual({
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
      kind: { DataType: 'String', StringValue: 'INCIDENT' },
      incidentId: { DataType: 'String', StringValue: ID },
      severity: { DataType: 'String', StringValue: 'P1' },
      service: { DataType: 'String', StringValue: 'checkout' },
    });
  });

  it('a page built without an incident leaves out what it does not know and still reaches chat', async () => {
    const bare: Page = {
      kind: 'ESCALATION',
      incidentId: 'none',
      at: at(1).toISOString(),
      subject: 'ESCALATION NEEDED: incident workflow Intake failed',
      body: 'ESCALATION NEEDED: the incident workflow failed before an incident was recorded.',
      sms: 'ESCALATION incident workflow Intake failed',
    };
    await pager.send('on-call', bare);
    const input = published();
    expect(Object.keys(input.MessageAttributes ?? {}).sort()).toEqual([
      'AWS.SNS.SMS.SMSType',
      'incidentId',
      'kind',
    ]);
    const chat = JSON.parse(messageOf(input).https as string);
    expect(chat.content).toEqual({
      textType: 'client-markdown',
      title: bare.subject,
      description: bare.body,
      keywords: ['ESCALATION'],
    });
  });

  it('stays far below the 256 KB SNS accepts, even for a busy incident', async () => {
    const busy = appendEntries(
      incident(),
      at(10),
      ...Array.from({ length: 500 }, (_, i) => ({
        kind: 'action' as const,
        actor: { type: 'automation' as const, name: 'restart' },
        summary: `step ${i}: ${'x'.repeat(400)}`,
      })),
    );
    await pager.send('on-call', renderPage('UPDATE', busy, { now: at(30), links: { ack: ACK } }));
    const input = published();
    expect(Buffer.byteLength(input.Message ?? '', 'utf8')).toBeLessThan(32 * 1024);
  });

  it('refuses an unknown tier, naming the known ones, and publishes nothing', async () => {
    await expect(pager.send('cto', page)).rejects.toThrow(
      'no topic for tier "cto"; known tiers: on-call, devops-lead',
    );
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});

describe('SnsPager.send to a person', () => {
  const PREFIX = 'arn:aws:sns:us-east-1:123456789012:IncidentResponse-person-';

  it("publishes to the person's own topic: the ARN prefix and the name, with the same per-protocol bodies", async () => {
    await new SnsPager(new SNSClient({}), TOPICS, PREFIX).send('person:carol-diaz', page);
    const input = published();
    expect(input.TopicArn).toBe(`${PREFIX}carol-diaz`);
    expect(input.MessageStructure).toBe('json');
    expect(JSON.parse(input.Message ?? '{}')).toMatchObject({ email: page.body, sms: page.sms });
  });

  it('refuses a person when the stack made no person topics, and publishes nothing', async () => {
    await expect(pager.send('person:carol-diaz', page)).rejects.toThrow(
      'no person topics configured, so person:carol-diaz cannot be paged',
    );
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
