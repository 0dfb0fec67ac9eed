/**
 * A deployed stack as the CLI reaches it with the user's AWS credentials: its outputs name the table,
 * the workflows and the tier topics, so the CLI acts through the same services as the Lambdas.
 */
import { randomUUID } from 'node:crypto';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient, IncidentStore } from '../lambdas/adapters/incident-store';
import { OverrideStore } from '../lambdas/adapters/oncall-overrides';
import { SnsPager } from '../lambdas/adapters/pager';
import { regionOfArn } from '../lambdas/adapters/regional-clients';
import { type ReportWriter, S3ReportStore } from '../lambdas/adapters/report-store';
import { SecretsAdapter } from '../lambdas/adapters/secrets';
import { SqsWebhookQueue } from '../lambdas/adapters/webhook-queue';
import { SfnCallbacks } from '../lambdas/adapters/workflow-callbacks';
import { SfnWorkflowStarter } from '../lambdas/adapters/workflow-starter';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import { ticketApiUrl } from '../lambdas/contract/ticket-access';
import { IncidentError } from '../lambdas/domain/errors';
import { ticketPorts } from '../lambdas/entries/ticket-ports';
import type { LifecycleDeps } from '../lambdas/services/lifecycle/deps';
import { type Composed, composeDeps, type PagingPorts } from '../lambdas/wiring/compose';

export class StackNotReadyError extends IncidentError {}

const REQUIRED = [
  'IncidentTableName',
  'StateMachineArn',
  'EscalationStateMachineArn',
  'TierTopicArns',
] as const;

export interface DeployedStack {
  /** The services over the stack's table, composed as the Lambdas compose theirs. */
  readonly composed: Composed;
  /**
   * Paging through the stack's tier topics as the responder endpoint pages, and the ticket API. Pages
   * carry links to the stack's endpoint, signed with the stack's secret read with the user's
   * credentials (outputs ResponderUrl, SigningSecretArn, LinkTtlMinutes); a stack deployed before
   * those outputs pages without links.
   */
  readonly lifecycle: LifecycleDeps;
  readonly lifecycleStarter: SfnWorkflowStarter;
  close(): void;
}

