/**
 * ECS, CloudWatch, CloudWatch Logs and SSM (the kill switch's parameter, and Automation through
 * ssm-automation.ts) for the sandbox, where no emulator exists: each operation
 * answers with the output AWS would return, rendered from the simulated environment, and
 * LocalAwsJson serves them in AWS's JSON protocol to the bundles' real SDK clients. Nothing leaves
 * the machine.
 */

import type { SimService, SimulatedEnvironment } from '../environment';
import { AwsJsonError, type JsonService } from './json-protocol';
import { automationOperations } from './ssm-automation';

type Handler = (input: Record<string, unknown>) => Record<string, unknown>;

/** A timestamp of a request: epoch seconds on the wire (AWS JSON), or a Date or ISO string. */
const millisOf = (value: unknown): number =>
  typeof value === 'number' ? value * 1000 : new Date(value as string | Date).getTime();

const familyOf = (taskDefinition: string) => taskDefinition.split(':')[0] ?? taskDefinition;

export class SimulatedAws {
  /** The kill switch parameter's value; undefined = the parameter does not exist. */
  killSwitch: string | undefined = 'true';
  private readonly queries = new Map<string, { logGroup: string; start: number; end: number }>();

  constructor(private readonly env: SimulatedEnvironment) {}

  /** The simulated services, to serve with LocalAwsJson. */
  services(): JsonService[] {
    return [
      {
        name: 'ECS',
        target: 'AmazonEC2ContainerServiceV20141113',
        endpointEnv: 'ECS',
        operations: this.ecs(),
      },
      {
        name: 'CloudWatch',
        target: 'GraniteServiceVersion20100801',
        endpointEnv: 'CLOUDWATCH',
        operations: {
          GetMetricData: (input) => this.getMetricData(input),
          ListTagsForResource: (input) => this.listTags(input),
        },
      },
      {
        name: 'CloudWatch Logs',
        target: 'Logs_20140328',
        endpointEnv: 'CLOUDWATCH_LOGS',
        operations: this.logs(),
      },
      { name: 'SSM', target: 'AmazonSSM', endpointEnv: 'SSM', operations: this.ssm() },
    ];
  }

  private arn = (kind: string, name: string) =>
    `arn:aws:ecs:${this.env.region}:${this.env.account}:${kind}/${name}`;

  private byEcsName(cluster: unknown, service: unknown): SimService {
    const found = this.env.services().find((s) => s.service === service && s.cluster === cluster);
    if (!found)
      throw new AwsJsonError(
        'ServiceNotFoundException',
        `Service not found: ${String(cluster)}/${String(service)}`,
      );
    return found;
  }

  private serviceShape(svc: SimService) {
    const primary = svc.deployments.find((d) => d.status === 'PRIMARY');
    return {
      serviceArn: this.arn('service', `${svc.cluster}/${svc.service}`),
      serviceName: svc.service,
      clusterArn: this.arn('cluster', svc.cluster),
      status: 'ACTIVE',
      desiredCount: svc.desired,
      runningCount: svc.running,
      pendingCount: 0,
      launchType: 'FARGATE',
      taskDefinition: this.arn('task-definition', primary?.taskDefinition ?? ''),
      deployments: svc.deployments
        .filter((d) => d.status !== 'INACTIVE')
        .map((d) => ({
          id: d.id,
          status: d.status,
          taskDefinition: this.arn('task-definition', d.taskDefinition),
          desiredCount: svc.desired,
          runningCount: d.status === 'PRIMARY' ? svc.running : 0,
          pendingCount: 0,
          failedTasks: d.rolloutState === 'FAILED' ? svc.desired : 0,
          createdAt: new Date(d.createdAt),
          updatedAt: new Date(d.createdAt),
          rolloutState: d.rolloutState,
          rolloutStateReason:
            d.rolloutState === 'COMPLETED' ? 'ECS deployment completed.' : 'ECS deployment in progress.',
        })),
      events: svc.events
        .slice(0, 10)
        .map((e, i) => ({ id: `event-${i}`, createdAt: new Date(e.createdAt), message: e.message })),
    };
  }

