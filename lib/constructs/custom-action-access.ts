/**
 * The custom actions' wiring on the automation function (issue 15), granted and wired together, and
 * nothing broader than the config names:
 * - `http`: their base URLs in its env, and `secretsmanager:GetSecretValue` on exactly their secrets;
 * - `ssm-automation`: `ssm:StartAutomationExecution` on each named runbook, both as the Service
 *   Authorization Reference names it (`automation-definition/NAME:VERSION`, `$DEFAULT` when the
 *   config names none) and as the Systems Manager guide's own example grants it (`document/NAME` and
 *   `automation-execution/*`): the two AWS pages differ, and a start denied at 3 a.m. is worse than
 *   a grant on the same named documents twice. An AWS-owned runbook (SSM reserves the prefixes aws,
 *   amazon and amzn) has no account in its ARNs. Get and Stop on the account's automation executions
 *   (their ids are not known before they start), and `iam:PassRole` on each action's
 *   AutomationAssumeRole only, to SSM only;
 * - `lambda`: `lambda:InvokeFunction` on exactly the named function ARNs (a qualified ARN, its
 *   version or alias only).
 * Nothing is granted for a config without actions.
 */
import { ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { actionSecretArns, httpActionBaseUrls, lambdaActionArns } from '../../lambdas/contract/action-access';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';
import type { SsmAutomationActionConfig } from '../../lambdas/contract/config-schema-integrations';
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
  const runbooks = Object.values(actions ?? {}).filter(
    (a): a is SsmAutomationActionConfig => a.type === 'ssm-automation',
  );
  if (runbooks.length > 0) grantRunbooks(fn, runbooks);
  const functions = lambdaActionArns(actions);
  if (functions.length > 0) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'InvokeNamedFunctions',
        actions: ['lambda:InvokeFunction'],
        resources: functions,
      }),
    );
  }
};

/**
 * SSM reserves these name prefixes for AWS's own documents (CreateDocument's Name), whose ARNs carry
 * no account: arn:aws:ssm:REGION::document/AWS-RestartEC2Instance.
 */
const AWS_OWNED_DOCUMENT = /^(aws|amazon|amzn)/i;

const grantRunbooks = (fn: lambda.Function, runbooks: readonly SsmAutomationActionConfig[]): void => {
  const stack = Stack.of(fn);
  const runbookArn = (resource: string, resourceName: string): string =>
    stack.formatArn({
      service: 'ssm',
      resource,
      resourceName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      ...(AWS_OWNED_DOCUMENT.test(resourceName) ? { account: '' } : {}),
    });
  const definitions = [
    ...new Set(runbooks.map((r) => `${r.documentName}:${r.documentVersion ?? '$DEFAULT'}`)),
  ];
  const documents = [...new Set(runbooks.map((r) => r.documentName))];
  const executions = stack.formatArn({
    service: 'ssm',
    resource: 'automation-execution',
    resourceName: '*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'StartNamedRunbooks',
      actions: ['ssm:StartAutomationExecution'],
      resources: [
        ...definitions.map((d) => runbookArn('automation-definition', d)),
        ...documents.map((d) => runbookArn('document', d)),
        executions,
      ],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'FollowAndStopRunbookExecutions',
      actions: ['ssm:GetAutomationExecution', 'ssm:StopAutomationExecution'],
      resources: [executions],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'PassRunbookRoles',
      actions: ['iam:PassRole'],
      resources: [...new Set(runbooks.map((r) => r.roleArn))],
      conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
    }),
  );
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  Validations.of(fn.role ?? fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${region}:${account}:automation-execution/*]`,
    reason:
      'StartAutomationExecution (as the Systems Manager guide grants it), GetAutomationExecution and StopAutomationExecution on the runbook executions the custom actions start, whose ids are only known once they have started; which documents may be started is limited by the named automation-definition and document ARNs',
  });
};
