import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/contract/config';
import { ServiceAutomation } from '../../../lib/constructs/service-automation';
import { composeTestApp, exampleInput, minimalInput } from '../../support/fixtures';
import {
  actionsOf,
  logicalIdOf,
  type PolicyStatementJson,
  roleStatements,
  tokensToText,
} from '../../support/template';

/** Parsed services: checkout and payments on the prod cluster, reports on the batch cluster. */
const servicesOf = (
  ...services: { name: string; cluster: string; service: string; logGroup: string; taskRoleArns?: string[] }[]
) => {
  const input = minimalInput();
  const [template] = input.services as Record<string, unknown>[];
  return parseConfig({ ...input, services: services.map((s) => ({ ...template, ...s })) }, 'test config')
    .services;
};

const SERVICES = servicesOf(
  { name: 'checkout', cluster: 'prod', service: 'checkout', logGroup: '/ecs/prod/checkout' },
  { name: 'payments', cluster: 'prod', service: 'payments-api', logGroup: '/ecs/prod/payments-api' },
  { name: 'reports', cluster: 'batch', service: 'reports', logGroup: '/ecs/batch/reports' },
);

const KILL_SWITCH = '/incident-response/automation-enabled';

const automationIn = (
  services = SERVICES,
  killSwitchParameterName = KILL_SWITCH,
  rollbackServices?: readonly string[],
) => {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const role = new iam.Role(stack, 'Automation', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  new ServiceAutomation(stack, 'ServiceAutomation', {
    grantee: role,
    services,
    killSwitchParameterName,
    rollbackServices,
  });
  return { app, stack, role };
};

/** A statement with its tokens as text, so ARNs read as `arn:<Ref:AWS::Partition>:ecs:...`. */
const readable = (statement: PolicyStatementJson) => ({
  Sid: statement.Sid,
  Action: actionsOf(statement),
  Resource: [statement.Resource].flat().map(tokensToText),
  ...(statement.Condition === undefined
    ? {}
    : {
        Condition: Object.fromEntries(
          Object.entries(statement.Condition as Record<string, Record<string, unknown>>).map(
            ([operator, keys]) => [
              operator,
              Object.fromEntries(
                Object.entries(keys).map(([key, values]) => [key, [values].flat().map(tokensToText)]),
              ),
            ],
          ),
        ),
      }),
});

const statementsOf = (
  services = SERVICES,
  killSwitchParameterName = KILL_SWITCH,
  rollbackServices?: readonly string[],
) => {
  const { stack, role } = automationIn(services, killSwitchParameterName, rollbackServices);
  return roleStatements(Template.fromStack(stack), logicalIdOf(role)).map(readable);
};

const arn = (service: string, resource: string) =>
  `arn:<Ref:AWS::Partition>:${service}:<Ref:AWS::Region>:<Ref:AWS::AccountId>:${resource}`;

/** IAM's glob: `*` matches any run of characters, `?` any one. */
const globMatches = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  ).test(value);

/** Whether any Allow statement names `action` on a resource pattern that covers `resource`. Conditions are ignored, so this over-approximates. */
const allows = (statements: ReturnType<typeof readable>[], action: string, resource: string) =>
  statements.some(
    (s) =>
      s.Action.some((a) => globMatches(a, action)) &&
      s.Resource.some((pattern) => globMatches(pattern, resource)),
  );

