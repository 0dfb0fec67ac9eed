import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { alarmNameFor } from '../../../lambdas/contract/alarm-index';
import { parseConfig } from '../../../lambdas/contract/config';
import { ALARM_KINDS, type AlarmKind, type ServiceConfig } from '../../../lambdas/contract/config-schema';
import { WatchedServiceAlarms } from '../../../lib/constructs/watched-service-alarms';
import { exampleInput } from '../../support/fixtures';

const ALARM = 'AWS::CloudWatch::Alarm';

// biome-ignore lint/suspicious/noExplicitAny: raw config and template JSON, read and altered freely
type Raw = Record<string, any>;

interface MetricDataQuery {
  readonly Id: string;
  readonly Expression?: string;
  readonly ReturnData: boolean;
  readonly MetricStat?: {
    readonly Metric: {
      readonly Namespace: string;
      readonly MetricName: string;
      readonly Dimensions: { Name: string; Value: string }[];
    };
    readonly Period: number;
    readonly Stat: string;
  };
}

/** The example config's services, optionally altered as raw JSON first. */
const services = (change: (config: Raw) => void = () => {}): ServiceConfig[] => {
  const input: Raw = exampleInput();
  change(input);
  return parseConfig(input, 'test config').services;
};

const serviceNamed = (name: string, change?: (config: Raw) => void): ServiceConfig => {
  const service = services(change).find((s) => s.name === name);
  if (!service) throw new Error(`No service ${name}`);
  return service;
};

const alarmsOf = (service: ServiceConfig) => {
  const stack = new Stack();
  new WatchedServiceAlarms(stack, `Alarms-${service.name}`, { service });
  const template = Template.fromStack(stack);
  const byName: Record<string, Raw> = Object.fromEntries(
    Object.values(template.findResources(ALARM)).map((r) => [r.Properties.AlarmName, r.Properties]),
  );
  const alarm = (kind: AlarmKind): Raw => {
    const name = alarmNameFor(service.name, kind, service.alarms[kind]);
    const found = byName[name];
    if (!found) throw new Error(`No alarm ${name}`);
    return found;
  };
  return { template, byName, alarm };
};

/** The alarm's metric-math expression and the metrics it reads. */
const metricsOf = (properties: Raw) => {
  const [expression, ...inputs] = [...(properties.Metrics as MetricDataQuery[])].sort(
    (a, b) => Number(b.ReturnData) - Number(a.ReturnData),
  );
  const input = (metricName: string) => {
    const found = inputs.find((m) => m.MetricStat?.Metric.MetricName === metricName);
    if (!found) throw new Error(`No metric ${metricName}`);
    return found;
  };
  return { expression, inputs, input };
};

const CHECKOUT_LB = [
  { Name: 'LoadBalancer', Value: 'app/prod-public/50dc6c495c0c9188' },
  { Name: 'TargetGroup', Value: 'targetgroup/checkout/73e2d6bc24d8a067' },
];

