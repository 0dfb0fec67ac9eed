/**
 * What the lifecycle (which queues webhook events), the delivery function (which sends them) and the
 * stack (which wires the queue) agree on (issue 15): the queued message, the SQS event the function
 * receives, and the secrets and URLs of the configured webhooks. zod/mini only: bundled.
 */
import * as z from 'zod/mini';
import { WEBHOOK_EVENT_KINDS } from '../domain/webhook-signature';
import type { WebhookConfig } from './config-schema-integrations';

/** One queued delivery (domain/webhooks.ts WebhookDelivery), as the delivery function reads it. */
export const webhookDeliverySchema = z.object({
  webhook: z.string().check(z.minLength(1)),
  eventId: z.string().check(z.regex(/^evt_[0-9a-f]{32}$/)),
  type: z.enum(WEBHOOK_EVENT_KINDS),
  body: z.string().check(z.minLength(2)),
});

/** The fields of an SQS event record the delivery function reads (the rest is ignored). */
export const sqsEventSchema = z.object({
  Records: z.array(
    z.object({
      messageId: z.string().check(z.minLength(1)),
      body: z.string(),
      attributes: z.optional(z.object({ ApproximateReceiveCount: z.optional(z.string()) })),
    }),
  ),
});
export type SqsEvent = z.infer<typeof sqsEventSchema>;
export type SqsRecord = SqsEvent['Records'][number];

/** The partial batch response of an SQS event source mapping with ReportBatchItemFailures. */
export interface SqsBatchResponse {
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: string }>;
}

/**
 * The deliveries' queue refuses a body over this (its MaximumMessageSize, set explicitly; SQS's own
 * default and maximum is now 1 MiB). Webhook bodies are a few KiB, and 256 KiB keeps a batch of 10
 * within Lambda's 6 MB synchronous payload, which ten 1 MiB messages would not.
 */
export const MAX_WEBHOOK_MESSAGE_BYTES = 256 * 1024;

/** The message attribute that says why the delivery function put a message on the dead-letter queue itself. */
export const REFUSED_ATTRIBUTE = 'refused';

/** The secrets the delivery function reads: each webhook's signing secret, once. */
export const webhookSecretArns = (webhooks: readonly WebhookConfig[]): string[] => [
  ...new Set(webhooks.map((w) => w.secretArn)),
];

/** Webhook name → the URL it is delivered to: the config's, set in ENV.webhookUrls (the sandbox points it at loopback). */
export const webhookUrls = (webhooks: readonly WebhookConfig[]): Record<string, string> =>
  Object.fromEntries(webhooks.map((w) => [w.name, w.url]));
