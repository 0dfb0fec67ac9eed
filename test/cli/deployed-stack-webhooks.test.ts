/**
 * An acknowledgement made with the CLI on a deployed stack (`incident ack --stack`) reaches the
 * webhooks as one from a page does: the CLI sends incident.acknowledged to the stack's deliveries
 * queue (output WebhookQueueUrl) with the user's credentials. The queue is the sandbox's SQS stand-in
 * on loopback, the incident in dynalite.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooksOf } from '../../cli/deployed-stack';
import { parseConfig } from '../../lambdas/contract/config';
import { acknowledge, openIncident } from '../../lambdas/domain/incident';
import type { LifecycleDeps } from '../../lambdas/services/lifecycle/deps';
import { composeDeps } from '../../lambdas/wiring/compose';
import { LocalAwsJson } from '../../sandbox/local-aws/json-protocol';
import { LocalSqs, sandboxQueueUrl } from '../../sandbox/local-aws/sqs';
import { WEBHOOKS_CONFIG } from '../../sandbox/scenarios-webhooks';
import { SimClock } from '../../sandbox/sfn-local/sim-clock';
import { useLocalDynamo } from '../support/local-dynamo';

const T0 = new Date('2026-12-04T10:00:00.000Z');
const QUEUE = 'WebhooksQueue';
const config = parseConfig(WEBHOOKS_CONFIG, 'test config');
const dynamo = useLocalDynamo();
const sqs = new LocalSqs(
  { Resources: { [QUEUE]: { Type: 'AWS::SQS::Queue', Properties: {} } } },
  new SimClock({ start: T0 }),
);
let local: LocalAwsJson;
let client: SQSClient;

beforeAll(async () => {
  local = await LocalAwsJson.start([sqs.service()]);
  client = new SQSClient({
    region: 'us-east-1',
    endpoint: local.endpoint,
    useQueueUrlAsEndpoint: false,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});
afterAll(async () => {
  client.destroy();
  await local.stop();
});

const unused = () => {
  throw new Error('not used');
};
const respondersWith = (outputs: Record<string, string>) => {
  const composed = composeDeps({ store: dynamo.store, clock: () => T0 }, config);
  const lifecycle = composed.lifecycle({
    pager: { page: unused } as unknown as LifecycleDeps['pager'],
    callbacks: { succeed: unused, fail: unused } as unknown as LifecycleDeps['callbacks'],
    escalations: { start: unused } as unknown as LifecycleDeps['escalations'],
    ...webhooksOf(config, outputs, client),
  });
  return composed.responders(lifecycle);
};

describe("the CLI's acknowledgements on a deployed stack", () => {
  it('queue incident.acknowledged on the stack queue, for each webhook that takes it', async () => {
    const opened = openIncident({
      id: 'INC-20261204-001',
      dedupKey: 'checkout#errors#1',
      signal: { alarmName: 'checkout-error-rate', state: 'ALARM', at: T0.toISOString(), service: 'checkout' },
      severity: 'P1',
      severityReason: 'configured P1',
      title: 'checkout errors',
      now: T0,
    });
    const acked = acknowledge(opened, { type: 'human', name: 'alice' }, new Date(T0.getTime() + 60_000));
    await dynamo.store.putNewIncident(acked);

    await respondersWith({ WebhookQueueUrl: sandboxQueueUrl(QUEUE) }).webhookAcknowledged(acked);

    const sent = sqs
      .messages(QUEUE)
      .map((m) => JSON.parse(m.body) as { webhook: string; type: string; body: string });
    expect(sent.map((d) => [d.webhook, d.type])).toEqual([['status-bot', 'incident.acknowledged']]);
    expect(JSON.parse(sent[0]?.body ?? '{}')).toMatchObject({ incident: { id: 'INC-20261204-001' } });
  });

  it('queue nothing, and fail nothing, for a stack deployed before the output', () => {
    expect(webhooksOf(config, {}, client)).toEqual({});
    expect(
      webhooksOf(parseConfig({ ...WEBHOOKS_CONFIG, webhooks: [] }, 'test'), { WebhookQueueUrl: 'x' }, client),
    ).toEqual({});
  });
});
