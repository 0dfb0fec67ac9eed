import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { composeTestApp, exampleInput } from './fixtures';
import {
  actionsOf,
  identityStatements,
  onlyIdOf,
  refText,
  resourcePolicyStatements,
  tokensToText,
} from './template-helpers';

const synth = (extra: Record<string, unknown> = {}) => {
  const { stack } = composeTestApp({ ...exampleInput(), ...extra });
  return { stack, template: Template.fromStack(stack) };
};

/** The environment variables of the function whose INCIDENT_HANDLER is `handler`. */
const envOf = (template: Template, handler: string): Record<string, unknown> => {
  const id = onlyIdOf(template, 'AWS::Lambda::Function', {
    Environment: { Variables: { INCIDENT_HANDLER: handler } },
  });
  return template.toJSON().Resources[id].Properties.Environment.Variables;
};

describe('IncidentResponseStack', () => {
  it('takes its name and environment from the config', () => {
    expect(synth().stack.stackName).toBe('IncidentResponse');

    const { stack } = synth({
      stackName: 'IncidentResponseStaging',
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    expect(stack.stackName).toBe('IncidentResponseStaging');
    expect(stack.account).toBe('123456789012');
    expect(stack.region).toBe('eu-west-1');
  });

  it('outputs the incident table, the state machine and the operators topic', () => {
    const { template } = synth();
    const operatorsTopic = onlyIdOf(template, 'AWS::SNS::Topic', {
      DisplayName: 'incident response: alarms on the workflow itself',
    });

    template.hasOutput('IncidentTableName', { Value: { Ref: onlyIdOf(template, 'AWS::DynamoDB::Table') } });
    template.hasOutput('StateMachineArn', {
      Value: { Ref: onlyIdOf(template, 'AWS::StepFunctions::StateMachine') },
    });
    template.hasOutput('OperatorsTopicArn', { Value: { Ref: operatorsTopic } });
  });

  it('builds the three functions, and only those', () => {
    const { template } = synth();

    template.resourceCountIs('AWS::Lambda::Function', 3);
    for (const handler of ['intake', 'lifecycle', 'ingest']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: { INCIDENT_HANDLER: handler } },
      });
    }
  });

  it('tells the intake and lifecycle functions the table, and only the lifecycle the tier topics', () => {
    const { template } = synth();
    const table = { Ref: onlyIdOf(template, 'AWS::DynamoDB::Table') };
    const intake = envOf(template, 'intake');
    const lifecycle = envOf(template, 'lifecycle');

    expect(intake.TABLE_NAME).toEqual(table);
    expect(lifecycle.TABLE_NAME).toEqual(table);
    expect(intake).not.toHaveProperty('TIER_TOPIC_ARNS');
    expect(intake).not.toHaveProperty('STATE_MACHINE_ARN');
    expect(lifecycle).not.toHaveProperty('STATE_MACHINE_ARN');
  });

  it('hands the lifecycle function every tier topic by tier name, as JSON', () => {
    const { template } = synth();
    const tierTopics = JSON.parse(tokensToText(envOf(template, 'lifecycle').TIER_TOPIC_ARNS));

    expect(tierTopics).toEqual(
      Object.fromEntries(
        ['on-call', 'devops-lead', 'engineering-manager', 'cto'].map((tier) => [
          tier,
          refText(onlyIdOf(template, 'AWS::SNS::Topic', { DisplayName: `incident pages: ${tier}` })),
        ]),
      ),
    );
  });

  it('tells the ingest function the state machine, and nothing about the table', () => {
    const { template } = synth();
    const ingest = envOf(template, 'ingest');

    expect(ingest.STATE_MACHINE_ARN).toEqual({ Ref: onlyIdOf(template, 'AWS::StepFunctions::StateMachine') });
    expect(ingest).not.toHaveProperty('TABLE_NAME');
    expect(ingest).not.toHaveProperty('TIER_TOPIC_ARNS');
  });
});

/** Actions with no resource-level permissions, which IAM only accepts on `Resource: '*'`. */
const RESOURCELESS_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

const isWildcardAction = (action: string) => action === '*' || action.endsWith(':*');

describe('IAM scope', () => {
  const variants = [
    ['the example config', {}],
    [
      'a customer managed table key and an alarm topic',
      {
        table: { customerManagedKey: true, removalPolicy: 'destroy' },
        intake: { alarmTopicArns: ['arn:aws:sns:eu-west-1:123456789012:team-alarms'] },
      },
    ],
  ] as const;

  it.each(variants)('grants no wildcard action to any role with %s', (_name, extra) => {
    const statements = identityStatements(synth(extra).template);

    expect(statements.length).toBeGreaterThan(10);
    expect(statements.filter((s) => actionsOf(s).some(isWildcardAction))).toEqual([]);
  });

  it.each(variants)('uses Resource * only for X-Ray and log delivery with %s', (_name, extra) => {
    const statements = identityStatements(synth(extra).template);
    const onEverything = statements.filter((s) => [s.Resource].flat().includes('*'));

    expect(onEverything.filter((s) => !actionsOf(s).every((a) => RESOURCELESS_ACTIONS.has(a)))).toEqual([]);
    // The three functions' X-Ray writes, and the state machine's X-Ray and log delivery.
    expect(onEverything.length).toBe(5);
  });

  it('allows no wildcard action in topic and queue policies, nor in key policies beyond the account root', () => {
    const { template } = synth({
      intake: { alarmTopicArns: ['arn:aws:sns:eu-west-1:123456789012:team-alarms'] },
    });
    const allows = resourcePolicyStatements(template).filter((s) => s.Effect === 'Allow');
    const wildcard = allows.filter((s) => actionsOf(s).some(isWildcardAction));

    expect(allows.length).toBeGreaterThan(3);
    // The default key policy: the account root keeps administration of the key, so IAM policies decide.
    expect(wildcard).toEqual([
      expect.objectContaining({
        type: 'AWS::KMS::Key',
        Action: 'kms:*',
        Principal: {
          AWS: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
            ],
          },
        },
      }),
    ]);
  });
});
