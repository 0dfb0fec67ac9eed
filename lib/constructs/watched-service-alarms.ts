import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { alarmNameFor } from '../../lambdas/contract/alarm-index';
import {
  ALARM_KINDS,
  type AlarmConfig,
  type AlarmKind,
  type ServiceConfig,
} from '../../lambdas/contract/config-schema';

export interface WatchedServiceAlarmsProps {
  readonly service: ServiceConfig;
}

const DESCRIPTIONS: Readonly<Record<AlarmKind, (threshold: number) => string>> = {
  errorRate: (t) => `5xx error rate above ${t}% of requests`,
  p95Latency: (t) => `p95 target response time above ${t} ms`,
  tasksBelowDesired: (t) => `${t} or more tasks below the desired count`,
  cpu: (t) => `CPU utilization above ${t}%`,
  memory: (t) => `memory utilization above ${t}%`,
};

/** The id of the synth warning about Container Insights, for `Annotations.acknowledgeWarning`. */
export const CONTAINER_INSIGHTS_WARNING = 'incident-response:tasksBelowDesired-needs-container-insights';

/**
 * The CloudWatch alarms of one watched ECS service, named as the intake expects (config
 * `alarmName`, else `<service>-<kind>`). CPU and memory come from AWS/ECS, running versus desired
 * tasks from Container Insights, error rate and p95 latency from the service's Application Load
 * Balancer target group. Alarm actions are not set: EventBridge carries every state change.
 *
 * Missing data never breaches. For tasksBelowDesired that is a choice: its metrics exist only when
 * Container Insights is on for the cluster, so `breaching` would hold a P1 open from the first deploy
 * on a cluster without it, and `notBreaching` would report OK (and resolve an open incident) while
 * the metrics are gone. `missing` leaves the alarm as it was, and INSUFFICIENT_DATA when every
 * point is missing, which the intake ignores. The synth warns for every service with that alarm.
 */
export class WatchedServiceAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: WatchedServiceAlarmsProps) {
    super(scope, id);
    const svc = props.service;
    const needsLb = (['errorRate', 'p95Latency'] as const).filter((k) => svc.alarms[k] && !svc.loadBalancer);
    if (needsLb.length > 0) {
      throw new Error(
        `WatchedServiceAlarms ${svc.name}: ${needsLb.join(', ')} need the service's loadBalancer`,
      );
    }
    for (const kind of ALARM_KINDS) {
      const alarm = svc.alarms[kind];
      if (alarm) this.alarms.push(this.alarm(kind, alarm, svc));
    }
    this.warnContainerInsights(svc);
  }

  private alarm(kind: AlarmKind, alarm: AlarmConfig, svc: ServiceConfig): cloudwatch.Alarm {
    const period = Duration.seconds(alarm.periodSeconds);
    return new cloudwatch.Alarm(this, kind, {
      alarmName: alarmNameFor(svc.name, kind, alarm),
      alarmDescription: `${svc.name}: ${DESCRIPTIONS[kind](alarm.threshold)} (${alarm.severity}). Runbook: ${alarm.runbookUrl ?? svc.runbookUrl}`,
      metric: this.metric(kind, svc, period),
      threshold: kind === 'p95Latency' ? alarm.threshold / 1000 : alarm.threshold,
      evaluationPeriods: alarm.evaluationPeriods,
      comparisonOperator:
        kind === 'tasksBelowDesired'
          ? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
          : cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData:
        kind === 'tasksBelowDesired'
          ? cloudwatch.TreatMissingData.MISSING
          : cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private warnContainerInsights(svc: ServiceConfig): void {
    const alarm = svc.alarms.tasksBelowDesired;
    if (!alarm) return;
    Annotations.of(this).addWarningV2(
      CONTAINER_INSIGHTS_WARNING,
      `${svc.name}: the tasksBelowDesired alarm ${alarmNameFor(svc.name, 'tasksBelowDesired', alarm)} reads ` +
        'ECS/ContainerInsights RunningTaskCount and DesiredTaskCount, which exist only with Container Insights ' +
        `on cluster ${svc.cluster} (billed as CloudWatch custom metrics and log ingestion). Without it the ` +
        'alarm stays INSUFFICIENT_DATA and never opens an incident. Turn it on with: aws ecs ' +
        `update-cluster-settings --cluster ${svc.cluster} --settings name=containerInsights,value=enabled`,
    );
  }

  private metric(kind: AlarmKind, svc: ServiceConfig, period: Duration): cloudwatch.IMetric {
    const ecs = { ClusterName: svc.cluster, ServiceName: svc.service };
    const alb: Record<string, string> = svc.loadBalancer
      ? { LoadBalancer: svc.loadBalancer.loadBalancer, TargetGroup: svc.loadBalancer.targetGroup }
      : {};
    switch (kind) {
      case 'cpu':
        return new cloudwatch.Metric({
          namespace: 'AWS/ECS',
          metricName: 'CPUUtilization',
          dimensionsMap: ecs,
          statistic: 'Average',
          period,
        });
      case 'memory':
        return new cloudwatch.Metric({
          namespace: 'AWS/ECS',
          metricName: 'MemoryUtilization',
          dimensionsMap: ecs,
          statistic: 'Average',
          period,
        });
      case 'tasksBelowDesired':
        return new cloudwatch.MathExpression({
          expression: 'desired - running',
          label: 'tasks below desired',
          period,
          usingMetrics: {
            desired: new cloudwatch.Metric({
              namespace: 'ECS/ContainerInsights',
              metricName: 'DesiredTaskCount',
              dimensionsMap: ecs,
              statistic: 'Average',
              period,
            }),
            running: new cloudwatch.Metric({
              namespace: 'ECS/ContainerInsights',
              metricName: 'RunningTaskCount',
              dimensionsMap: ecs,
              statistic: 'Average',
              period,
            }),
          },
        });
      case 'errorRate':
        return new cloudwatch.MathExpression({
          expression: 'IF(requests > 0, 100 * errors / requests, 0)',
          label: '5xx error rate (%)',
          period,
          usingMetrics: {
            errors: new cloudwatch.Metric({
              namespace: 'AWS/ApplicationELB',
              metricName: 'HTTPCode_Target_5XX_Count',
              dimensionsMap: alb,
              statistic: 'Sum',
              period,
            }),
            requests: new cloudwatch.Metric({
              namespace: 'AWS/ApplicationELB',
              metricName: 'RequestCount',
              dimensionsMap: alb,
              statistic: 'Sum',
              period,
            }),
          },
        });
      case 'p95Latency':
        return new cloudwatch.Metric({
          namespace: 'AWS/ApplicationELB',
          metricName: 'TargetResponseTime',
          dimensionsMap: alb,
          statistic: 'p95',
          period,
        });
    }
  }
}
