import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/contract/config';
import { INCIDENT_METRICS } from '../../lambdas/contract/metrics-design';
import { ESCALATION_STATES } from '../../lib/constructs/escalation-workflow';
import { STATES } from '../../lib/constructs/lifecycle-workflow';
import { TIER_TAG } from '../../lib/constructs/notifications';
import { POST_MORTEM_STATES } from '../../lib/constructs/post-mortem-workflow';
import { ResponderApi } from '../../lib/constructs/responder-api';
import { longestSuppression } from '../../lib/incident-response-stack';
import { appTemplate } from '../support/app-template';
import { composeTestApp, exampleInput, minimalInput } from '../support/fixtures';
import {
  actionsOf,
  identityStatements,
  idsOf,
  onlyIdOf,
  type PolicyStatementJson,
  reachableAvoiding,
  refText,
  resourcePolicyStatements,
  type StateMachineSuffix,
  stateMachineDefinition,
  stateMachineId,
  tasksOf,
  tokensToText,
} from '../support/template';

/**
 * The app built from the example config with `extra`, as asked for: its template, synthesized once per
 * config for the run (appTemplate), or its stack, built afresh.
 */
const synth = (extra: Record<string, unknown> = {}) => {
  const input = { ...exampleInput(), ...extra };
  return {
    get template() {
      return appTemplate(input);
    },
    get stack() {
      return composeTestApp(input).stack;
    },
  };
};