describe('ServiceAutomation', () => {
  it('grants exactly what automation needs on the configured services, and nothing else', () => {
    expect(statementsOf()).toEqual([
      {
        Sid: 'DescribeAndUpdateWatchedServices',
        Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
        Resource: [
          arn('ecs', 'service/prod/checkout'),
          arn('ecs', 'service/prod/payments-api'),
          arn('ecs', 'service/batch/reports'),
        ],
      },
      {
        Sid: 'ListTasksOfWatchedClusters',
        Action: ['ecs:ListTasks'],
        Resource: ['*'],
        Condition: {
          ArnEquals: { 'ecs:cluster': [arn('ecs', 'cluster/prod'), arn('ecs', 'cluster/batch')] },
        },
      },
      {
        Sid: 'DescribeTasksOfWatchedClusters',
        Action: ['ecs:DescribeTasks'],
        Resource: [arn('ecs', 'task/prod/*'), arn('ecs', 'task/batch/*')],
      },
      {
        Sid: 'QueryWatchedLogGroups',
        Action: ['logs:StartQuery'],
        Resource: [
          arn('logs', 'log-group:/ecs/prod/checkout:*'),
          arn('logs', 'log-group:/ecs/prod/payments-api:*'),
          arn('logs', 'log-group:/ecs/batch/reports:*'),
        ],
      },
      {
        Sid: 'ReadQueryResultsAndMetrics',
        Action: ['cloudwatch:GetMetricData', 'logs:GetQueryResults', 'logs:StopQuery'],
        Resource: ['*'],
      },
      {
        Sid: 'ReadKillSwitch',
        Action: ['ssm:GetParameter'],
        Resource: [arn('ssm', 'parameter/incident-response/automation-enabled')],
      },
    ]);
  });

  it('may update a configured service, but not another service, nor one of the same name on another cluster', () => {
    const statements = statementsOf();

    expect(allows(statements, 'ecs:UpdateService', arn('ecs', 'service/prod/checkout'))).toBe(true);
    expect(allows(statements, 'ecs:UpdateService', arn('ecs', 'service/batch/reports'))).toBe(true);
    for (const other of ['service/prod/admin', 'service/batch/checkout', 'service/staging/checkout']) {
      expect(allows(statements, 'ecs:UpdateService', arn('ecs', other)), other).toBe(false);
    }
    // The service's name in the config is not its ECS name: payments runs as payments-api.
    expect(allows(statements, 'ecs:UpdateService', arn('ecs', 'service/prod/payments'))).toBe(false);
  });

  it('reads the tasks and log groups of the watched services only', () => {
    const statements = statementsOf();

    expect(allows(statements, 'ecs:DescribeTasks', arn('ecs', 'task/prod/0f3c2a'))).toBe(true);
    expect(allows(statements, 'ecs:DescribeTasks', arn('ecs', 'task/staging/0f3c2a'))).toBe(false);
    expect(allows(statements, 'logs:StartQuery', arn('logs', 'log-group:/ecs/prod/checkout:*'))).toBe(true);
    expect(allows(statements, 'logs:StartQuery', arn('logs', 'log-group:/ecs/prod/admin:*'))).toBe(false);
    expect(allows(statements, 'ssm:GetParameter', arn('ssm', 'parameter/incident-response/other'))).toBe(
      false,
    );
  });

  it('names each cluster once, however many services run on it', () => {
    const statements = statementsOf(
      servicesOf(
        { name: 'a', cluster: 'prod', service: 'a', logGroup: '/ecs/a' },
        { name: 'b', cluster: 'prod', service: 'b', logGroup: '/ecs/b' },
      ),
    );

    expect(statements.find((s) => s.Sid === 'ListTasksOfWatchedClusters')?.Condition).toEqual({
      ArnEquals: { 'ecs:cluster': [arn('ecs', 'cluster/prod')] },
    });
    expect(statements.find((s) => s.Sid === 'DescribeTasksOfWatchedClusters')?.Resource).toEqual([
      arn('ecs', 'task/prod/*'),
    ]);
  });

  it('reads the kill switch the config names, without doubling the slash', () => {
    const statements = statementsOf(SERVICES, '/ops/automation/kill-switch');

    expect(statements.find((s) => s.Sid === 'ReadKillSwitch')?.Resource).toEqual([
      arn('ssm', 'parameter/ops/automation/kill-switch'),
    ]);
  });

  it('refuses to build without a service to automate', () => {
    expect(() => automationIn([])).toThrow('ServiceAutomation: no services to automate');
  });

  it('acknowledges each wildcard finding by name, so cdk-nag finds nothing left', () => {
    const { app, role } = automationIn();
    const acknowledged = role.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as Record<string, string>))
      .map((id) => id.replace(/^Annotation::/, ''))
      .sort();
    const findings = new AwsSolutionsChecks()
      .validateScope(app)
      .violations.map((v) => ({ rule: v.ruleName, paths: v.violatingResources.map((r) => r.constructPath) }));

    expect(acknowledged).toEqual(
      [
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/prod/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/batch/*]',
        ...['/ecs/prod/checkout', '/ecs/prod/payments-api', '/ecs/batch/reports'].map(
          (g) =>
            `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${g}:*]`,
        ),
      ].sort(),
    );
    expect(findings).toEqual([]);
  });
});

const CHECKOUT_ROLES = [
  'arn:aws:iam::123456789012:role/checkout-task',
  'arn:aws:iam::123456789012:role/ecs/checkout-execution',
];
const PAYMENTS_ROLES = [
  'arn:aws:iam::123456789012:role/payments-task',
  'arn:aws:iam::123456789012:role/ecs/checkout-execution',
];
const WITH_ROLES = servicesOf(
  {
    name: 'checkout',
    cluster: 'prod',
    service: 'checkout',
    logGroup: '/ecs/prod/checkout',
    taskRoleArns: CHECKOUT_ROLES,
  },
  {
    name: 'payments',
    cluster: 'prod',
    service: 'payments-api',
    logGroup: '/ecs/prod/payments-api',
    taskRoleArns: PAYMENTS_ROLES,
  },
  { name: 'reports', cluster: 'batch', service: 'reports', logGroup: '/ecs/batch/reports' },
);
const ONLY_TO_ECS_TASKS = { StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com'] } };
const passRoleStatements = (statements: ReturnType<typeof readable>[]) =>
  statements.filter((s) => s.Action.includes('iam:PassRole'));

describe('ServiceAutomation rollback roles', () => {
  it('lets a rollback pass the configured task and execution roles, to ECS tasks only, once each', () => {
    expect(passRoleStatements(statementsOf(WITH_ROLES, KILL_SWITCH, ['checkout', 'payments']))).toEqual([
      {
        Sid: 'PassTaskDefinitionRolesForRollback',
        Action: ['iam:PassRole'],
        Resource: [
          'arn:aws:iam::123456789012:role/checkout-task',
          'arn:aws:iam::123456789012:role/ecs/checkout-execution',
          'arn:aws:iam::123456789012:role/payments-task',
        ],
        Condition: ONLY_TO_ECS_TASKS,
      },
    ]);
  });

  it('passes no role for restart and scale only: no service that may be rolled back, no PassRole', () => {
    expect(passRoleStatements(statementsOf(WITH_ROLES))).toEqual([]);
    expect(passRoleStatements(statementsOf(WITH_ROLES, KILL_SWITCH, []))).toEqual([]);
  });

  it('grants for the services that may be rolled back only, not for their roles elsewhere in the config', () => {
    const [statement] = passRoleStatements(statementsOf(WITH_ROLES, KILL_SWITCH, ['checkout']));

    expect(statement?.Resource).toEqual(CHECKOUT_ROLES);
  });

  it('without taskRoleArns, passes any role of the account to ECS tasks only, and warns naming the field', () => {
    const { stack, role } = automationIn(WITH_ROLES, KILL_SWITCH, ['checkout', 'reports']);
    const statements = passRoleStatements(
      roleStatements(Template.fromStack(stack), logicalIdOf(role)).map(readable),
    );

    expect(statements).toEqual([
      {
        Sid: 'PassTaskDefinitionRolesForRollback',
        Action: ['iam:PassRole'],
        Resource: CHECKOUT_ROLES,
        Condition: ONLY_TO_ECS_TASKS,
      },
      {
        Sid: 'PassAnyEcsTaskRoleForRollback',
        Action: ['iam:PassRole'],
        Resource: ['arn:<Ref:AWS::Partition>:iam::<Ref:AWS::AccountId>:role/*'],
        Condition: ONLY_TO_ECS_TASKS,
      },
    ]);
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning(
      '/Test/ServiceAutomation',
      Match.stringLikeRegexp('^reports: automation may roll it back but the service has no taskRoleArns'),
    );
    expect(annotations.findWarning('*', Match.stringLikeRegexp('taskRoleArns'))).toHaveLength(1);
  });

  it('refuses a service to roll back that is not among its services', () => {
    expect(() => automationIn(SERVICES, KILL_SWITCH, ['checkout', 'billing', 'admin'])).toThrow(
      'ServiceAutomation: rollbackServices names billing, admin, not among its services',
    );
  });

  it('acknowledges the account-wide PassRole to cdk-nag with its reason, so nothing is left', () => {
    const { app } = automationIn(SERVICES, KILL_SWITCH, ['checkout']);
    const findings = new AwsSolutionsChecks().validateScope(app).violations;

    expect(findings.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('ServiceAutomation in the stack', () => {
  const passRoleIn = (automation: Record<string, unknown>, taskRoleArns?: string[]) => {
    const input = exampleInput();
    const [checkout, ...others] = input.services as Record<string, unknown>[];
    const { stack } = composeTestApp({
      ...input,
      services: [{ ...checkout, ...(taskRoleArns ? { taskRoleArns } : {}) }, ...others],
      automation: { ...(input.automation as Record<string, unknown>), ...automation },
    });
    const template = Template.fromStack(stack);
    return {
      stack,
      statements: passRoleStatements(
        roleStatements(template, logicalIdOf(stack.functions.automation.role as iam.IRole)).map(readable),
      ),
    };
  };

  it('grants PassRole on the allow-listed service roles, to ECS tasks only, when automation may roll back', () => {
    const { statements } = passRoleIn({ dryRun: false }, CHECKOUT_ROLES);

    expect(statements).toEqual([
      {
        Sid: 'PassTaskDefinitionRolesForRollback',
        Action: ['iam:PassRole'],
        Resource: CHECKOUT_ROLES,
        Condition: ONLY_TO_ECS_TASKS,
      },
    ]);
  });

  it('grants no PassRole in a dry run or with automation off: nothing is ever deployed', () => {
    expect(passRoleIn({ dryRun: true }).statements).toEqual([]);
    expect(passRoleIn({ enabled: false, dryRun: false }).statements).toEqual([]);
  });
});
