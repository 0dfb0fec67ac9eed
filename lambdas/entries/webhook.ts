/**
 * The webhook delivery function: reads the deliveries' queue (an SQS event source mapping with
 * ReportBatchItemFailures), signs each delivery with the webhook's secret and POSTs it with a 5 s
 * timeout. The URLs come from {@link ENV.webhookUrls}, the secrets from Secrets Manager.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { WebhookHttp } from '../adapters/webhook-http';
import { SqsSender } from '../adapters/webhook-queue';
import { readBundledConfig } from '../contract/bundled-config';
import { ENV, requireEnv, requireStringMapEnv } from '../contract/env';
import { webhookSecretArns } from '../contract/webhook-delivery';
import { createWebhookHandler } from '../handlers/webhook';
import type { WebhookTarget } from '../services/webhook-delivery';
import { secretReaders, sqsClient } from './webhook-ports';

const logger = new Logger({ serviceName: 'incident-response' });
const webhooks = readBundledConfig(dirname(fileURLToPath(import.meta.url))).webhooks ?? [];
const urls = requireStringMapEnv(ENV.webhookUrls);
const secrets = secretReaders(webhookSecretArns(webhooks));

const targets = new Map<string, WebhookTarget>(
  webhooks.map((w) => {
    const url = urls[w.name];
    const secret = secrets.get(w.secretArn);
    if (url === undefined || secret === undefined)
      throw new Error(`environment variable ${ENV.webhookUrls} names no URL for webhook ${w.name}`);
    return [w.name, { url, secret }];
  }),
);

export const handler = createWebhookHandler(
  {
    targets,
    http: new WebhookHttp(),
    deadLetters: new SqsSender(sqsClient(), requireEnv(ENV.webhookDeadLetterQueueUrl)),
    clock: () => new Date(),
    log: logger,
  },
  logger,
);