/** The environment variables of the function whose INCIDENT_HANDLER is `handler`. */
/** Every function's INCIDENT_HANDLER, in one order the env tests compare with. */
const HANDLERS = ['automation', 'ingest', 'intake', 'lifecycle', 'responder'] as const;

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

  it('outputs what the operator CLI reads: the table, the three state machines, the tier topics, the responder URL and link signing, the operators topic, the report bucket, the dashboard', () => {
    const { template } = synth();
    const operatorsTopic = onlyIdOf(template, 'AWS::SNS::Topic', {
      DisplayName: 'incident response: alarms on the workflow itself',
    });

    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([
      'DashboardName',
      'DashboardUrl',
      'EscalationStateMachineArn',
      'IncidentTableName',
      'LinkTtlMinutes',
      'OperatorsTopicArn',
      'PersonTopicArnPrefix',
      'PostMortemStateMachineArn',
      'ReportBucketName',
      'ResponderUrl',
      'SigningSecretArn',
      'StateMachineArn',
      'TierTopicArns',
    ]);
    // The CLI signs the links of the pages it sends as the lifecycle does.
    template.hasOutput('SigningSecretArn', {
      Value: { Ref: onlyIdOf(template, 'AWS::SecretsManager::Secret') },
    });
    template.hasOutput('LinkTtlMinutes', { Value: '1440' });
    template.hasOutput('PostMortemStateMachineArn', {
      Value: { Ref: stateMachineId(template, '-postmortem') },
    });
    template.hasOutput('ReportBucketName', {
      Value: {
        Ref: onlyIdOf(template, 'AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } }),
      },
    });
    template.hasOutput('DashboardName', { Value: 'IncidentResponse-incidents' });
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'IncidentResponse-incidents',
    });
    expect(tokensToText(template.toJSON().Outputs.DashboardUrl.Value)).toBe(
      'https://<Ref:AWS::Region>.console.aws.amazon.com/cloudwatch/home?region=<Ref:AWS::Region>#dashboards/dashboard/IncidentResponse-incidents',
    );
    template.hasOutput('EscalationStateMachineArn', {
      Value: { Ref: stateMachineId(template, '-escalation') },
    });
    template.hasOutput('IncidentTableName', { Value: { Ref: onlyIdOf(template, 'AWS::DynamoDB::Table') } });
    template.hasOutput('StateMachineArn', { Value: { Ref: stateMachineId(template, '-lifecycle') } });
    template.hasOutput('ResponderUrl', {
      Value: { 'Fn::GetAtt': [onlyIdOf(template, 'AWS::Lambda::Url'), 'FunctionUrl'] },
    });
    template.hasOutput('OperatorsTopicArn', { Value: { Ref: operatorsTopic } });
  });

  it('builds three Standard state machines, named after the stack: the lifecycle, the escalation policy and the post-mortem reminders', () => {
    const { template } = synth({ stackName: 'IncidentResponseStaging' });

    expect(
      Object.values(template.findResources('AWS::StepFunctions::StateMachine'))
        .map((r) => [r.Properties.StateMachineName, r.Properties.StateMachineType])
        .sort(),
    ).toEqual([
      ['IncidentResponseStaging-escalation', 'STANDARD'],
      ['IncidentResponseStaging-lifecycle', 'STANDARD'],
      ['IncidentResponseStaging-postmortem', 'STANDARD'],
    ]);
  });

  it('builds the five functions, and only those', () => {
    const { template } = synth();

    template.resourceCountIs('AWS::Lambda::Function', 5);
    for (const handler of ['intake', 'lifecycle', 'automation', 'responder', 'ingest']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: { INCIDENT_HANDLER: handler } },
      });
    }
  });

  it('gives the automation function more time than the others, for diagnostics', () => {
    const { template } = synth();
    const timeoutOf = (handler: string) =>
      template.toJSON().Resources[
        onlyIdOf(template, 'AWS::Lambda::Function', {
          Environment: { Variables: { INCIDENT_HANDLER: handler } },
        })
      ].Properties.Timeout;

    expect(timeoutOf('automation')).toBe(50);
    for (const handler of ['intake', 'lifecycle', 'responder', 'ingest']) {
      expect(timeoutOf(handler), handler).toBe(20);
    }
  });

  // Which function is told what, by env var; a function without it never reads it.
  it.each([
    ['TABLE_NAME', ['automation', 'intake', 'lifecycle', 'responder']],
    ['TIER_TOPIC_ARNS', ['lifecycle', 'responder']],
    ['SIGNING_SECRET_ARN', ['lifecycle', 'responder']],
    ['ESCALATION_STATE_MACHINE_ARN', ['lifecycle', 'responder']],
    ['LINK_TTL_MINUTES', ['lifecycle', 'responder']],
    ['RESPONDER_BASE_URL', ['lifecycle']],
    ['STATE_MACHINE_ARN', ['ingest']],
    ['POSTMORTEM_STATE_MACHINE_ARN', ['lifecycle']],
    ['REPORT_BUCKET', ['lifecycle']],
    ['POWERTOOLS_METRICS_NAMESPACE', ['intake', 'lifecycle']],
  ])('tells %s to %j, and to no other function', (variable, handlers) => {
    const { template } = synth();
    const told = HANDLERS.filter((handler) => variable in envOf(template, handler));

    expect(told).toEqual(handlers);
  });

  it('tells the table to every function that stores incidents, by reference', () => {
    const { template } = synth();
    const table = { Ref: onlyIdOf(template, 'AWS::DynamoDB::Table') };

    for (const handler of ['intake', 'lifecycle', 'automation', 'responder']) {
      expect(envOf(template, handler).TABLE_NAME, handler).toEqual(table);
    }
  });

  it.each(['lifecycle', 'responder'])(
    'hands the %s function every tier topic by tier name, as JSON',
    (handler) => {
      const { template } = synth();
      const tierTopics = JSON.parse(tokensToText(envOf(template, handler).TIER_TOPIC_ARNS));

      expect(tierTopics).toEqual(
        Object.fromEntries(
          ['on-call', 'devops-lead', 'engineering-manager', 'cto'].map((tier) => [
            tier,
            refText(
              onlyIdOf(template, 'AWS::SNS::Topic', {
                Tags: Match.arrayWith([{ Key: TIER_TAG, Value: tier }]),
              }),
            ),
          ]),
        ),
      );
    },
  );

  it("points the lifecycle function's links at the responder URL, valid for the construct's link lifetime", () => {
    const { template } = synth();
    const lifecycle = envOf(template, 'lifecycle');

    expect(lifecycle.RESPONDER_BASE_URL).toEqual({
      'Fn::GetAtt': [onlyIdOf(template, 'AWS::Lambda::Url'), 'FunctionUrl'],
    });
    expect(lifecycle.LINK_TTL_MINUTES).toBe(String(ResponderApi.LINK_TTL.toMinutes()));
  });

  it('tells the ingest function the lifecycle state machine, and nothing about the table', () => {
    const { template } = synth();
    const ingest = envOf(template, 'ingest');

    expect(ingest.STATE_MACHINE_ARN).toEqual({ Ref: stateMachineId(template, '-lifecycle') });
    expect(ingest).not.toHaveProperty('TABLE_NAME');
    expect(ingest).not.toHaveProperty('TIER_TOPIC_ARNS');
  });

  it("tells the starters the escalation state machine's ARN, formatted from the name it is given", () => {
    const { template } = synth({ stackName: 'IncidentResponseStaging' });
    const escalation = template.toJSON().Resources[stateMachineId(template, '-escalation')];

    expect(escalation.Properties.StateMachineName).toBe('IncidentResponseStaging-escalation');
    for (const handler of ['lifecycle', 'responder']) {
      expect(tokensToText(envOf(template, handler).ESCALATION_STATE_MACHINE_ARN), handler).toBe(
        'arn:<Ref:AWS::Partition>:states:<Ref:AWS::Region>:<Ref:AWS::AccountId>:stateMachine:IncidentResponseStaging-escalation',
      );
    }
  });

  it("tells the lifecycle function the post-mortem state machine's ARN, formatted from its name, and the report bucket", () => {
    const { template } = synth({ stackName: 'IncidentResponseStaging' });
    const lifecycle = envOf(template, 'lifecycle');

    expect(tokensToText(lifecycle.POSTMORTEM_STATE_MACHINE_ARN)).toBe(
      'arn:<Ref:AWS::Partition>:states:<Ref:AWS::Region>:<Ref:AWS::AccountId>:stateMachine:IncidentResponseStaging-postmortem',
    );
    expect(lifecycle.REPORT_BUCKET).toEqual({
      Ref: onlyIdOf(template, 'AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } }),
    });
  });

  it('tells the intake and lifecycle functions the namespace of the incident metrics they emit', () => {
    const { template } = synth();

    for (const handler of ['intake', 'lifecycle']) {
      expect(envOf(template, handler).POWERTOOLS_METRICS_NAMESPACE, handler).toBe(INCIDENT_METRICS.namespace);
    }
  });

  it('keeps the reports in a versioned, SSL-only bucket whose removal and key follow the table settings', () => {
    const reportBucket = (template: Template) =>
      template.toJSON().Resources[
        onlyIdOf(template, 'AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } })
      ];
    const retained = reportBucket(synth().template);
    const { template } = synth({ table: { customerManagedKey: true, removalPolicy: 'destroy' } });
    const destroyed = reportBucket(template);

    expect(retained.DeletionPolicy).toBe('Retain');
    expect(retained.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
    });
    expect(destroyed.DeletionPolicy).toBe('Delete');
    expect(
      destroyed.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]
        .ServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: {
        'Fn::GetAtt': [
          onlyIdOf(template, 'AWS::KMS::Key', { Description: 'Encrypts the incident reports bucket' }),
          'Arn',
        ],
      },
    });
  });
});

