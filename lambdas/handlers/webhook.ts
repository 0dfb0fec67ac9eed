import type { Logger } from '@aws-lambda-powertools/logger';
import { sqsEventSchema } from '../contract/webhook-delivery';
import { parseOrThrow } from '../domain/validation';
import { deliverBatch, type WebhookDeliveryDeps } from '../services/webhook-delivery';
import { withMiddleware } from './middleware';

/**
 * The webhook deliveries' queue consumer: an SQS batch in, the partial batch response out
 * (`batchItemFailures` names the messages SQS should make visible again). An event that is not an
 * SQS batch fails the invocation, so the whole batch is retried.
 */
export const createWebhookHandler = (deps: WebhookDeliveryDeps, logger: Logger) =>
  withMiddleware(logger, (event: unknown) =>
    deliverBatch(deps, parseOrThrow(sqsEventSchema, event, 'SQS event')),
  );
