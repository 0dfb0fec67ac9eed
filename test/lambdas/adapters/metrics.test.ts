import { readFileSync } from 'node:fs';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  InvalidParameterValueException,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_METRIC_PAGES,
  MetricDataIncompleteError,
  MetricQueryError,
  MetricsAdapter,
  type ServiceMetricsQuery,
} from '../../../lambdas/adapters/metrics';

const FIXTURES = new URL('../../fixtures/aws/', import.meta.url);

/** A fixture as the SDK would return it: a fresh copy, `Timestamps` as Dates (aws-cli prints ISO strings). */
const load = (name: string): GetMetricDataCommandOutput =>
  JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'), (key, value) =>
    key === 'Timestamps' ? (value as string[]).map((t) => new Date(t)) : value,
  ) as GetMetricDataCommandOutput;

const PAGE_1 = 'cloudwatch-get-metric-data-service-page-1-adapted.json';
const PAGE_2 = 'cloudwatch-get-metric-data-service-page-2-adapted.json';

const from = new Date('2024-09-29T22:10:00Z');
const to = new Date('2024-09-29T22:13:00Z');

const WITH_ALB: ServiceMetricsQuery = {
  cluster: 'prod',
  service: 'checkout',
  loadBalancer: {
    loadBalancer:
      'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/my-load-balancer/50dc6c495c0c9188',
    targetGroup:
      'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067',
  },
  from,
  to,
  periodSeconds: 60,
};
const ECS_ONLY: ServiceMetricsQuery = { cluster: 'prod', service: 'checkout', from, to, periodSeconds: 60 };

const cloudWatch = mockClient(CloudWatchClient);
const adapter = new MetricsAdapter(new CloudWatchClient({}));

beforeEach(() => {
  cloudWatch.reset();
});

const requests = () => cloudWatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);

describe('MetricsAdapter.serviceMetrics request', () => {
  it('asks for CPU, memory, requests, 5xx rate and p95/p99 latency in one call', async () => {
    cloudWatch.on(GetMetricDataCommand).resolvesOnce(load(PAGE_1)).resolves(load(PAGE_2));

    await adapter.serviceMetrics(WITH_ALB);

    const first = requests()[0];
    const ecsDims = [
      { Name: 'ClusterName', Value: 'prod' },
      { Name: 'ServiceName', Value: 'checkout' },
    ];
    const albDims = [
      { Name: 'LoadBalancer', Value: 'app/my-load-balancer/50dc6c495c0c9188' },
      { Name: 'TargetGroup', Value: 'targetgroup/my-targets/73e2d6bc24d8a067' },
    ];
    const stat = (Namespace: string, MetricName: string, Stat: string, Dimensions: typeof ecsDims) => ({
      Metric: { Namespace, MetricName, Dimensions },
      Period: 60,
      Stat,
    });
    expect(first).toEqual({
      StartTime: from,
      EndTime: to,
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        { Id: 'cpu', MetricStat: stat('AWS/ECS', 'CPUUtilization', 'Average', ecsDims), ReturnData: true },
        {
          Id: 'memory',
          MetricStat: stat('AWS/ECS', 'MemoryUtilization', 'Average', ecsDims),
          ReturnData: true,
        },
        {
          Id: 'requests',
          MetricStat: stat('AWS/ApplicationELB', 'RequestCount', 'Sum', albDims),
          ReturnData: true,
        },
        {
          Id: 'errors5xx',
          MetricStat: stat('AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', albDims),
          ReturnData: false,
        },
        {
          Id: 'errorRate',
          Expression: 'IF(requests > 0, 100 * FILL(errors5xx, 0) / requests, 0)',
          Label: 'errorRatePercent',
          Period: 60,
          ReturnData: true,
        },
        {
          Id: 'p95',
          MetricStat: stat('AWS/ApplicationELB', 'TargetResponseTime', 'p95', albDims),
          ReturnData: true,
        },
        {
          Id: 'p99',
          MetricStat: stat('AWS/ApplicationELB', 'TargetResponseTime', 'p99', albDims),
          ReturnData: true,
        },
      ],
    });
  });

  it('takes load balancer and target group dimension values as they are', async () => {
    cloudWatch.on(GetMetricDataCommand).resolvesOnce(load(PAGE_1)).resolves(load(PAGE_2));

    await adapter.serviceMetrics({
      ...WITH_ALB,
      loadBalancer: { loadBalancer: 'app/web/1', targetGroup: 'targetgroup/web/2' },
    });

    expect(requests()[0]?.MetricDataQueries?.[2]?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'LoadBalancer', Value: 'app/web/1' },
      { Name: 'TargetGroup', Value: 'targetgroup/web/2' },
    ]);
  });

  it('asks only for CPU and memory when no load balancer is given', async () => {
    const page = load(PAGE_1);
    page.MetricDataResults = page.MetricDataResults?.filter((r) => r.Id === 'cpu' || r.Id === 'memory');
    delete page.NextToken;
    cloudWatch.on(GetMetricDataCommand).resolves(page);

    const series = await adapter.serviceMetrics(ECS_ONLY);

    expect(requests()[0]?.MetricDataQueries?.map((q) => q.Id)).toEqual(['cpu', 'memory']);
    expect(series.map((s) => s.metric)).toEqual(['cpuPercent', 'memoryPercent']);
  });

  it.each([
    ['an empty window', { to: from }],
    ['a reversed window', { from: to, to: from }],
    ['a period of 0', { periodSeconds: 0 }],
    ['a period of 90 s', { periodSeconds: 90 }],
  ])('refuses %s before calling CloudWatch', async (_, change) => {
    await expect(adapter.serviceMetrics({ ...WITH_ALB, ...change })).rejects.toBeInstanceOf(MetricQueryError);
    expect(cloudWatch.calls()).toHaveLength(0);
  });
});