describe('The longest suppression the lifecycle workflow sleeps through', () => {
  const configWith = (extra: Record<string, unknown>) => parseConfig({ ...minimalInput(), ...extra }, 'test');

  it('is the silence limit when no maintenance window is longer', () => {
    expect(longestSuppression(configWith({})).toMinutes()).toBe(24 * 60);
    expect(
      longestSuppression(
        configWith({
          silences: { maxHours: 48 },
          maintenanceWindows: [
            { service: '*', reason: 'patching', days: ['SUN'], startUtc: '02:00', durationMinutes: 120 },
          ],
        }),
      ).toMinutes(),
    ).toBe(48 * 60);
  });

  it('is the longest weekly or one-off maintenance window when it outlasts the silence limit', () => {
    const config = configWith({
      silences: { maxHours: 1 },
      maintenanceWindows: [
        { service: 'checkout', reason: 'db upgrade', days: ['SAT'], startUtc: '22:00', durationMinutes: 300 },
        {
          service: '*',
          reason: 'region move',
          from: '2026-05-01T20:00:00+02:00',
          until: '2026-05-02T20:30:00Z',
        },
      ],
    });

    // 18:00Z to 20:30Z the next day: 26 h 30 min.
    expect(longestSuppression(config).toMinutes()).toBe(26 * 60 + 30);
    expect(
      longestSuppression({
        ...config,
        maintenanceWindows: config.maintenanceWindows.slice(0, 1),
      }).toMinutes(),
    ).toBe(300);
  });

  it('is at least a minute, even for a window that ends before it starts', () => {
    const config = configWith({ silences: { maxHours: 1 } });

    expect(
      longestSuppression({
        ...config,
        silences: { maxHours: 0 },
        maintenanceWindows: [
          { service: '*', reason: 'typo', from: '2026-05-02T00:00:00Z', until: '2026-05-01T00:00:00Z' },
        ],
      }).toMinutes(),
    ).toBe(1);
  });

  it('is added to the lifecycle execution timeout', () => {
    const definitionWith = (extra: Record<string, unknown>) =>
      stateMachineDefinition(synth(extra).template, '-lifecycle');
    const longWindow = {
      maintenanceWindows: [
        { service: '*', reason: 'region move', from: '2026-05-01T00:00:00Z', until: '2026-05-04T00:00:00Z' },
      ],
    };

    expect((definitionWith(longWindow).TimeoutSeconds ?? 0) - (definitionWith({}).TimeoutSeconds ?? 0)).toBe(
      (72 - 24) * 3600,
    );
  });
});

