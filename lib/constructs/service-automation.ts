import { Annotations, ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';

export interface ServiceAutomationProps {
  /** The function that diagnoses and acts. */
  readonly grantee: iam.IGrantable & Construct;
  readonly services: DeploymentConfig['services'];
  /** SSM parameter operators flip to stop every automatic action without a deploy. */
  readonly killSwitchParameterName: string;
  /**
   * Names of the services automation may roll back (see `servicesAutomationMayRollBack`). A rollback
   * deploys an earlier task definition, which passes its task and execution roles to ECS: each of
   * these services gets `iam:PassRole` on its `taskRoleArns`, or, without them, on every role of the
   * account, with a synth warning. Restart and scale pass no task definition and need no PassRole.
   * @default none
   */
  readonly rollbackServices?: readonly string[];
}

/** The id of the synth warning about a missing `taskRoleArns`, for `Annotations.acknowledgeWarning`. */
export const TASK_ROLES_WARNING = 'incident-response:rollback-without-taskRoleArns';

/** The one service PassRole may hand the roles to: ECS, for tasks. */
const ONLY_TO_ECS_TASKS = { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } };

/**
 * What automation may touch, and nothing broader than the config needs: read and update the
 * configured ECS services only, their stopped tasks, Logs Insights on their log groups only, the
 * metrics API, the kill-switch parameter, and, for the services it may roll back, passing their task
 * definitions' roles to ECS tasks. Actions without resource-level permissions are named in the
 * cdk-nag acknowledgement.
 */
export class ServiceAutomation extends Construct {
  constructor(scope: Construct, id: string, props: ServiceAutomationProps) {
    super(scope, id);
    const problems: string[] = [];
    if (props.services.length === 0) problems.push('no services to automate');
    const unknown = (props.rollbackServices ?? []).filter((n) => !props.services.some((s) => s.name === n));
    if (unknown.length > 0)
      problems.push(`rollbackServices names ${unknown.join(', ')}, not among its services`);
    if (problems.length > 0) throw new Error(`ServiceAutomation: ${problems.join('; ')}`);
    const stack = Stack.of(this);
    const ecsArn = (resource: string, resourceName: string) =>
      stack.formatArn({ service: 'ecs', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const clusters = [...new Set(props.services.map((s) => s.cluster))];
    const principal = props.grantee.grantPrincipal;
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeAndUpdateWatchedServices',
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: props.services.map((s) => ecsArn('service', `${s.cluster}/${s.service}`)),
      }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListTasksOfWatchedClusters',
        actions: ['ecs:ListTasks'],
        resources: ['*'],
        conditions: { ArnEquals: { 'ecs:cluster': clusters.map((c) => ecsArn('cluster', c)) } },
      }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeTasksOfWatchedClusters',
        actions: ['ecs:DescribeTasks'],
        resources: clusters.map((c) => ecsArn('task', `${c}/*`)),
      }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'QueryWatchedLogGroups',
        actions: ['logs:StartQuery'],
        resources: props.services.map((s) =>
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${s.logGroup}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadQueryResultsAndMetrics',
        actions: ['logs:GetQueryResults', 'logs:StopQuery', 'cloudwatch:GetMetricData'],
        resources: ['*'],
      }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadKillSwitch',
        actions: ['ssm:GetParameter'],
        resources: [
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: props.killSwitchParameterName.replace(/^\//, ''),
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
    const rollingBack = props.services.filter((s) => props.rollbackServices?.includes(s.name));
    const roleArns = [...new Set(rollingBack.flatMap((s) => s.taskRoleArns ?? []))];
    const withoutRoles = rollingBack.filter((s) => s.taskRoleArns === undefined);
    if (roleArns.length > 0) {
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PassTaskDefinitionRolesForRollback',
          actions: ['iam:PassRole'],
          resources: roleArns,
          conditions: ONLY_TO_ECS_TASKS,
        }),
      );
    }
    // Deriving the roles would need the task definitions at synth: grant the account's roles, still
    // only to ECS tasks, and say so, rather than a rollback that AWS denies on the day.
    if (withoutRoles.length > 0) {
      principal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PassAnyEcsTaskRoleForRollback',
          actions: ['iam:PassRole'],
          resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: '*' })],
          conditions: ONLY_TO_ECS_TASKS,
        }),
      );
    }
    for (const s of withoutRoles) {
      Annotations.of(this).addWarningV2(
        TASK_ROLES_WARNING,
        `${s.name}: automation may roll it back but the service has no taskRoleArns, so iam:PassRole is ` +
          'granted on every IAM role of the account (limited to ecs-tasks.amazonaws.com). Set taskRoleArns ' +
          "on the service to its task definitions' task and execution roles: aws ecs describe-task-definition " +
          `--task-definition FAMILY:REVISION --query 'taskDefinition.[taskRoleArn,executionRoleArn]'`,
      );
    }
    // The findings sit on the principal's policy: acknowledge there (the role, for a function).
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const nag = Validations.of(principal instanceof Construct ? principal : props.grantee);
    if (withoutRoles.length > 0) {
      nag.acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::${account}:role/*]`,
        reason: `Rollbacks of ${withoutRoles.map((s) => s.name).join(', ')} pass their task definitions' roles, which the config does not list (taskRoleArns); PassRole is limited to ecs-tasks.amazonaws.com`,
      });
    }
    nag.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource * only where AWS has no resource-level permission: X-Ray, cloudwatch:GetMetricData, logs:GetQueryResults/StopQuery, and ecs:ListTasks, which is limited to the watched clusters by the ecs:cluster condition',
    });
    for (const c of clusters) {
      nag.acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${region}:${account}:task/${c}/*]`,
        reason: `DescribeTasks on the tasks of the watched cluster ${c}, whose ids are not known in advance`,
      });
    }
    for (const s of props.services) {
      nag.acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:${s.logGroup}:*]`,
        reason: `Logs Insights queries on the log streams of ${s.name}'s own log group`,
      });
    }
  }
}
