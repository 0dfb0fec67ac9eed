/**
 * The custom actions' wiring on the automation function (issue 15), granted and wired together:
 * for `http` actions, their base URLs in its env and `secretsmanager:GetSecretValue` on exactly
 * their auth secrets. Nothing is granted for a config without actions.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { actionSecretArns, httpActionBaseUrls } from '../../lambdas/contract/action-access';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';
import { ENV } from '../../lambdas/contract/env';

/**
 * Lets `fn` run the config's custom actions. A secret encrypted with a customer managed key also
 * needs `kms:Decrypt` for the function's role in that key's policy, which the config cannot name.
 */
export const grantCustomActions = (actions: DeploymentConfig['actions'], fn: lambda.Function): void => {
  const urls = httpActionBaseUrls(actions);
  if (Object.keys(urls).length > 0) fn.addEnvironment(ENV.httpActionBaseUrls, JSON.stringify(urls));
  const secrets = actionSecretArns(actions);
  if (secrets.length > 0) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadCustomActionSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: secrets,
      }),
    );
  }
};