/** The Tasks of each state machine that page a person. */
const PAGING_TASKS: Record<StateMachineSuffix, readonly string[]> = {
  '-lifecycle': [
    STATES.escalateFailure,
    STATES.escalateNotRecovered,
    STATES.escalateNotApproved,
    STATES.escalateMitigationFailed,
    STATES.escalateActionFailed,
  ],
  '-escalation': [ESCALATION_STATES.failed],
  '-postmortem': [POST_MORTEM_STATES.failed],
};

describe.each(Object.keys(PAGING_TASKS) as StateMachineSuffix[])(
  'the *%s state machine in the stack',
  (suffix) => {
    it('bounds every Task with a timeout, retries it, and catches its errors', () => {
      const definition = stateMachineDefinition(synth().template, suffix);

      expect(tasksOf(definition).length).toBeGreaterThan(PAGING_TASKS[suffix].length);
      for (const [name, state] of tasksOf(definition)) {
        expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
        expect(state.Retry?.length, name).toBeGreaterThan(0);
        expect(state.Catch?.length, name).toBeGreaterThan(0);
      }
    });

    it('fails only after paging a person', () => {
      const definition = stateMachineDefinition(synth().template, suffix);
      const fails = Object.keys(definition.States).filter((name) => definition.States[name]?.Type === 'Fail');

      expect(fails.length).toBeGreaterThan(0);
      expect(fails.filter((name) => reachableAvoiding(definition, new Set()).has(name))).toEqual(fails);
      expect(
        fails.filter((name) => reachableAvoiding(definition, new Set(PAGING_TASKS[suffix])).has(name)),
      ).toEqual([]);
    });
  },
);

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
  'logs:GetQueryResults',
  'logs:StopQuery',
  'cloudwatch:GetMetricData',
]);

/** Actions that only automation needs: acting on ECS, querying logs and metrics, the kill switch. */
const isAutomationAction = (action: string) =>
  /^(ecs|ssm):/.test(action) ||
  ['logs:StartQuery', 'logs:GetQueryResults', 'logs:StopQuery', 'cloudwatch:GetMetricData'].includes(action);

