/**
 * A deployed stack as the CLI reaches it with the user's AWS credentials: its outputs name the table,
 * the workflows and the tier topics, so the CLI acts through the same services as the Lambdas.
 */
import { randomUUID } from 'node:crypto';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { createDocumentClient, IncidentStore } from '../../lambdas/adapters/incident-store';
import { SnsPager } from '../../lambdas/adapters/pager';
import { SfnCallbacks } from '../../lambdas/adapters/workflow-callbacks';
import { SfnWorkflowStarter } from '../../lambdas/adapters/workflow-starter';
import { IncidentError } from '../../lambdas/domain/errors';
import { IncidentService } from '../../lambdas/services/incident-service';
import type { LifecycleDeps } from '../../lambdas/services/lifecycle';
import type { DeploymentConfig } from '../config/schema';

export class StackNotReadyError extends IncidentError {}

const REQUIRED = [
  'IncidentTableName',
  'StateMachineArn',
  'EscalationStateMachineArn',
  'TierTopicArns',
] as const;

export interface DeployedStack {
  readonly lifecycle: LifecycleDeps & { readonly store: IncidentStore; readonly incidents: IncidentService };
  readonly lifecycleStarter: SfnWorkflowStarter;
  close(): void;
}

export const connectToStack = async (
  stackName: string,
  config: DeploymentConfig,
  region?: string,
): Promise<DeployedStack> => {
  const clientConfig = region ? { region } : {};
  const cfn = new CloudFormationClient(clientConfig);
  let outputs: Record<string, string>;
  try {
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries(
      (Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
  } finally {
    cfn.destroy();
  }
  const missing = REQUIRED.filter((k) => !outputs[k]);
  if (missing.length > 0) {
    throw new StackNotReadyError(
      `stack ${stackName} has no output ${missing.join(', ')}: is it deployed with this version?`,
    );
  }
  const doc = createDocumentClient(clientConfig);
  const sfn = new SFNClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  const store = new IncidentStore(doc, outputs.IncidentTableName ?? '');
  const clock = () => new Date();
  const incidents = new IncidentService(
    store,
    { dedupFields: config.dedupKey, reopenWindowMinutes: config.reopenWindowMinutes, resolveOnOk: true },
    clock,
  );
  return {
    lifecycle: {
      store,
      incidents,
      pager: new SnsPager(sns, JSON.parse(outputs.TierTopicArns ?? '{}') as Record<string, string>),
      callbacks: new SfnCallbacks(sfn),
      config,
      clock,
      escalations: new SfnWorkflowStarter(sfn, outputs.EscalationStateMachineArn ?? ''),
    },
    lifecycleStarter: new SfnWorkflowStarter(sfn, outputs.StateMachineArn ?? ''),
    close: () => {
      doc.destroy();
      sfn.destroy();
      sns.destroy();
    },
  };
};

export const newDeclarationId = (): string => randomUUID();