/** The stack's outputs by key, read with DescribeStacks. */
export const readStackOutputs = async (
  stackName: string,
  region?: string,
): Promise<Record<string, string>> => {
  const cfn = new CloudFormationClient(region ? { region } : {});
  try {
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return Object.fromEntries(
      (Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
  } catch (error) {
    // CloudFormation answers a stack that does not exist with a ValidationError.
    if ((error as { name?: string }).name === 'ValidationError') {
      throw new StackNotReadyError(
        `no stack ${stackName} in this account and region (check --stack and --region): ${(error as Error).message}`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    cfn.destroy();
  }
};

/** @throws StackNotReadyError naming every output of `keys` the stack lacks */
export const requireOutputs = (
  stackName: string,
  outputs: Readonly<Record<string, string>>,
  keys: readonly string[],
): void => {
  const missing = keys.filter((k) => !outputs[k]);
  if (missing.length > 0) {
    throw new StackNotReadyError(
      `stack ${stackName} has no output ${missing.join(', ')}: is it deployed with this version?`,
    );
  }
};

export const connectToStack = async (
  stackName: string,
  config: DeploymentConfig,
  region?: string,
): Promise<DeployedStack> => {
  const clientConfig = region ? { region } : {};
  const outputs = await readStackOutputs(stackName, region);
  // A schedule pages people through their own topics, which stacks before on-call did not output.
  requireOutputs(stackName, outputs, [...REQUIRED, ...(config.oncall ? ['PersonTopicArnPrefix'] : [])]);
  const doc = createDocumentClient(clientConfig);
  const sfn = new SFNClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const secrets: SecretsManagerClient[] = [];
  const secretsClient = (secretRegion: string) => {
    const client = new SecretsManagerClient({ region: secretRegion });
    secrets.push(client);
    return client;
  };
  const composed = composeDeps(
    {
      store: new IncidentStore(doc, outputs.IncidentTableName ?? ''),
      overrides: new OverrideStore(doc, outputs.IncidentTableName ?? ''),
      clock: () => new Date(),
    },
    config,
  );
  return {
    composed,
    lifecycle: composed.lifecycle({
      pager: new SnsPager(
        sns,
        JSON.parse(outputs.TierTopicArns ?? '{}') as Record<string, string>,
        outputs.PersonTopicArnPrefix,
      ),
      callbacks: new SfnCallbacks(sfn),
      escalations: new SfnWorkflowStarter(sfn, outputs.EscalationStateMachineArn ?? ''),
      ...linksOf(outputs, secretsClient),
      ...webhooksOf(config, outputs, sqs),
      // `incident ack` comments on the ticket as a page link does, with the user's own credentials.
      ...(config.tickets
        ? { tickets: ticketPorts(config.tickets, ticketApiUrl(config.tickets), secretsClient) }
        : {}),
      checksSuppression: false,
    }),
    lifecycleStarter: new SfnWorkflowStarter(sfn, outputs.StateMachineArn ?? ''),
    close: () => {
      doc.destroy();
      sfn.destroy();
      sns.destroy();
      sqs.destroy();
      for (const client of secrets) client.destroy();
    },
  };
};

/**
 * The links the CLI's pages carry, as the lifecycle signs them: to the stack's responder endpoint,
 * with the signing secret read (once, when a page first needs it) with the user's own credentials.
 * None when the stack has not the outputs. A secret the user may not read leaves the links out of
 * the pages, which still go (services/lifecycle/paging.ts).
 */
export const linksOf = (
  outputs: Readonly<Record<string, string>>,
  secretsClient: (region: string) => SecretsManagerClient,
): { readonly links?: PagingPorts['links'] } => {
  const { ResponderUrl: baseUrl, SigningSecretArn: arn, LinkTtlMinutes: ttl } = outputs;
  const ttlMinutes = Number(ttl);
  if (!baseUrl || !arn || !Number.isSafeInteger(ttlMinutes) || ttlMinutes < 1) return {};
  // The secret is read in its own region.
  const secret = new SecretsAdapter(secretsClient(regionOfArn(arn)), arn);
  return { links: { baseUrl, ttlMinutes, secret: () => secret.value() } };
};

/**
 * The webhook deliveries' queue (output `WebhookQueueUrl`), so that an acknowledgement made with the
 * CLI reaches the receivers as one made from a page does, sent with the user's own credentials. None
 * without `webhooks`, or for a stack deployed before the output; a user who may not send to the queue
 * gets the failure on the timeline and the operators paged, as any queue failure.
 */
export const webhooksOf = (
  config: DeploymentConfig,
  outputs: Readonly<Record<string, string>>,
  sqs: SQSClient,
): Pick<LifecycleDeps, 'webhooks'> =>
  config.webhooks && config.webhooks.length > 0 && outputs.WebhookQueueUrl
    ? { webhooks: { webhooks: config.webhooks, queue: new SqsWebhookQueue(sqs, outputs.WebhookQueueUrl) } }
    : {};

export const newDeclarationId = (): string => randomUUID();

/**
 * The stack's report bucket (output `ReportBucketName`), to rewrite a report as the workflow does.
 * @throws StackNotReadyError when the stack has no report bucket
 */
export const openReportStore = async (
  stackName: string,
  outputs: Readonly<Record<string, string>>,
  region?: string,
): Promise<{ readonly reports: ReportWriter; close(): void }> => {
  requireOutputs(stackName, outputs, ['ReportBucketName']);
  const s3 = new S3Client(region ? { region } : {});
  const bucketRegion = region ?? (await s3.config.region());
  return {
    reports: new S3ReportStore(s3, outputs.ReportBucketName ?? '', bucketRegion),
    close: () => s3.destroy(),
  };
};