/** Logical ids of the IAM policies attached to the role of the function whose INCIDENT_HANDLER is `handler`. */
const policiesOf = (template: Template, handler: string): string[] => {
  const fn = onlyIdOf(template, 'AWS::Lambda::Function', {
    Environment: { Variables: { INCIDENT_HANDLER: handler } },
  });
  const [roleId] = template.toJSON().Resources[fn].Properties.Role['Fn::GetAtt'];
  return idsOf(template, 'AWS::IAM::Policy', { Roles: [{ Ref: roleId }] });
};

const isWildcardAction = (action: string) => action === '*' || action.endsWith(':*');

/** The handler whose role owns the IAM policy `policyId`, or the policy id when no function owns it. */
const ownerName = (template: Template, policyId: string): string =>
  HANDLERS.find((handler) => policiesOf(template, handler).includes(policyId)) ?? policyId;

/** The owners (handler names, or policy ids) of the statements that grant `action`, sorted. */
const granteesOf = (
  template: Template,
  action: string,
  where: (statement: PolicyStatementJson) => boolean = () => true,
): string[] =>
  [
    ...new Set(
      identityStatements(template)
        .filter((s) => actionsOf(s).includes(action) && where(s))
        .map((s) => ownerName(template, s.owner)),
    ),
  ].sort();