describe('WatchedServiceAlarms', () => {
  it('names each configured alarm as the intake looks it up', () => {
    const checkout = serviceNamed('checkout');
    const payments = serviceNamed('payments');

    expect(Object.keys(alarmsOf(checkout).byName).sort()).toEqual(
      ALARM_KINDS.map((kind) => alarmNameFor('checkout', kind, checkout.alarms[kind])).sort(),
    );
    expect(Object.keys(alarmsOf(checkout).byName).sort()).toEqual([
      'checkout-cpu',
      'checkout-error-rate',
      'checkout-memory',
      'checkout-p95-latency',
      'checkout-tasks-below-desired',
    ]);
    expect(Object.keys(alarmsOf(payments).byName).sort()).toEqual([
      'payments-api-5xx-rate',
      'payments-tasks-below-desired',
    ]);
  });

  it('takes thresholds and evaluation periods from the config, latency in seconds', () => {
    const { alarm } = alarmsOf(serviceNamed('checkout'));

    expect(alarm('errorRate')).toMatchObject({
      Threshold: 10,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    // TargetResponseTime is in seconds: 500 ms in the config.
    expect(alarm('p95Latency')).toMatchObject({ Threshold: 0.5, EvaluationPeriods: 3, Period: 60 });
    expect(alarm('tasksBelowDesired')).toMatchObject({ Threshold: 1, EvaluationPeriods: 2 });
    expect(alarm('cpu')).toMatchObject({
      Threshold: 85,
      EvaluationPeriods: 5,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarm('memory')).toMatchObject({ Threshold: 90, EvaluationPeriods: 5 });
  });

  it('uses the configured period', () => {
    const service = serviceNamed('checkout', (config) => {
      config.services[0].alarms.p95Latency.periodSeconds = 300;
      config.services[0].alarms.errorRate.periodSeconds = 300;
    });
    const { alarm } = alarmsOf(service);

    expect(alarm('p95Latency').Period).toBe(300);
    expect(metricsOf(alarm('errorRate')).inputs.map((m) => m.MetricStat?.Period)).toEqual([300, 300]);
  });

  it('measures p95 latency on the service target group', () => {
    const { alarm } = alarmsOf(serviceNamed('checkout'));

    expect(alarm('p95Latency')).toMatchObject({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p95',
      Dimensions: CHECKOUT_LB,
    });
  });

  it('computes the error rate as a percentage of requests from the configured load balancer', () => {
    const { alarm } = alarmsOf(serviceNamed('checkout'));
    const { expression, inputs, input } = metricsOf(alarm('errorRate'));
    const errors = input('HTTPCode_Target_5XX_Count');
    const requests = input('RequestCount');

    expect(inputs).toHaveLength(2);
    for (const metric of [errors, requests]) {
      expect(metric).toMatchObject({
        ReturnData: false,
        MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', Dimensions: CHECKOUT_LB }, Stat: 'Sum' },
      });
    }
    expect(expression?.ReturnData).toBe(true);
    expect(expression?.Expression).toContain(`100 * ${errors.Id} / ${requests.Id}`);
    // No requests is no error rate, not a division by zero.
    expect(expression?.Expression).toMatch(new RegExp(`^IF\\(${requests.Id} > 0,`));
  });

  it('reads each service its own load balancer', () => {
    const { alarm } = alarmsOf(serviceNamed('payments'));

    expect(metricsOf(alarm('errorRate')).input('RequestCount').MetricStat?.Metric.Dimensions).toEqual([
      { Name: 'LoadBalancer', Value: 'app/prod-internal/6d0ecf831eec9f09' },
      { Name: 'TargetGroup', Value: 'targetgroup/payments/943f017f100becff' },
    ]);
  });

  it('counts missing tasks from Container Insights, and treats missing data as missing, not as an outage', () => {
    const { alarm } = alarmsOf(serviceNamed('payments'));
    const tasks = alarm('tasksBelowDesired');
    const { expression, input } = metricsOf(tasks);
    const desired = input('DesiredTaskCount');
    const running = input('RunningTaskCount');
    const ecs = [
      { Name: 'ClusterName', Value: 'prod' },
      { Name: 'ServiceName', Value: 'payments-api' },
    ];

    // Without Container Insights on the cluster these metrics never exist: the alarm must stay
    // INSUFFICIENT_DATA (no incident), not sit in ALARM as a P1 from the first deploy.
    expect(tasks).toMatchObject({
      TreatMissingData: 'missing',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(expression?.Expression).toBe(`${desired.Id} - ${running.Id}`);
    for (const metric of [desired, running]) {
      expect(metric.MetricStat?.Metric).toMatchObject({
        Namespace: 'ECS/ContainerInsights',
        Dimensions: ecs,
      });
    }
  });

  it('treats missing data as fine for every other alarm', () => {
    const { alarm } = alarmsOf(serviceNamed('checkout'));

    for (const kind of ['errorRate', 'p95Latency', 'cpu', 'memory'] as const) {
      expect(alarm(kind).TreatMissingData, kind).toBe('notBreaching');
    }
  });

  it('warns at synth, naming the service and its cluster, that tasksBelowDesired needs Container Insights', () => {
    const stack = new Stack();
    new WatchedServiceAlarms(stack, 'Alarms-payments', { service: serviceNamed('payments') });
    const annotations = Annotations.fromStack(stack);

    annotations.hasWarning(
      '/Default/Alarms-payments',
      Match.stringLikeRegexp(
        '^payments: the tasksBelowDesired alarm payments-tasks-below-desired reads ECS/ContainerInsights.*Container Insights on cluster prod.*custom metrics',
      ),
    );
    expect(annotations.findWarning('*', Match.stringLikeRegexp('ContainerInsights'))).toHaveLength(1);
  });

  it('does not warn about Container Insights for a service without the tasksBelowDesired alarm', () => {
    const stack = new Stack();
    const service = serviceNamed('checkout', (config) => {
      delete config.services[0].alarms.tasksBelowDesired;
    });
    new WatchedServiceAlarms(stack, 'Alarms-checkout', { service });

    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('reads CPU and memory from AWS/ECS for the ECS service, not the config name', () => {
    const { alarm } = alarmsOf(
      serviceNamed('payments', (config) => {
        config.services[1].alarms.cpu = { threshold: 80, severity: 'P3' };
      }),
    );

    expect(alarm('cpu')).toMatchObject({
      Namespace: 'AWS/ECS',
      MetricName: 'CPUUtilization',
      Statistic: 'Average',
      Dimensions: [
        { Name: 'ClusterName', Value: 'prod' },
        { Name: 'ServiceName', Value: 'payments-api' },
      ],
    });
  });

  it('names the severity and runbook in the description, and leaves actions to EventBridge', () => {
    const { byName } = alarmsOf(serviceNamed('payments'));

    expect(byName['payments-api-5xx-rate']?.AlarmDescription).toBe(
      'payments: 5xx error rate above 5% of requests (P2). Runbook: https://runbooks.example.com/payments',
    );
    expect(byName['payments-tasks-below-desired']?.AlarmDescription).toContain(
      'Runbook: https://runbooks.example.com/payments/system-down',
    );
    for (const alarm of Object.values(byName)) expect(alarm.AlarmActions).toBeUndefined();
  });

  it('refuses load balancer alarms on a service without a load balancer, naming them', () => {
    const service = { ...serviceNamed('checkout'), loadBalancer: undefined };

    expect(() => alarmsOf(service)).toThrow(
      "WatchedServiceAlarms checkout: errorRate, p95Latency need the service's loadBalancer",
    );
  });
});
