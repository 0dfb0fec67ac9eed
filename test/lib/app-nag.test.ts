import { type App, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { composeTestApp, exampleInput } from '../support/fixtures';

const findings = (app: App) =>
  new AwsSolutionsChecks().validateScope(app).violations.map((v) => ({
    rule: v.ruleName,
    severity: v.severity,
    paths: v.violatingResources.map((r) => r.constructPath),
  }));

/**
 * Acknowledgements that do not name one AwsSolutions rule or do not say why. Reads what
 * `Validations.of(x).acknowledge(...)` records on the construct tree.
 */
const vagueAcknowledgements = (app: App) =>
  app.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        .map(([id, reason]) => ({ path: construct.node.path, id, reason })),
    )
    .filter(
      ({ id, reason }) => !/^(Annotation::)?AwsSolutions-[A-Za-z]+\d+/.test(id) || reason.trim().length < 30,
    );

/** One action of each type: secrets, a runbook (its executions are a wildcard), a role to pass, a function. */
const CUSTOM_ACTIONS = {
  'open-circuit-breaker': {
    type: 'http',
    method: 'POST',
    baseUrl: 'https://admin.example.com',
    pathTemplate: '/admin/circuit-breaker/open',
    authSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:checkout/admin-token-AbCdEf',
  },
  'clear-cache': {
    type: 'ssm-automation',
    documentName: 'Acme-ClearCache',
    roleArn: 'arn:aws:iam::123456789012:role/cache-runbook',
  },
  'warm-cache': { type: 'lambda', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:warm-cache' },
};

const variants = [
  ['the example config', {}],
  ['a customer managed key and destroy', { table: { customerManagedKey: true, removalPolicy: 'destroy' } }],
  // ARNs then carry the account and region themselves, not <AWS::AccountId> and <AWS::Region>.
  ['an explicit account and region', { env: { account: '123456789012', region: 'eu-west-1' } }],
  // payments has no taskRoleArns: PassRole on the account's roles, acknowledged by name.
  [
    'automation that may roll back, with and without task roles',
    {
      env: { account: '123456789012', region: 'eu-west-1' },
      automation: { dryRun: false, allowlist: ['checkout', 'payments'] },
      services: (exampleInput().services as Record<string, unknown>[]).map((s, i) =>
        i === 0 ? { ...s, taskRoleArns: ['arn:aws:iam::123456789012:role/checkout-task'] } : s,
      ),
    },
  ],
  [
    'automation that may roll back, payments without task roles, account unresolved',
    { automation: { dryRun: false, allowlist: ['checkout', 'payments'] } },
  ],
  [
    'maintenance windows and a longer silence limit',
    {
      silences: { maxHours: 72 },
      maintenanceWindows: [
        { service: '*', reason: 'patching', days: ['SUN'], startUtc: '02:00', durationMinutes: 240 },
        {
          service: 'checkout',
          reason: 'db move',
          from: '2026-05-01T00:00:00Z',
          until: '2026-05-08T00:00:00Z',
        },
      ],
    },
  ],
  [
    'Slack and Teams chat on the on-call tier',
    {
      contacts: {
        ...(exampleInput().contacts as Record<string, unknown>),
        'on-call': {
          email: ['oncall@example.com'],
          chat: {
            slackWorkspaceId: 'T0123456789',
            slackChannelId: 'C0123456789',
            teamsTeamId: '5f2c9a53-3c8e-4b0c-9d5e-1f0a2b3c4d5e',
            teamsTenantId: '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
            teamsChannelId: '19%3ab6d1e2f3a4b5c6d7e8f90a1b2c3d4e5f%40thread.tacv2',
          },
        },
      },
    },
  ],
  [
    'outbound webhooks (issue 15)',
    {
      webhooks: [
        {
          name: 'status-bot',
          url: 'https://hooks.example.com/incidents',
          secretArn:
            'arn:aws:secretsmanager:eu-west-1:123456789012:secret:incident-webhooks/status-bot-AbCdEf',
          events: ['incident.opened', 'incident.resolved'],
        },
      ],
    },
  ],
  ['custom remediation actions of every type (issue 15), account unresolved', { actions: CUSTOM_ACTIONS }],
  [
    'custom remediation actions of every type (issue 15), explicit account and region',
    { env: { account: '123456789012', region: 'eu-west-1' }, actions: CUSTOM_ACTIONS },
  ],
  [
    'a status page (issue 14)',
    { statusPage: { title: 'Example status', components: [{ name: 'Checkout', services: ['checkout'] }] } },
  ],
  [
    'a status page in its own stack in another region',
    {
      env: { region: 'us-east-1' },
      statusPage: {
        title: 'Example status',
        region: 'eu-central-1',
        components: [{ name: 'Checkout', services: ['checkout'] }],
      },
    },
  ],
] as const;

describe('cdk-nag AwsSolutions on the app', () => {
  it.each(variants)('finds nothing unacknowledged with %s', (_name, overrides) => {
    const { app, stack } = composeTestApp({ ...exampleInput(), ...overrides });
    const role = new iam.Role(stack, 'StoreUser', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    stack.incidentTable.grantReadWrite(role);

    expect(findings(app)).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  });

  it.each(variants)('has no acknowledgement without a specific reason with %s', (_name, overrides) => {
    const { app } = composeTestApp({ ...exampleInput(), ...overrides });

    expect(vagueAcknowledgements(app)).toEqual([]);
  });

  it('fails the synth on a finding, so the gate is live', () => {
    const { app, stack } = composeTestApp();
    new dynamodb.Table(stack, 'Unprotected', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });

    expect(findings(app)).toEqual([
      { rule: 'AwsSolutions-DDB3', severity: 'warning', paths: ['IncidentResponse/Unprotected/Resource'] },
    ]);
    expect(() => app.synth()).toThrow();
  });

  it('spots an acknowledgement without a real reason', () => {
    const { app, stack } = composeTestApp();
    Validations.of(stack).acknowledge({ id: 'AwsSolutions-DDB3', reason: 'ok' });
    Validations.of(stack).acknowledge({
      id: 'AwsSolutions-IAM4',
      reason: 'The AWSLambdaBasicExecutionRole managed policy grants only log writes',
    });

    expect(vagueAcknowledgements(app)).toEqual([
      { path: 'IncidentResponse', id: 'Annotation::AwsSolutions-DDB3', reason: 'ok' },
    ]);
  });
});
