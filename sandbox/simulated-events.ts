/**
 * The events AWS sends, as the simulated environment emits them: the EventBridge `CloudWatch Alarm
 * State Change` event (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html)
 * and ECS's `ECS Deployment State Change`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html),
 * field for field in AWS's shapes.
 */
import { randomUUID } from 'node:crypto';

/** CloudWatch writes `2019-10-02T17:04:40.989+0000` in alarm state timestamps. */
const cloudwatchTime = (d: Date): string => d.toISOString().replace('Z', '+0000');
/** EventBridge's `time` has whole seconds. */
const eventTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface AlarmStateChangeInput {
  readonly account: string;
  readonly region: string;
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly description: string;
  readonly metric: {
    readonly dimensions: Record<string, string>;
    readonly name: string;
    readonly namespace: string;
  };
  readonly periodSeconds: number;
  readonly threshold: number;
  /** How many periods the transition took. */
  readonly periods: number;
  /** The latest datapoints, newest first. */
  readonly recent: readonly number[];
  readonly from: { readonly value: 'OK' | 'ALARM'; readonly since: string };
  readonly next: 'OK' | 'ALARM';
  readonly now: Date;
}

export const alarmStateChangeEvent = (a: AlarmStateChangeInput): unknown => {
  const crossed = a.next === 'ALARM' ? 'was greater than' : 'was not greater than';
  const reasonData = JSON.stringify({
    version: '1.0',
    queryDate: cloudwatchTime(a.now),
    statistic: 'Average',
    period: a.periodSeconds,
    recentDatapoints: [...a.recent].reverse(),
    threshold: a.threshold,
  });
  const state = (value: 'OK' | 'ALARM', at: string, reason: string, data?: string) => ({
    reason,
    ...(data ? { reasonData: data } : {}),
    timestamp: at,
    value,
  });
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: a.account,
    time: eventTime(a.now),
    region: a.region,
    resources: [a.alarmArn],
    detail: {
      alarmName: a.alarmName,
      configuration: {
        description: a.description,
        metrics: [
          {
            id: randomUUID(),
            metricStat: { metric: a.metric, period: a.periodSeconds, stat: 'Average' },
            returnData: true,
          },
        ],
      },
      previousState: state(
        a.from.value,
        cloudwatchTime(new Date(a.from.since)),
        `${a.alarmName} was ${a.from.value}`,
      ),
      state: state(
        a.next,
        cloudwatchTime(a.now),
        `Threshold Crossed: ${a.periods} out of the last ${a.periods} datapoints [${a.recent[0]}] ${crossed} the threshold (${a.threshold}) (minimum ${a.periods} datapoint for ${a.from.value} -> ${a.next} transition).`,
        reasonData,
      ),
    },
  };
};

export interface EcsDeploymentEventInput {
  readonly account: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly eventType: string;
  readonly eventName: string;
  readonly deploymentId: string;
  readonly reason: string;
  readonly now: Date;
}

export const ecsDeploymentEvent = (e: EcsDeploymentEventInput): unknown => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'ECS Deployment State Change',
  source: 'aws.ecs',
  account: e.account,
  time: eventTime(e.now),
  region: e.region,
  resources: [`arn:aws:ecs:${e.region}:${e.account}:service/${e.cluster}/${e.service}`],
  detail: {
    eventType: e.eventType,
    eventName: e.eventName,
    deploymentId: e.deploymentId,
    updatedAt: e.now.toISOString(),
    reason: e.reason,
  },
});
