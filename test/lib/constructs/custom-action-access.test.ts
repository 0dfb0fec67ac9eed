/** The automation function's IAM for custom actions: exactly the named secrets, runbooks, roles. */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { DeploymentConfig } from '../../../lambdas/contract/config-schema';
import { integrationsConfigSchema } from '../../../lambdas/contract/config-schema-integrations';
import { grantCustomActions } from '../../../lib/constructs/custom-action-access';
import { stubFunction } from '../../support/stacks';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-token-AbCdEf';
const ROLE = 'arn:aws:iam::123456789012:role/cache-runbook';
const FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:warm-cache:live';
const ACTIONS = integrationsConfigSchema.parse({
  actions: {
    'open-circuit-breaker': {
      type: 'http',
      method: 'POST',
      baseUrl: 'https://admin.example.com',
      pathTemplate: '/admin/circuit-breaker/open',
      authSecretArn: SECRET,
    },
    'clear-cache': {
      type: 'ssm-automation',
      documentName: 'Acme-ClearCache',
      documentVersion: '3',
      parameters: { CacheName: '{{incident.service}}-cache' },
      parameterPatterns: { CacheName: '[a-z-]+-cache' },
      roleArn: ROLE,
    },
    'flush-sessions': { type: 'ssm-automation', documentName: 'Acme-FlushSessions', roleArn: ROLE },
    'warm-cache': { type: 'lambda', functionArn: FUNCTION },
  },
}).actions as DeploymentConfig['actions'];

const synth = (actions: DeploymentConfig['actions']) => {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const fn = stubFunction(stack, 'Automation');
  grantCustomActions(actions, fn);
  return Template.fromStack(stack);
};

const statements = (template: Template): Array<Record<string, unknown>> =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
        .PolicyDocument.Statement,
  );

describe('grantCustomActions', () => {
  it('grants the http secrets, the named runbooks at their versions, their executions, PassRole to SSM only, and the named functions', () => {
    const template = synth(ACTIONS);
    const bySid = Object.fromEntries(statements(template).map((s) => [s.Sid, s]));

    expect(bySid.ReadCustomActionSecrets).toMatchObject({
      Action: 'secretsmanager:GetSecretValue',
      Resource: SECRET,
    });
    const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
    expect(bySid.StartNamedRunbooks).toEqual({
      Sid: 'StartNamedRunbooks',
      Effect: 'Allow',
      Action: 'ssm:StartAutomationExecution',
      Resource: [
        arn(':ssm:eu-west-1:123456789012:automation-definition/Acme-ClearCache:3'),
        arn(':ssm:eu-west-1:123456789012:automation-definition/Acme-FlushSessions:$DEFAULT'),
        arn(':ssm:eu-west-1:123456789012:document/Acme-ClearCache'),
        arn(':ssm:eu-west-1:123456789012:document/Acme-FlushSessions'),
        arn(':ssm:eu-west-1:123456789012:automation-execution/*'),
      ],
    });
    expect(bySid.FollowAndStopRunbookExecutions).toMatchObject({
      Action: ['ssm:GetAutomationExecution', 'ssm:StopAutomationExecution'],
    });
    expect(bySid.PassRunbookRoles).toEqual({
      Sid: 'PassRunbookRoles',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: ROLE,
      Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          HTTP_ACTION_BASE_URLS: JSON.stringify({ 'open-circuit-breaker': 'https://admin.example.com' }),
        },
      },
    });
  });

  it("names an AWS-owned runbook's ARNs without an account, as SSM's public documents have none", () => {
    const owned = integrationsConfigSchema.parse({
      actions: {
        restart: { type: 'ssm-automation', documentName: 'AWS-RestartEC2Instance', roleArn: ROLE },
        support: { type: 'ssm-automation', documentName: 'AWSSupport-TroubleshootSSH', roleArn: ROLE },
      },
    }).actions as DeploymentConfig['actions'];
    const start = statements(synth(owned)).find((s) => s.Sid === 'StartNamedRunbooks');
    expect(JSON.stringify(start?.Resource)).toContain(
      ':ssm:eu-west-1::automation-definition/AWS-RestartEC2Instance:$DEFAULT',
    );
    expect(JSON.stringify(start?.Resource)).toContain(':ssm:eu-west-1::document/AWSSupport-TroubleshootSSH');
    expect(JSON.stringify(start?.Resource)).toContain(':ssm:eu-west-1:123456789012:automation-execution/*');
  });

  it('grants nothing and sets nothing without actions', () => {
    const template = synth(undefined);
    expect(statements(template)).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: Match.absent() });
  });
});
