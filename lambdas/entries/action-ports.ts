/**
 * The custom action ports of the automation function (issue 15): the action locks over the incident
 * table, `fetch` for `http` actions at the base URLs the stack set in the env, SSM Automation for
 * `ssm-automation` actions, Lambda for `lambda` actions, and the `http` actions' secrets read
 * from Secrets Manager when first needed and cached for the container (re-read after SecretsAdapter's
 * TTL, so a rotated credential is picked up without a deploy). None for a config without actions.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ActionLocks } from '../adapters/action-lock';
import { FetchHttpAction } from '../adapters/http-action';
import { InvokeLambdaAction } from '../adapters/lambda-action';
import { SecretsAdapter } from '../adapters/secrets';
import { SsmAutomationAdapter } from '../adapters/ssm-automation';
import { httpActionBaseUrls } from '../contract/action-access';
import type { DeploymentConfig } from '../contract/config-schema';
import { ENV, requireEnv, requireStringMapEnv } from '../contract/env';
import type { CustomActionPorts } from '../services/custom-actions';

/** The region of a secret's ARN: its client is made there, wherever the function runs. */
const regionOf = (arn: string): string => arn.split(':')[3] ?? '';

export const customActionPorts = (
  config: DeploymentConfig,
  doc: DynamoDBDocumentClient,
  ssm: SSMClient,
  clientFor: (region: string) => SecretsManagerClient = (region) => new SecretsManagerClient({ region }),
): { actions?: CustomActionPorts } => {
  if (Object.keys(config.actions ?? {}).length === 0) return {};
  const clients = new Map<string, SecretsManagerClient>();
  const secrets = new Map<string, SecretsAdapter>();
  const secret = (arn: string): Promise<string> => {
    let adapter = secrets.get(arn);
    if (!adapter) {
      const region = regionOf(arn);
      const client = clients.get(region) ?? clientFor(region);
      clients.set(region, client);
      adapter = new SecretsAdapter(client, arn);
      secrets.set(arn, adapter);
    }
    return adapter.value();
  };
  const hasHttp = Object.keys(httpActionBaseUrls(config.actions)).length > 0;
  const hasLambda = Object.values(config.actions ?? {}).some((a) => a.type === 'lambda');
  return {
    actions: {
      locks: new ActionLocks(doc, requireEnv(ENV.tableName)),
      http: new FetchHttpAction(),
      automation: new SsmAutomationAdapter(ssm),
      ...(hasLambda ? { lambda: new InvokeLambdaAction(new LambdaClient({})) } : {}),
      secret,
      ...(hasHttp ? { httpBaseUrls: requireStringMapEnv(ENV.httpActionBaseUrls) } : {}),
    },
  };
};
