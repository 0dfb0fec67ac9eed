/**
 * The outbound webhooks' SQS side (issue 15): the queue the lifecycle and the responder endpoint put
 * deliveries on, and the secrets the delivery function signs with (read when first needed, cached
 * for SecretsAdapter's TTL, so a rotated secret signs within minutes without a deploy).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { perRegion, regionOfArn } from '../adapters/regional-clients';
import { SecretsAdapter } from '../adapters/secrets';
import { SqsWebhookQueue } from '../adapters/webhook-queue';
import type { DeploymentConfig } from '../contract/config-schema';
import { ENV, requireEnv } from '../contract/env';
import type { WebhookPorts } from '../services/lifecycle/deps';

/**
 * An SQS client that sends to the client's own endpoint: the queue is in the function's region, and
 * the sandbox points the endpoint at its loopback stand-in (by default the SDK would send to the
 * queue URL's host instead).
 */
export const sqsClient = (): SQSClient => new SQSClient({ useQueueUrlAsEndpoint: false });

/** The webhook ports of a deployed function: none without `webhooks`, else the queue at {@link ENV.webhookQueueUrl}. */
export const webhookPortsFromEnv = (config: DeploymentConfig): { webhooks?: WebhookPorts } =>
  config.webhooks && config.webhooks.length > 0
    ? {
        webhooks: {
          webhooks: config.webhooks,
          queue: new SqsWebhookQueue(sqsClient(), requireEnv(ENV.webhookQueueUrl)),
        },
      }
    : {};

/** One cached reader per secret ARN, each through a client of the secret's region. */
export const secretReaders = (
  arns: readonly string[],
  clientFor: (region: string) => SecretsManagerClient = (region) => new SecretsManagerClient({ region }),
): ReadonlyMap<string, () => Promise<string>> => {
  const clientIn = perRegion(clientFor);
  return new Map(
    arns.map((arn) => {
      const adapter = new SecretsAdapter(clientIn(regionOfArn(arn)), arn);
      return [arn, () => adapter.value()];
    }),
  );
};
