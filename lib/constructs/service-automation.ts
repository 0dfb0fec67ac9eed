import { ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../config/schema';

export interface ServiceAutomationProps {
  /** The function that diagnoses and acts. */
  readonly grantee: iam.IGrantable & Construct;
  readonly services: DeploymentConfig['services'];
  /** SSM parameter operators flip to stop every automatic action without a deploy. */
  readonly killSwitchParameterName: string;
}

/**
 * What automation may touch, and nothing broader than the config needs: read and update the
 * configured ECS services only, their stopped tasks, Logs Insights on their log groups only, the
 * metrics API, and the kill-switch parameter. Actions without resource-level permissions are named
 * in the cdk-nag acknowledgement.
 */
export class ServiceAutomation extends Construct {
  constructor(scope: Construct, id: string, props: ServiceAutomationProps) {
    super(scope, id);
    if (props.services.length === 0) throw new Error('ServiceAutomation: no services to automate');
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
    // The findings sit on the principal's policy: acknowledge there (the role, for a function).
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const nag = Validations.of(principal instanceof Construct ? principal : props.grantee);
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
