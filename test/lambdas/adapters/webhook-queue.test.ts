/**
 * The SQS adapters through the real SDK v3 client against the sandbox's SQS stand-in on loopback
 * (AWS JSON 1.0, X-Amz-Target AmazonSQS.SendMessage; the SDK checks the MD5 of the body it is sent back).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SqsSender,
  SqsWebhookQueue,
  WebhookMessageTooLargeError,
} from '../../../lambdas/adapters/webhook-queue';
import { LocalAwsJson } from '../../../sandbox/local-aws/json-protocol';
import { LocalSqs, sandboxQueueUrl } from '../../../sandbox/local-aws/sqs';
import { SimClock } from '../../../sandbox/sfn-local/sim-clock';

const sqs = new LocalSqs(
  { Resources: { Deliveries: { Type: 'AWS::SQS::Queue', Properties: {} } } },
  new SimClock(),
);
let server: LocalAwsJson;
let client: SQSClient;
beforeAll(async () => {
  server = await LocalAwsJson.start([sqs.service()]);
  client = new SQSClient({
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    useQueueUrlAsEndpoint: false,
  });
});
afterAll(async () => {
  client.destroy();
  await server.stop();
});

const delivery = {
  webhook: 'status-bot',
  eventId: `evt_${'a'.repeat(32)}`,
  type: 'incident.opened',
  body: '{"id":"evt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}',
} as const;

describe('SqsWebhookQueue', () => {
  it('sends the delivery as one JSON message to the queue URL', async () => {
    await new SqsWebhookQueue(client, sandboxQueueUrl('Deliveries')).enqueue(delivery);
    expect(sqs.messages('Deliveries').map((m) => JSON.parse(m.body))).toEqual([delivery]);
  });

  it('refuses a delivery over 256 KiB before calling SQS, naming the event', async () => {
    const big = { ...delivery, body: 'x'.repeat(262_144) };
    await expect(new SqsWebhookQueue(client, sandboxQueueUrl('Deliveries')).enqueue(big)).rejects.toThrow(
      new WebhookMessageTooLargeError(
        `evt_${'a'.repeat(32)}: message of ${JSON.stringify(big).length} bytes is over SQS's 262144 bytes`,
      ),
    );
  });

  it('passes a queue error on with its name', async () => {
    await expect(new SqsSender(client, sandboxQueueUrl('Missing')).send('{}')).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
  });
});

describe('SqsSender', () => {
  it('sends string message attributes with the body', async () => {
    const id = await new SqsSender(client, sandboxQueueUrl('Deliveries')).send('{"a":1}', {
      refused: 'HTTP 410',
    });
    const sent = sqs.messages('Deliveries').find((m) => m.messageId === id);
    expect(sent).toMatchObject({ body: '{"a":1}', attributes: { refused: 'HTTP 410' } });
  });
});
