/**
 * The delivery function's work against a real receiver on loopback (sandbox/local-aws/webhook-receiver.ts)
 * through the real fetch adapter: what is signed and sent, and what becomes of each message: deleted
 * (2xx), retried by SQS (in batchItemFailures: 429, 5xx, timeout, network), or refused (4xx: not
 * retried, moved to the dead-letter queue with why, logged at error with the event id).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebhookHttp } from '../../../lambdas/adapters/webhook-http';
import type { SqsEvent } from '../../../lambdas/contract/webhook-delivery';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../../lambdas/domain/webhook-signature';
import type { WebhookDelivery } from '../../../lambdas/domain/webhooks';
import {
  deliverBatch,
  EVENT_ID_HEADER,
  type WebhookDeliveryDeps,
} from '../../../lambdas/services/webhook-delivery';
import { startWebhookReceiver, type WebhookReceiver } from '../../../sandbox/local-aws/webhook-receiver';

// 2026-12-03T14:00:00Z. The digests were computed outside this code, with
//   printf '%s' '1796306400.<BODY>' | openssl dgst -sha256 -hmac '<key>'
const NOW = new Date('2026-12-03T14:00:00.000Z');
const BODY = '{"id":"evt_0123456789abcdef0123456789abcdef"}';
const NEW_DIGEST = '3aafe6f41d31e20c40cdbfdab777e4346ea65fbc8f1e7bf42e67d560e2845528';
const OLD_DIGEST = '571997d22140a2724bfe227d98ee592780cfbff2bf9490211f821aeabfc42a70';

const delivery = (over: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  webhook: 'status-bot',
  eventId: 'evt_0123456789abcdef0123456789abcdef',
  type: 'incident.opened',
  body: BODY,
  ...over,
});

/** An SQS event in the shape Lambda sends (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). */
const sqsEvent = (...bodies: string[]): SqsEvent =>
  ({
    Records: bodies.map((body, i) => ({
      messageId: `059f36b4-87a3-44ab-83d2-66197583000${i}`,
      receiptHandle: `AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1796306399000',
        SenderId: 'AROAEXAMPLE:lifecycle',
        ApproximateFirstReceiveTimestamp: '1796306399100',
      },
      messageAttributes: {},
      md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:webhooks',
      awsRegion: 'us-east-1',
    })),
  }) as SqsEvent;

interface Logged {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

let receiver: WebhookReceiver;
beforeEach(async () => {
  receiver = await startWebhookReceiver(['whsec_old'], () => NOW);
});
afterEach(async () => {
  await receiver.stop();
});

const setUp = (
  over: { secret?: () => Promise<string>; dlqFails?: boolean; timeoutMs?: number; url?: string } = {},
) => {
  const deadLetters: { body: string; attributes: Readonly<Record<string, string>> }[] = [];
  const logs: Logged[] = [];
  const log = (level: string) => (message: string, fields: Record<string, unknown>) =>
    logs.push({ level, message, fields });
  const deps: WebhookDeliveryDeps = {
    targets: new Map([
      [
        'status-bot',
        {
          url: over.url ?? `${receiver.baseUrl}/status-bot`,
          secret: over.secret ?? (async () => 'whsec_new\nwhsec_old\n'),
        },
      ],
    ]),
    http: new WebhookHttp(over.timeoutMs ?? 5_000),
    deadLetters: {
      send: async (body, attributes) => {
        if (over.dlqFails) throw new Error('AccessDenied');
        deadLetters.push({ body, attributes });
      },
    },
    clock: () => NOW,
    log: { info: log('info'), warn: log('warn'), error: log('error') },
  };
  return { deps, deadLetters, logs };
};

describe('deliverBatch', () => {
  it('signs with every key of the secret (rotation), sends the event id, and deletes a 2xx', async () => {
    const { deps, deadLetters } = setUp();
    const result = await deliverBatch(deps, sqsEvent(JSON.stringify(delivery())));
    expect(result).toEqual({ batchItemFailures: [] });
    const [got] = receiver.received;
    expect(got?.path).toBe('/status-bot');
    expect(got?.body).toBe(BODY);
    expect(got?.headers[TIMESTAMP_HEADER.toLowerCase()]).toBe('1796306400');
    expect(got?.headers[SIGNATURE_HEADER.toLowerCase()]).toBe(`v1=${NEW_DIGEST},v1=${OLD_DIGEST}`);
    expect(got?.headers[EVENT_ID_HEADER.toLowerCase()]).toBe('evt_0123456789abcdef0123456789abcdef');
    expect(got?.headers['content-type']).toBe('application/json');
    // The receiver holds only the old key, and accepts.
    expect(got?.verified).toEqual({ ok: true });
    expect(deadLetters).toEqual([]);
  });

  it('a 4xx is not retried: not in batchItemFailures, moved to the dead-letter queue with why, logged with the event id', async () => {
    const { deps, deadLetters, logs } = setUp();
    receiver.answerNext(1, 410);
    const message = JSON.stringify(delivery());
    const result = await deliverBatch(deps, sqsEvent(message));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(receiver.received).toHaveLength(1);
    expect(deadLetters).toEqual([{ body: message, attributes: { refused: 'HTTP 410' } }]);
    expect(logs.find((l) => l.level === 'error')).toMatchObject({
      message: 'webhook delivery refused: moved to the dead-letter queue, not retried',
      fields: { eventId: 'evt_0123456789abcdef0123456789abcdef', webhook: 'status-bot', status: 410 },
    });
  });

  it('a 5xx or a 429 is retried: named in batchItemFailures, nothing on the dead-letter queue', async () => {
    const { deps, deadLetters } = setUp();
    receiver.answerNext(1, 503);
    receiver.answerNext(1, 429);
    const event = sqsEvent(
      JSON.stringify(delivery()),
      JSON.stringify(delivery({ eventId: `evt_${'1'.repeat(32)}` })),
    );
    const result = await deliverBatch(deps, event);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      event.Records.map((r) => r.messageId).sort(),
    );
    expect(deadLetters).toEqual([]);
  });

  it('a receiver that does not answer within the timeout, or cannot be reached, is retried', async () => {
    receiver.hangNext(1);
    const slow = setUp({ timeoutMs: 200 });
    const started = Date.now();
    const timedOut = await deliverBatch(slow.deps, sqsEvent(JSON.stringify(delivery())));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(timedOut.batchItemFailures).toHaveLength(1);
    expect(slow.logs.find((l) => l.level === 'warn')?.fields.error).toBe('no answer within 200 ms');
    const unreachable = setUp({ url: 'http://127.0.0.1:9/status-bot' });
    expect(
      (await deliverBatch(unreachable.deps, sqsEvent(JSON.stringify(delivery())))).batchItemFailures,
    ).toHaveLength(1);
  });

  it('only the failed messages of a mixed batch are retried', async () => {
    const { deps, deadLetters } = setUp();
    receiver.answerNext(1, 204);
    receiver.answerNext(1, 500);
    receiver.answerNext(1, 400);
    const bodies = ['0', '1', '2'].map((d) => JSON.stringify(delivery({ eventId: `evt_${d.repeat(32)}` })));
    // Sent one at a time, so the scripted answers meet the messages in order.
    const outcomes = [];
    for (const body of bodies) outcomes.push(await deliverBatch(deps, sqsEvent(body)));
    expect(outcomes.map((o) => o.batchItemFailures.length)).toEqual([0, 1, 0]);
    expect(deadLetters.map((d) => JSON.parse(d.body).eventId)).toEqual([`evt_${'2'.repeat(32)}`]);
  });

  it('a secret that cannot be read is retried; a refusal the dead-letter queue does not take is retried too', async () => {
    const noSecret = setUp({
      secret: async () => {
        throw Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
      },
    });
    expect(
      (await deliverBatch(noSecret.deps, sqsEvent(JSON.stringify(delivery())))).batchItemFailures,
    ).toHaveLength(1);
    expect(receiver.received).toEqual([]);
    receiver.answerNext(1, 404);
    const noDlq = setUp({ dlqFails: true });
    expect(
      (await deliverBatch(noDlq.deps, sqsEvent(JSON.stringify(delivery())))).batchItemFailures,
    ).toHaveLength(1);
  });

  it('a message that is not a delivery, or names an unknown webhook, goes to the dead-letter queue unsent', async () => {
    const { deps, deadLetters } = setUp();
    const result = await deliverBatch(
      deps,
      sqsEvent('not json', JSON.stringify(delivery({ webhook: 'gone' }))),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(receiver.received).toEqual([]);
    expect(deadLetters.map((d) => d.attributes.refused)).toEqual([
      expect.stringMatching(/^malformed: /),
      'no webhook gone in the config',
    ]);
  });
});
