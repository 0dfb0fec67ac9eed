/** The ports of the functions that page: the lifecycle steps and the responder endpoint. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsPager } from '../adapters/pager';
import { SecretsAdapter } from '../adapters/secrets';
import { SfnCallbacks } from '../adapters/workflow-callbacks';
import { SfnWorkflowStarter } from '../adapters/workflow-starter';
import { ENV, requireEnv, requireStringMapEnv } from '../contract/env';

/** The pager (one SNS topic per tier), the workflow's callbacks and the escalation workflow. */
export const pagingPorts = (sfn: SFNClient) => ({
  pager: new SnsPager(
    new SNSClient({}),
    requireStringMapEnv(ENV.tierTopicArns),
    requireEnv(ENV.personTopicArnPrefix),
  ),
  callbacks: new SfnCallbacks(sfn),
  escalations: new SfnWorkflowStarter(sfn, requireEnv(ENV.escalationStateMachineArn)),
});

/** The one-click links' signing secret, read from Secrets Manager when first needed. */
export const signingSecret = () => {
  const secrets = new SecretsAdapter(new SecretsManagerClient({}), requireEnv(ENV.signingSecretArn));
  return () => secrets.value();
};
