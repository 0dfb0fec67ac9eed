/**
 * What the sandbox runs for the outbound webhooks (issue 15), when the config has some: the SQS
 * stand-in holding the template's queues (sandbox/local-aws/sqs.ts), a loopback receiver the
 * delivery function is pointed at (every webhook at `${receiver}/<name>`, through WEBHOOK_URLS), the
 * webhooks' secrets, and the template's event source mapping played against the real webhook bundle.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsWebhookQueue } from '../lambdas/adapters/webhook-queue';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import { ENV } from '../lambdas/contract/env';
import { webhookSecretArns } from '../lambdas/contract/webhook-delivery';
import { signingKeys } from '../lambdas/domain/webhooks';
import type { WebhookPorts } from '../lambdas/services/lifecycle/deps';
import { LocalSqs, sqsEventSourcesOf } from './local-aws/sqs';
import { startWebhookReceiver, type WebhookReceiver } from './local-aws/webhook-receiver';
import type { CfnTemplateJson } from './sfn-local/cfn-resolve';
import { SANDBOX_REGION } from './sfn-local/cfn-resolve';
import type { SimClock } from './sfn-local/sim-clock';

/**
 * What every webhook secret holds in the sandbox: two signing keys, as during a rotation, so every
 * delivery carries two `v1=` signatures. The receiver holds only the first.
 */
export const SANDBOX_WEBHOOK_SECRET = 'whsec_sandbox_current\nwhsec_sandbox_previous';

export interface WebhookStandIns {
  readonly sqs: LocalSqs;
  readonly receiver: WebhookReceiver;
  /** Secret ARN → value, for the Secrets Manager stand-in. */
  readonly secrets: Readonly<Record<string, string>>;
  /** The sandbox's value of a function's env var where it is not the template's (WEBHOOK_URLS). */
  envValue(key: string): string | undefined;
  /** Plays the template's SQS event source mappings against the loaded functions, by logical id. */
  attach(functions: ReadonlyMap<string, { invoke(event: unknown): Promise<unknown> }>): void;
  /** The webhook ports of the in-process paths (the CLI's acknowledge), queuing through `endpoint`. */
  ports(endpoint: string, queueUrl: string | undefined): { webhooks?: WebhookPorts };
  stop(): Promise<void>;
}

/** The stand-ins, or undefined when the config has no webhooks. */
export const startWebhookStandIns = async (
  config: DeploymentConfig,
  template: CfnTemplateJson,
  clock: SimClock,
): Promise<WebhookStandIns | undefined> => {
  const webhooks = config.webhooks ?? [];
  if (webhooks.length === 0) return undefined;
  const sqs = new LocalSqs(template, clock);
  const keys = signingKeys(SANDBOX_WEBHOOK_SECRET).slice(0, 1);
  const receiver = await startWebhookReceiver(keys, () => clock.now());
  let client: SQSClient | undefined;
  return {
    sqs,
    receiver,
    secrets: Object.fromEntries(webhookSecretArns(webhooks).map((arn) => [arn, SANDBOX_WEBHOOK_SECRET])),
    envValue: (key) =>
      key === ENV.webhookUrls
        ? JSON.stringify(Object.fromEntries(webhooks.map((w) => [w.name, `${receiver.baseUrl}/${w.name}`])))
        : undefined,
    attach: (functions) => {
      for (const mapping of sqsEventSourcesOf(template)) {
        const fn = functions.get(mapping.functionLogicalId);
        if (!fn)
          throw new Error(
            `the event source mapping names no function of the template: ${mapping.functionLogicalId}`,
          );
        sqs.consume(mapping.queueLogicalId, (event) => fn.invoke(event));
      }
    },
    ports: (endpoint, queueUrl) => {
      if (queueUrl === undefined) throw new Error('the lifecycle function has no WEBHOOK_QUEUE_URL');
      client ??= new SQSClient({
        region: SANDBOX_REGION,
        credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
        endpoint,
        useQueueUrlAsEndpoint: false,
      });
      return { webhooks: { webhooks, queue: new SqsWebhookQueue(client, queueUrl) } };
    },
    stop: async () => {
      client?.destroy();
      await receiver.stop();
    },
  };
};