/** Whether `statement` names the state machine called `name`, by formatted ARN. */
const onStateMachineNamed = (name: string) => (statement: PolicyStatementJson) =>
  [statement.Resource].flat().some((r) => tokensToText(r).endsWith(`:stateMachine:${name}`));

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

  it.each(variants)(
    'uses Resource * only where AWS offers no resource-level permission with %s',
    (_name, extra) => {
      const { template } = synth(extra);
      const onEverything = identityStatements(template).filter((s) => [s.Resource].flat().includes('*'));
      const unconditional = onEverything.filter((s) => s.Condition === undefined);
      const conditional = onEverything.filter((s) => s.Condition !== undefined);

      expect(unconditional.filter((s) => !actionsOf(s).every((a) => RESOURCELESS_ACTIONS.has(a)))).toEqual(
        [],
      );
      // ListTasks takes no task ARN: the ecs:cluster condition holds it to the watched cluster.
      expect(
        conditional.map((s) => ({
          owner: s.owner,
          Action: actionsOf(s),
          clusters: Object.entries(s.Condition as Record<string, Record<string, unknown[]>>).map(
            ([operator, keys]) => [operator, Object.keys(keys), Object.values(keys).flat().map(tokensToText)],
          ),
        })),
      ).toEqual([
        {
          owner: policiesOf(template, 'automation')[0],
          Action: ['ecs:ListTasks'],
          clusters: [
            [
              'ArnEquals',
              ['ecs:cluster'],
              ['arn:<Ref:AWS::Partition>:ecs:<Ref:AWS::Region>:<Ref:AWS::AccountId>:cluster/prod'],
            ],
          ],
        },
      ]);
      // The five functions' X-Ray writes, each of the three state machines' X-Ray and log delivery,
      // automation's query results and metrics, and its ListTasks.
      expect(onEverything.length).toBe(5 + 3 * 2 + 2);
    },
  );

  it('lets only the functions that store incidents read and write the table', () => {
    const { template } = synth();

    expect(granteesOf(template, 'dynamodb:UpdateItem')).toEqual([
      'automation',
      'intake',
      'lifecycle',
      'responder',
    ]);
  });

  it('lets only the lifecycle and responder functions page, start escalations and read the signing secret', () => {
    const { template } = synth();

    expect(granteesOf(template, 'sns:Publish')).toEqual(['lifecycle', 'responder']);
    expect(granteesOf(template, 'secretsmanager:GetSecretValue')).toEqual(['lifecycle', 'responder']);
    expect(
      granteesOf(template, 'states:StartExecution', onStateMachineNamed('IncidentResponse-escalation')),
    ).toEqual(['lifecycle', 'responder']);
  });

  it('lets only the lifecycle function start post-mortem reminders', () => {
    const { template } = synth();

    expect(
      granteesOf(template, 'states:StartExecution', onStateMachineNamed('IncidentResponse-postmortem')),
    ).toEqual(['lifecycle']);
  });

  it.each([
    ['S3-managed', {}],
    ['customer managed', { table: { customerManagedKey: true, removalPolicy: 'destroy' } }],
  ])(
    'lets only the lifecycle function read and write reports, under reports/ only, with %s keys',
    (_name, extra) => {
      const { template } = synth(extra);
      const bucket = onlyIdOf(template, 'AWS::S3::Bucket', {
        VersioningConfiguration: { Status: 'Enabled' },
      });
      const s3Statements = identityStatements(template).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('s3:')),
      );

      expect(
        s3Statements.map((s) => ({
          owner: ownerName(template, s.owner),
          Action: actionsOf(s),
          Resource: [s.Resource].flat().map(tokensToText),
          Condition: s.Condition,
        })),
      ).toEqual([
        {
          owner: 'lifecycle',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: [`<GetAtt:${bucket}.Arn>/reports/*`],
          Condition: undefined,
        },
        {
          owner: 'lifecycle',
          Action: ['s3:ListBucket'],
          Resource: [`<GetAtt:${bucket}.Arn>`],
          Condition: { StringLike: { 's3:prefix': ['reports/*'] } },
        },
      ]);
    },
  );

  it('lets the intake, lifecycle and responder functions answer the lifecycle callbacks, and nothing else', () => {
    const { template } = synth();

    for (const action of ['states:SendTaskSuccess', 'states:SendTaskFailure']) {
      expect(granteesOf(template, action), action).toEqual(['intake', 'lifecycle', 'responder']);
      expect(granteesOf(template, action, onStateMachineNamed('IncidentResponse-lifecycle')), action).toEqual(
        ['intake', 'lifecycle', 'responder'],
      );
    }
  });

  it('lets the ingest function and the alarm rule start lifecycle executions, and nobody else', () => {
    const { template } = synth();
    const lifecycle = { Ref: stateMachineId(template, '-lifecycle') };
    const starters = identityStatements(template).filter((s) =>
      actionsOf(s).includes('states:StartExecution'),
    );
    const ofLifecycle = starters.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(lifecycle));

    const others = starters.filter((s) => !ofLifecycle.includes(s));

    expect(ofLifecycle).toHaveLength(2);
    expect(ofLifecycle.map((s) => ownerName(template, s.owner))).toEqual(
      expect.arrayContaining(['ingest', expect.stringMatching(/^LifecycleStateMachineEventsRole/)]),
    );
    // The rest start escalations and post-mortem reminders, by the formatted ARN: a reference would
    // make a dependency cycle.
    expect(others.map((s) => ownerName(template, s.owner)).sort()).toEqual([
      'lifecycle',
      'lifecycle',
      'responder',
    ]);
    expect(
      others.every(
        (s) =>
          onStateMachineNamed('IncidentResponse-escalation')(s) ||
          onStateMachineNamed('IncidentResponse-postmortem')(s),
      ),
    ).toBe(true);
  });

  it('lets only the automation function act on ECS, query logs and metrics, and read the kill switch', () => {
    const { template } = synth();
    const owners = identityStatements(template)
      .filter((s) => actionsOf(s).some(isAutomationAction))
      .map((s) => s.owner);

    expect(owners.length).toBeGreaterThanOrEqual(5);
    expect([...new Set(owners)]).toEqual(policiesOf(template, 'automation'));
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

describe('Tickets (issue 15)', () => {
  const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
  const github = {
    tickets: { provider: 'github', owner: 'acme', repo: 'incidents', tokenSecretArn: secret('gh-token') },
  };
  const jira = {
    tickets: {
      provider: 'jira',
      baseUrl: 'https://acme.atlassian.net',
      projectKey: 'OPS',
      emailSecretArn: secret('jira-email'),
      tokenSecretArn: secret('jira-token'),
    },
  };
  const readsSecret = (arn: string) => (s: PolicyStatementJson) => [s.Resource].flat().includes(arn);

  it.each([
    ['GitHub', github, 'https://api.github.com', [secret('gh-token')]],
    ['Jira', jira, 'https://acme.atlassian.net', [secret('jira-email'), secret('jira-token')]],
  ] as const)(
    '%s: the lifecycle and responder functions get the API URL and read exactly its secrets',
    (_name, extra, url, arns) => {
      const { template } = synth(extra);

      for (const arn of arns) {
        expect(granteesOf(template, 'secretsmanager:GetSecretValue', readsSecret(arn))).toEqual([
          'lifecycle',
          'responder',
        ]);
      }
      const ticketStatements = identityStatements(template).filter((s) =>
        arns.some((arn) => [s.Resource].flat().includes(arn)),
      );
      expect(
        ticketStatements.map((s) => ({ actions: actionsOf(s), resources: [s.Resource].flat() })),
      ).toEqual([
        { actions: ['secretsmanager:GetSecretValue'], resources: [...arns] },
        { actions: ['secretsmanager:GetSecretValue'], resources: [...arns] },
      ]);
      expect(HANDLERS.filter((h) => envOf(template, h).TICKET_API_URL !== undefined)).toEqual([
        'lifecycle',
        'responder',
      ]);
      expect(envOf(template, 'lifecycle').TICKET_API_URL).toBe(url);
    },
  );

  it('without tickets, no function has the API URL and only the signing secret is read', () => {
    const { template } = synth();

    expect(HANDLERS.filter((h) => envOf(template, h).TICKET_API_URL !== undefined)).toEqual([]);
    expect(
      identityStatements(template).filter((s) =>
        [s.Resource].flat().some((r) => typeof r === 'string' && r.includes(':secret:')),
      ),
    ).toEqual([]);
  });
});

describe('Status page (issue 14)', () => {
  const statusPage = {
    statusPage: { title: 'Example status', components: [{ name: 'Checkout', services: ['checkout'] }] },
  };

  it('publishes from the lifecycle and responder functions only, with PutObject on its three objects, and outputs its URL', () => {
    const { template } = synth(statusPage);
    const bucket = onlyIdOf(template, 'AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: Match.anyValue(),
      LoggingConfiguration: Match.absent(),
      VersioningConfiguration: Match.absent(),
      LifecycleConfiguration: Match.absent(),
    });
    const onStatusBucket = (s: PolicyStatementJson) => JSON.stringify(s.Resource).includes(bucket);

    // Besides the two functions, only the deploy-time seed writes there (one policy per object).
    const grantees = granteesOf(template, 's3:PutObject', onStatusBucket);
    expect(grantees.filter((g) => !g.startsWith('StatusSiteSeed'))).toEqual(['lifecycle', 'responder']);
    expect(grantees.filter((g) => g.startsWith('StatusSiteSeed'))).toHaveLength(3);
    expect(
      identityStatements(template)
        .filter(onStatusBucket)
        .map((s) => actionsOf(s)),
    ).toEqual(Array(5).fill(['s3:PutObject']));
    expect(HANDLERS.filter((h) => envOf(template, h).STATUS_BUCKET !== undefined)).toEqual([
      'lifecycle',
      'responder',
    ]);
    expect(template.toJSON().Outputs.StatusPageUrl.Value).toEqual({
      'Fn::Join': [
        '',
        ['https://', { 'Fn::GetAtt': [onlyIdOf(template, 'AWS::CloudFront::Distribution'), 'DomainName'] }],
      ],
    });
  });

  describe('with statusPage.region: the page is its own stack there', () => {
    const page = { ...statusPage.statusPage, region: 'eu-central-1' };
    const bucketName = {
      'Fn::Join': ['', ['incidentresponse-status-', { Ref: 'AWS::AccountId' }, '-eu-central-1']],
    };

    it('this stack has no bucket or distribution, and publishes across regions by the bucket name', () => {
      const { template } = synth({ env: { region: 'us-east-1' }, statusPage: page });

      template.resourceCountIs('AWS::CloudFront::Distribution', 0);
      expect(template.toJSON().Outputs.StatusPageUrl).toBeUndefined();
      for (const handler of ['lifecycle', 'responder'] as const)
        expect(envOf(template, handler)).toMatchObject({
          STATUS_BUCKET: bucketName,
          STATUS_BUCKET_REGION: 'eu-central-1',
        });
      const onStatusBucket = (s: PolicyStatementJson) =>
        JSON.stringify(s.Resource).includes('incidentresponse-status-');
      console.log(granteesOf(template, 's3:PutObject', onStatusBucket));
      expect(granteesOf(template, 's3:PutObject', onStatusBucket)).toEqual(['lifecycle', 'responder']);
      const [statement] = identityStatements(template).filter(onStatusBucket);
      expect(actionsOf(statement as PolicyStatementJson)).toEqual(['s3:PutObject']);
      expect(statement?.Resource).toEqual(
        ['index.html', 'status.json', 'history.atom'].map((key) => ({
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':s3:::incidentresponse-status-',
              { Ref: 'AWS::AccountId' },
              `-eu-central-1/${key}`,
            ],
          ],
        })),
      );
    });

    it('the status stack, in that region, holds the private bucket by that name, CloudFront with OAC, and the URL', () => {
      const { app } = composeTestApp({ ...exampleInput(), env: { region: 'us-east-1' }, statusPage: page });
      const status = app.node.findChild('IncidentResponse-status') as Stack;
      const template = Template.fromStack(status);

      expect(status.region).toBe('eu-central-1');
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: bucketName,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      template.resourceCountIs('AWS::CloudFront::Distribution', 1);
      template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
      // Only the CDK's AwsCustomResource function, which seeds the page at deploy.
      template.resourceCountIs('AWS::Lambda::Function', 1);
      template.resourceCountIs('Custom::AWS', 3);
      expect(template.toJSON().Outputs.StatusPageUrl).toBeDefined();
    });

    it("warns when statusPage.region is the stack's own region", () => {
      const warned = (region: string) =>
        Annotations.fromStack(synth({ env: { region }, statusPage: page }).stack).findWarning(
          '*',
          Match.stringLikeRegexp("statusPage.region is eu-central-1, this stack's own region"),
        );

      expect(warned('eu-central-1')).toHaveLength(1);
      expect(warned('us-east-1')).toEqual([]);
    });

    it('a stackName too long for the bucket name fails the synth, naming stackName and the longest that fits', () => {
      expect(() =>
        composeTestApp({ ...exampleInput(), stackName: `Incident${'x'.repeat(30)}`, statusPage: page }),
      ).toThrow(
        /stackName: "Incidentx+" is too long for a status page in statusPage.region eu-central-1: its bucket name would be 71 characters and S3 allows 63; shorten stackName to at most 30 characters/,
      );
    });

    it('a stackName whose bucket name would start with a prefix S3 reserves fails the synth, naming stackName', () => {
      for (const [stackName, prefix] of [
        ['Xn--Ops', 'xn--'],
        ['Sthree-Ops', 'sthree-'],
      ] as const) {
        expect(() => composeTestApp({ ...exampleInput(), stackName, statusPage: page })).toThrow(
          `stackName: "${stackName}" cannot name a status page bucket in statusPage.region eu-central-1: S3 bucket names may not start with "${prefix}"`,
        );
      }
    });
  });

  it('without statusPage, no distribution, no status bucket, no STATUS_BUCKET', () => {
    const { template } = synth();

    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(HANDLERS.filter((h) => envOf(template, h).STATUS_BUCKET !== undefined)).toEqual([]);
  });
});
