/**
 * The service's health metrics around an alarm, from CloudWatch in one GetMetricData call (paged by
 * NextToken, at most {@link MAX_METRIC_PAGES} pages): CPU and memory from AWS/ECS, and, when the
 * service sits behind an Application Load Balancer, request count, 5xx error rate and p95/p99 target
 * latency from AWS/ApplicationELB.
 *
 * Incomplete data is an error, never a quiet gap: a metric that ends `Forbidden`, `InternalError` or
 * still `PartialData`, or that is not returned at all, raises {@link MetricDataIncompleteError} with
 * every such metric and CloudWatch's messages, because a missing error rate would make a bad
 * deployment look healthy. A metric with no datapoints in the window is complete and has no points.
 * Errors from CloudWatch itself propagate with their `name`.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MessageData,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { IncidentError } from '../domain/errors';
import { type AlarmMetricSeries, METRIC_NAMES, type MetricName, type MetricSeries } from '../domain/evidence';
import type { AlarmMetric } from '../domain/incident-record';

/** Some requested metric did not come back complete; `problems` names each and why. */
export class MetricDataIncompleteError extends IncidentError {
  constructor(readonly problems: readonly string[]) {
    super(`CloudWatch metric data incomplete: ${problems.join('; ')}`);
  }
}

/** A query CloudWatch must never be sent (an empty or reversed window, an invalid period). */
export class MetricQueryError extends IncidentError {}

/** Bounds the pagination; an incident window needs one page (a page holds up to 100,800 datapoints). */
export const MAX_METRIC_PAGES = 10;

export interface ServiceMetricsQuery {
  readonly cluster: string;
  readonly service: string;
  /**
   * The load balancer and target group in front of the service: their ARNs, or the CloudWatch
   * dimension values (`app/<name>/<id>`, `targetgroup/<name>/<id>`).
   * @default none: only CPU and memory are queried
   */
  readonly loadBalancer?: { readonly loadBalancer: string; readonly targetGroup: string };
  readonly from: Date;
  readonly to: Date;
  /** 1, 5, 10, 30 or a multiple of 60 (CloudWatch's rule for GetMetricData periods). */
  readonly periodSeconds: number;
}

/** `arn:aws:elasticloadbalancing:...:loadbalancer/app/web/50dc...` -> `app/web/50dc...`. */
export const loadBalancerDimension = (arnOrValue: string): string => {
  const at = arnOrValue.indexOf(':loadbalancer/');
  return at === -1 ? arnOrValue : arnOrValue.slice(at + ':loadbalancer/'.length);
};

/** `arn:aws:elasticloadbalancing:...:targetgroup/web/73e2...` -> `targetgroup/web/73e2...`. */
export const targetGroupDimension = (arnOrValue: string): string => {
  const at = arnOrValue.indexOf(':targetgroup/');
  return at === -1 ? arnOrValue : arnOrValue.slice(at + 1);
};

/** Query Id -> domain metric, and how each value converts (TargetResponseTime is in seconds). */
const RETURNED: Readonly<Record<string, { metric: MetricName; scale: number }>> = {
  cpu: { metric: 'cpuPercent', scale: 1 },
  memory: { metric: 'memoryPercent', scale: 1 },
  requests: { metric: 'requestCount', scale: 1 },
  errorRate: { metric: 'errorRatePercent', scale: 1 },
  p95: { metric: 'p95LatencyMs', scale: 1000 },
  p99: { metric: 'p99LatencyMs', scale: 1000 },
};

