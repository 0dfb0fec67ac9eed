/**
 * The delivery function's work (issue 15): each SQS message is one queued webhook delivery, signed
 * with every key of the webhook's secret and POSTed once. The answer decides the message's fate:
 *
 * - 2xx: delivered, the message is deleted (it is not in batchItemFailures).
 * - 429, 5xx, timeout, network error: retried. The message is reported in batchItemFailures, so SQS
 *   makes it visible again after the visibility timeout, until maxReceiveCount moves it to the
 *   dead-letter queue (the redrive policy), which raises the operators' alarm.
 * - any other status (4xx, or a 3xx: redirects are not followed): not retried, and not lost either.
 *   The function puts the message on the dead-letter queue itself, with why as a message attribute,
 *   and logs it at error with the event id; SQS then deletes the original. The same alarm fires, and
 *   a redrive from the dead-letter queue sends it again once the receiver is fixed.
 *
 * A message that is not a delivery, or names a webhook the config no longer has, is refused the same
 * way. Messages of a batch are delivered concurrently, so one slow receiver costs the batch one
 * timeout, not one per message.
 */
import type { SqsBatchResponse, SqsEvent, SqsRecord } from '../contract/webhook-delivery';
import { REFUSED_ATTRIBUTE, webhookDeliverySchema } from '../contract/webhook-delivery';
import { parseOrThrow } from '../domain/validation';
import { signatureHeaders } from '../domain/webhook-signature';
import { type DeliveryVerdict, deliveryVerdict, signingKeys, type WebhookDelivery } from '../domain/webhooks';

/** Where a delivery goes and what signs it. */
export interface WebhookTarget {
  readonly url: string;
  /** The secret's value: one signing key per line, current first (domain/webhooks.ts signingKeys). */
  readonly secret: () => Promise<string>;
}

/** The header that carries the event id, beside the signature: receivers dedupe on it. */
export const EVENT_ID_HEADER = 'X-Incident-Event-Id';

/** A log line's fields. */
type Fields = Record<string, unknown>;

export interface WebhookDeliveryDeps {
  readonly targets: ReadonlyMap<string, WebhookTarget>;
  readonly http: {
    post(request: {
      url: string;
      headers: Record<string, string>;
      body: string;
    }): Promise<{ status: number } | { networkError: true; timedOut?: boolean; error?: string }>;
  };
  /** The dead-letter queue: a refused delivery is sent there with why. */
  readonly deadLetters: {
    send(body: string, attributes: Readonly<Record<string, string>>): Promise<unknown>;
  };
  readonly clock: () => Date;
  readonly log: {
    info(message: string, fields: Fields): void;
    warn(message: string, fields: Fields): void;
    error(message: string, fields: Fields): void;
  };
}

/** What became of one message. */
export type MessageOutcome = DeliveryVerdict | 'failed';

const refuse = async (
  deps: WebhookDeliveryDeps,
  record: SqsRecord,
  reason: string,
  fields: Fields,
): Promise<MessageOutcome> => {
  try {
    await deps.deadLetters.send(record.body, { [REFUSED_ATTRIBUTE]: reason });
  } catch (error) {
    deps.log.error('webhook delivery refused, and not moved to the dead-letter queue: kept for a retry', {
      ...fields,
      reason,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return 'failed';
  }
  deps.log.error('webhook delivery refused: moved to the dead-letter queue, not retried', {
    ...fields,
    reason,
  });
  return 'refused';
};

const parseDelivery = (record: SqsRecord): WebhookDelivery | string => {
  try {
    return parseOrThrow(webhookDeliverySchema, JSON.parse(record.body), 'webhook delivery');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

/** Delivers one message once; what the queue should do with it follows from the outcome. */
export const deliverMessage = async (
  deps: WebhookDeliveryDeps,
  record: SqsRecord,
): Promise<MessageOutcome> => {
  const base: Fields = {
    messageId: record.messageId,
    receiveCount: record.attributes?.ApproximateReceiveCount,
  };
  const delivery = parseDelivery(record);
  if (typeof delivery === 'string') return refuse(deps, record, `malformed: ${delivery}`, base);
  const fields = { ...base, webhook: delivery.webhook, eventId: delivery.eventId, type: delivery.type };
  const target = deps.targets.get(delivery.webhook);
  if (!target) return refuse(deps, record, `no webhook ${delivery.webhook} in the config`, fields);
  let keys: string[];
  try {
    keys = signingKeys(await target.secret());
    if (keys.length === 0) throw new Error('the signing secret holds no key');
  } catch (error) {
    deps.log.error('webhook signing secret not read: retried', {
      ...fields,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return 'failed';
  }
  const timestamp = Math.floor(deps.clock().getTime() / 1000);
  const outcome = await deps.http.post({
    url: target.url,
    headers: { ...signatureHeaders(keys, timestamp, delivery.body), [EVENT_ID_HEADER]: delivery.eventId },
    body: delivery.body,
  });
  const verdict = deliveryVerdict(outcome);
  const answer =
    'status' in outcome ? { status: outcome.status } : { error: outcome.error ?? 'network error' };
  if (verdict === 'delivered') {
    deps.log.info('webhook delivered', { ...fields, ...answer });
    return 'delivered';
  }
  if (verdict === 'retry') {
    deps.log.warn('webhook delivery failed: retried', { ...fields, ...answer });
    return 'retry';
  }
  return refuse(deps, record, `HTTP ${'status' in outcome ? outcome.status : ''}`.trim(), {
    ...fields,
    ...answer,
  });
};

/**
 * The batch: every message delivered concurrently, and the ones to retry named in the partial batch
 * response (the event source mapping has ReportBatchItemFailures), so SQS deletes all the others.
 */
export const deliverBatch = async (deps: WebhookDeliveryDeps, event: SqsEvent): Promise<SqsBatchResponse> => {
  const outcomes = await Promise.all(
    event.Records.map(async (record) => {
      try {
        return await deliverMessage(deps, record);
      } catch (error) {
        deps.log.error('webhook delivery failed unexpectedly: retried', {
          messageId: record.messageId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        return 'failed' as const;
      }
    }),
  );
  return {
    batchItemFailures: event.Records.flatMap((record, i) =>
      outcomes[i] === 'retry' || outcomes[i] === 'failed' ? [{ itemIdentifier: record.messageId }] : [],
    ),
  };
};