  private ecs(): Record<string, Handler> {
    return {
      DescribeServices: (input) => {
        const names = (input.services as string[]) ?? [];
        return {
          services: names.map((n) => this.serviceShape(this.byEcsName(input.cluster, n))),
          failures: [],
        };
      },
      ListTasks: (input) => {
        const svc = this.byEcsName(input.cluster, input.serviceName);
        const stopped = input.desiredStatus === 'STOPPED';
        return { taskArns: stopped ? svc.stoppedTasks.map((t) => t.taskArn) : [] };
      },
      DescribeTasks: (input) => {
        const arns = new Set((input.tasks as string[]) ?? []);
        const tasks = this.env
          .services()
          .flatMap((s) => s.stoppedTasks)
          .filter((t) => arns.has(t.taskArn))
          .map((t) => ({
            taskArn: t.taskArn,
            taskDefinitionArn: this.arn('task-definition', t.taskDefinition),
            lastStatus: 'STOPPED',
            desiredStatus: 'STOPPED',
            stopCode: 'EssentialContainerExited',
            stoppedReason: t.stoppedReason,
            stoppedAt: new Date(t.stoppedAt),
            containers: [{ name: familyOf(t.taskDefinition), exitCode: t.exitCode, lastStatus: 'STOPPED' }],
          }));
        return { tasks, failures: [] };
      },
      UpdateService: (input) => {
        const svc = this.byEcsName(input.cluster, input.service);
        const td =
          typeof input.taskDefinition === 'string'
            ? input.taskDefinition.replace(/^arn:.*task-definition\//, '')
            : undefined;
        this.env.updateService(svc.name, {
          ...(td ? { taskDefinition: td } : {}),
          ...(input.forceNewDeployment ? { forceNewDeployment: true } : {}),
          ...(typeof input.desiredCount === 'number' ? { desiredCount: input.desiredCount } : {}),
        });
        return { service: this.serviceShape(svc) };
      },
    };
  }

  private logs(): Record<string, Handler> {
    return {
      StartQuery: (input) => {
        const queryId = `query-${this.queries.size + 1}`;
        const logGroup = (input.logGroupName as string) ?? ((input.logGroupNames as string[]) ?? [])[0] ?? '';
        this.queries.set(queryId, {
          logGroup,
          start: Number(input.startTime) * 1000,
          end: Number(input.endTime) * 1000,
        });
        return { queryId };
      },
      GetQueryResults: (input) => {
        const query = this.queries.get(input.queryId as string);
        if (!query) throw new AwsJsonError('ResourceNotFoundException', `no query ${String(input.queryId)}`);
        const svc =
          this.env.services().find((s) => s.logGroup === query.logGroup) ??
          this.env.resources().find((r) => r.logGroup === query.logGroup);
        const counts = new Map<string, number>();
        for (const line of svc?.logs ?? []) {
          const t = Date.parse(line.at);
          if (t >= query.start && t <= query.end && /error|exception|fatal|timeout/i.test(line.message)) {
            counts.set(line.message, (counts.get(line.message) ?? 0) + 1);
          }
        }
        const results = [...counts]
          .sort((a, b) => b[1] - a[1])
          .map(([message, count]) => [
            { field: '@message', value: message },
            { field: 'count', value: String(count) },
          ]);
        return {
          status: 'Complete',
          results,
          statistics: {
            recordsMatched: results.length,
            recordsScanned: svc?.logs.length ?? 0,
            bytesScanned: 0,
          },
        };
      },
      StopQuery: () => ({ success: true }),
    };
  }

  private ssm(): Record<string, Handler> {
    return {
      ...automationOperations(this.env.automation),
      GetParameter: (input) => {
        if (this.killSwitch === undefined)
          throw new AwsJsonError('ParameterNotFound', `parameter ${String(input.Name)} not found`);
        return { Parameter: { Name: input.Name, Type: 'String', Value: this.killSwitch, Version: 1 } };
      },
    };
  }

  /**
   * GetMetricData over the simulated per-minute history. Plain metrics map by name; an expression
   * (the adapter's error-rate math over 5xx and request counts) is evaluated as 100 * errors / requests.
   */
  private getMetricData(input: Record<string, unknown>) {
    const start = millisOf(input.StartTime);
    const end = millisOf(input.EndTime);
    const queries = (input.MetricDataQueries as Array<Record<string, unknown>>) ?? [];
    const byId = new Map<string, Array<{ at: Date; value: number }>>();
    const seriesOf = (svc: SimService | undefined, metricName: string, stat: string) =>
      (svc?.history ?? [])
        .filter((h) => Date.parse(h.at) >= start && Date.parse(h.at) <= end)
        .map((h) => ({ at: new Date(h.at), value: this.sample(h.metrics, metricName, stat) }));
    for (const q of queries) {
      const stat = q.MetricStat as
        | {
            Metric?: { MetricName?: string; Dimensions?: Array<{ Name: string; Value: string }> };
            Stat?: string;
          }
        | undefined;
      if (!stat?.Metric) continue;
      const dims = Object.fromEntries((stat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
      const resource = this.env
        .resources()
        .find(
          (r) =>
            r.namespace === (stat.Metric as { Namespace?: string }).Namespace &&
            r.metricName === stat.Metric?.MetricName &&
            JSON.stringify(Object.entries(r.dimensions).sort()) ===
              JSON.stringify(Object.entries(dims).sort()),
        );
      if (resource) {
        byId.set(
          q.Id as string,
          resource.history
            .filter((h) => Date.parse(h.at) >= start && Date.parse(h.at) <= end)
            .map((h) => ({ at: new Date(h.at), value: h.value })),
        );
        continue;
      }
      const svc = this.env
        .services()
        .find(
          (s) =>
            (dims.ServiceName ? s.service === dims.ServiceName : true) &&
            (dims.ClusterName ? s.cluster === dims.ClusterName : true),
        );
      byId.set(q.Id as string, seriesOf(svc, stat.Metric.MetricName ?? '', stat.Stat ?? 'Average'));
    }
    for (const q of queries) {
      if (typeof q.Expression !== 'string') continue;
      const refs = [...byId.keys()].filter((id) => new RegExp(`\\b${id}\\b`).test(q.Expression as string));
      const errors = refs
        .map((id) => byId.get(id) ?? [])
        .find((_, i) =>
          /5XX|error/i.test(
            queries.find((x) => x.Id === refs[i])?.MetricStat
              ? JSON.stringify(queries.find((x) => x.Id === refs[i])?.MetricStat)
              : '',
          ),
        );
      const requests = refs
        .map((id) => byId.get(id) ?? [])
        .find((_, i) =>
          /RequestCount/.test(JSON.stringify(queries.find((x) => x.Id === refs[i])?.MetricStat ?? '')),
        );
      byId.set(
        q.Id as string,
        (requests ?? []).map((r, i) => ({
          at: r.at,
          value: r.value > 0 ? (100 * (errors?.[i]?.value ?? 0)) / r.value : 0,
        })),
      );
    }
    const results = queries
      .filter((q) => q.ReturnData !== false)
      .map((q) => {
        const points = [...(byId.get(q.Id as string) ?? [])].reverse();
        return {
          Id: q.Id,
          Label: q.Label ?? q.Id,
          Timestamps: points.map((p) => p.at),
          Values: points.map((p) => p.value),
          StatusCode: 'Complete',
        };
      });
    return { MetricDataResults: results, Messages: [] };
  }

  /** ListTagsForResource: `{ Tags: [{ Key, Value }] }`; an unknown alarm is ResourceNotFound, as in CloudWatch. */
  private listTags(input: Record<string, unknown>) {
    const arn = String(input.ResourceARN ?? '');
    const tags = this.env.alarmTags(arn);
    if (!tags) throw new AwsJsonError('ResourceNotFound', `The specified resource ${arn} does not exist.`);
    return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
  }

  private sample(m: SimService['metrics'], metricName: string, stat: string): number {
    switch (metricName) {
      case 'CPUUtilization':
        return m.cpuPercent;
      case 'MemoryUtilization':
        return m.memoryPercent;
      case 'RequestCount':
        return m.requestsPerMinute;
      case 'HTTPCode_Target_5XX_Count':
        return (m.errorRatePercent / 100) * m.requestsPerMinute;
      case 'TargetResponseTime':
        return ((stat === 'p99' ? 1.4 : 1) * m.p95LatencyMs) / 1000;
      default:
        return 0;
    }
  }
}