/** The queries of one call. Ids start lower-case, as GetMetricData requires. */
export const metricQueries = (query: ServiceMetricsQuery): MetricDataQuery[] => {
  const period = query.periodSeconds;
  const ecs = [
    { Name: 'ClusterName', Value: query.cluster },
    { Name: 'ServiceName', Value: query.service },
  ];
  const stat = (Id: string, Namespace: string, MetricName: string, Stat: string, dims: typeof ecs) => ({
    Id,
    MetricStat: { Metric: { Namespace, MetricName, Dimensions: dims }, Period: period, Stat },
    ReturnData: true,
  });
  const queries: MetricDataQuery[] = [
    stat('cpu', 'AWS/ECS', 'CPUUtilization', 'Average', ecs),
    stat('memory', 'AWS/ECS', 'MemoryUtilization', 'Average', ecs),
  ];
  if (!query.loadBalancer) return queries;
  const alb = [
    { Name: 'LoadBalancer', Value: loadBalancerDimension(query.loadBalancer.loadBalancer) },
    { Name: 'TargetGroup', Value: targetGroupDimension(query.loadBalancer.targetGroup) },
  ];
  return [
    ...queries,
    stat('requests', 'AWS/ApplicationELB', 'RequestCount', 'Sum', alb),
    {
      ...stat('errors5xx', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', alb),
      ReturnData: false,
    },
    {
      Id: 'errorRate',
      // No 5xx datapoint means no 5xx, not unknown; a period without requests has no rate (0, not NaN).
      Expression: 'IF(requests > 0, 100 * FILL(errors5xx, 0) / requests, 0)',
      Label: 'errorRatePercent',
      Period: period,
      ReturnData: true,
    },
    stat('p95', 'AWS/ApplicationELB', 'TargetResponseTime', 'p95', alb),
    stat('p99', 'AWS/ApplicationELB', 'TargetResponseTime', 'p99', alb),
  ];
};

const validPeriod = (s: number) =>
  Number.isInteger(s) && s > 0 && ([1, 5, 10, 30].includes(s) || s % 60 === 0);

const describeMessages = (messages: readonly MessageData[] | undefined) =>
  (messages ?? []).map((m) => [m.Code, m.Value].filter(Boolean).join(': ')).filter(Boolean);

const checkWindow = (query: { readonly from: Date; readonly to: Date; readonly periodSeconds: number }) => {
  if (!(query.from.getTime() < query.to.getTime()))
    throw new MetricQueryError(
      `metric window must end after it starts: ${query.from.toISOString()} .. ${query.to.toISOString()}`,
    );
  if (!validPeriod(query.periodSeconds))
    throw new MetricQueryError(
      `period must be 1, 5, 10, 30 or a multiple of 60 seconds, got ${query.periodSeconds}`,
    );
};

export interface AlarmMetricQuery {
  readonly metric: AlarmMetric;
  readonly from: Date;
  readonly to: Date;
  readonly periodSeconds: number;
}

export class MetricsAdapter {
  constructor(private readonly cloudWatch: CloudWatchClient) {}

  /** The series in METRIC_NAMES order, each oldest first. */
  async serviceMetrics(query: ServiceMetricsQuery): Promise<MetricSeries[]> {
    checkWindow(query);
    const raw = await this.fetch(
      metricQueries(query),
      query.from,
      query.to,
      (id) => RETURNED[id]?.metric ?? id,
    );
    return [...raw.entries()]
      .filter(([id]) => id in RETURNED)
      .map(([id, points]) => {
        const { metric, scale } = RETURNED[id] as { metric: MetricName; scale: number };
        return { metric, points: points.map((p) => ({ at: p.at, value: convert(p.value, scale) })) };
      })
      .sort((a, b) => METRIC_NAMES.indexOf(a.metric) - METRIC_NAMES.indexOf(b.metric));
  }

  /**
   * The alarm's own metric (a service with no ECS part: an RDS instance, a queue), its Maximum and
   * Average per period, oldest first.
   */
  async alarmMetric(query: AlarmMetricQuery): Promise<AlarmMetricSeries> {
    checkWindow(query);
    const metric = {
      Namespace: query.metric.namespace,
      MetricName: query.metric.name,
      Dimensions: Object.entries(query.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
    };
    const stat = (Id: string, Stat: string): MetricDataQuery => ({
      Id,
      MetricStat: { Metric: metric, Period: query.periodSeconds, Stat },
      ReturnData: true,
    });
    const label = `${query.metric.namespace} ${query.metric.name}`;
    const raw = await this.fetch(
      [stat('maximum', 'Maximum'), stat('average', 'Average')],
      query.from,
      query.to,
      (id) => `${label} ${id}`,
    );
    const averages = new Map((raw.get('average') ?? []).map((p) => [p.at, p.value]));
    return {
      ...query.metric,
      points: (raw.get('maximum') ?? []).map((p) => ({
        at: p.at,
        max: p.value,
        avg: averages.get(p.at) ?? p.value,
      })),
    };
  }

  /** One GetMetricData call, paged; every returned query complete, or MetricDataIncompleteError. */
  private async fetch(
    queries: MetricDataQuery[],
    from: Date,
    to: Date,
    nameOf: (id: string) => string,
  ): Promise<Map<string, Array<{ at: string; value: number }>>> {
    const wanted = queries.filter((q) => q.ReturnData !== false && q.Id).map((q) => q.Id as string);
    const points = new Map<string, Array<{ at: Date; value: number }>>();
    const status = new Map<string, { code: string; messages: string[] }>();
    const callMessages: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: from,
          EndTime: to,
          ScanBy: 'TimestampAscending',
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      pages += 1;
      callMessages.push(...describeMessages(page.Messages));
      for (const result of page.MetricDataResults ?? []) {
        if (!result.Id || !wanted.includes(result.Id)) continue;
        const series = points.get(result.Id) ?? [];
        const timestamps = result.Timestamps ?? [];
        const values = result.Values ?? [];
        for (let i = 0; i < Math.min(timestamps.length, values.length); i += 1) {
          series.push({ at: timestamps[i] as Date, value: values[i] as number });
        }
        points.set(result.Id, series);
        status.set(result.Id, {
          code: result.StatusCode ?? 'Complete',
          messages: describeMessages(result.Messages),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken && pages < MAX_METRIC_PAGES);

    const problems: string[] = [];
    for (const id of wanted) {
      const s = status.get(id);
      if (!s) problems.push(`${nameOf(id)}: not returned`);
      else if (s.code !== 'Complete') problems.push(`${nameOf(id)}: ${[s.code, ...s.messages].join(', ')}`);
    }
    if (nextToken) problems.push(`more than ${MAX_METRIC_PAGES} pages`);
    if (problems.length > 0) throw new MetricDataIncompleteError([...problems, ...callMessages]);
    return new Map(
      wanted.map((id) => [
        id,
        [...(points.get(id) ?? [])]
          .sort((a, b) => a.at.getTime() - b.at.getTime())
          .map((p) => ({ at: p.at.toISOString(), value: p.value })),
      ]),
    );
  }
}

/** Seconds to milliseconds without binary noise (0.123 s -> 123 ms, not 123.00000000000001). */
const convert = (value: number, scale: number): number =>
  scale === 1 ? value : Math.round(value * scale * 1000) / 1000;