describe('MetricsAdapter.serviceMetrics results', () => {
  it('follows NextToken, maps ids to metrics, sorts oldest first and converts latency to ms', async () => {
    cloudWatch.on(GetMetricDataCommand).resolvesOnce(load(PAGE_1)).resolves(load(PAGE_2));

    const series = await adapter.serviceMetrics(WITH_ALB);

    expect(requests().map((r) => r.NextToken)).toEqual([undefined, 'token-page-2']);
    const t = (minute: number) => `2024-09-29T22:1${minute}:00.000Z`;
    expect(series).toEqual([
      {
        metric: 'errorRatePercent',
        points: [
          { at: t(0), value: 0 },
          { at: t(1), value: 0.5 },
          { at: t(2), value: 12.5 },
        ],
      },
      {
        metric: 'p95LatencyMs',
        points: [
          { at: t(0), value: 118 },
          { at: t(1), value: 123 },
          { at: t(2), value: 245 },
        ],
      },
      {
        metric: 'p99LatencyMs',
        points: [
          { at: t(0), value: 301 },
          { at: t(1), value: 900 },
          { at: t(2), value: 1500 },
        ],
      },
      {
        metric: 'requestCount',
        points: [
          { at: t(0), value: 1150 },
          { at: t(1), value: 1180 },
          { at: t(2), value: 1200 },
        ],
      },
      {
        metric: 'cpuPercent',
        points: [
          { at: t(0), value: 35 },
          { at: t(1), value: 62.25 },
          { at: t(2), value: 91.5 },
        ],
      },
      {
        metric: 'memoryPercent',
        points: [
          { at: t(0), value: 47 },
          { at: t(1), value: 47.5 },
          { at: t(2), value: 48 },
        ],
      },
    ]);
  });

  it('returns a complete metric without datapoints as an empty series', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'cpu', Label: 'CPUUtilization', Timestamps: [], Values: [], StatusCode: 'Complete' },
        { Id: 'memory', Label: 'MemoryUtilization', Timestamps: [], Values: [], StatusCode: 'Complete' },
      ],
      Messages: [],
    });

    await expect(adapter.serviceMetrics(ECS_ONLY)).resolves.toEqual([
      { metric: 'cpuPercent', points: [] },
      { metric: 'memoryPercent', points: [] },
    ]);
  });

  it('reports a metric CloudWatch refused, with its message, instead of leaving it out', async () => {
    const page = load(PAGE_1);
    delete page.NextToken;
    const errorRate = page.MetricDataResults?.find((r) => r.Id === 'errorRate');
    if (!errorRate) throw new Error('fixture lacks errorRate');
    Object.assign(errorRate, {
      StatusCode: 'Forbidden',
      Timestamps: [],
      Values: [],
      Messages: [{ Value: 'not authorized for AWS/ApplicationELB' }],
    });
    cloudWatch.on(GetMetricDataCommand).resolves(page);

    const failure = adapter.serviceMetrics(WITH_ALB);

    await expect(failure).rejects.toBeInstanceOf(MetricDataIncompleteError);
    await expect(failure).rejects.toThrow(
      'errorRatePercent: Forbidden, not authorized for AWS/ApplicationELB',
    );
  });

  it('reports data still partial when no NextToken is left to fetch the rest', async () => {
    const page = load(PAGE_1);
    delete page.NextToken;
    // The message text the GetMetricData reference gives as its example of a call-level message.
    page.Messages = [{ Value: 'Maximum number of allowed metrics exceeded' }];
    cloudWatch.on(GetMetricDataCommand).resolves(page);

    const failure = adapter.serviceMetrics(WITH_ALB);

    await expect(failure).rejects.toMatchObject({
      name: 'MetricDataIncompleteError',
      problems: [
        'p95LatencyMs: PartialData',
        'p99LatencyMs: PartialData',
        'Maximum number of allowed metrics exceeded',
      ],
    });
  });

  it('reports requested metrics missing from the reply and ignores ids it did not ask for', async () => {
    // The aws-cli billing example answers a different query (id m1): nothing asked for comes back.
    cloudWatch
      .on(GetMetricDataCommand)
      .resolves(load('cloudwatch-get-metric-data-billing-aws-cli-example.json'));

    await expect(adapter.serviceMetrics(ECS_ONLY)).rejects.toMatchObject({
      problems: ['cpuPercent: not returned', 'memoryPercent: not returned'],
    });
  });

  it(`stops after ${MAX_METRIC_PAGES} pages when CloudWatch keeps handing out tokens`, async () => {
    cloudWatch.on(GetMetricDataCommand).resolves(load(PAGE_1));

    await expect(adapter.serviceMetrics(WITH_ALB)).rejects.toThrow(`more than ${MAX_METRIC_PAGES} pages`);
    expect(requests()).toHaveLength(MAX_METRIC_PAGES);
  });

  it('lets a CloudWatch error through with its name', async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .rejects(
        new InvalidParameterValueException({ message: 'The parameter Period is invalid.', $metadata: {} }),
      );

    await expect(adapter.serviceMetrics(ECS_ONLY)).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
  });
});
