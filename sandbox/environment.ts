/**
 * The sandbox's stand-in for ECS, CloudWatch metrics and CloudWatch Logs, for which no local
 * emulator exists. A scenario changes it (a deploy, a crash, a leak); every simulated minute the
 * configured alarms are evaluated against it the way CloudWatch does (M of M periods breaching), and
 * each state change comes out as the EventBridge event AWS would send, in AWS's exact shape.
 */
import { randomUUID } from 'node:crypto';
import { alarmNameFor } from '../lambdas/contract/alarm-index';
import {
  ALARM_KINDS,
  type AlarmConfig,
  type AlarmKind,
  type DeploymentConfig,
} from '../lambdas/contract/config-schema';
import { SimulatedAdmin } from './sim-admin';
import { SimulatedAutomation } from './sim-automation';
import { SimulatedFunctions } from './sim-functions';
import {
  breaches,
  DRAIN_MINUTES,
  HEALTHY,
  metricValue,
  type RevisionBehaviour,
  type SimDeployment,
  type SimExternalAlarm,
  type SimMetrics,
  type SimResource,
  type SimService,
} from './sim-model';
import { alarmStateChangeEvent, ecsDeploymentEvent } from './simulated-events';

export * from './sim-model';

interface AlarmTrack {
  readonly name: string;
  /** The watched service and the kind, for the stack's alarms; the resource, for the others. */
  readonly serviceName?: string;
  readonly kind?: AlarmKind;
  readonly resource?: string;
  readonly alarm: Pick<AlarmConfig, 'threshold' | 'evaluationPeriods' | 'periodSeconds'>;
  readonly tags: Readonly<Record<string, string>>;
  state: 'OK' | 'ALARM';
  stateSince: string;
  breaching: number;
  clear: number;
  readonly recent: number[];
}

export interface SimulatedEnvironmentOptions {
  readonly account?: string;
  readonly region?: string;
}

export class SimulatedEnvironment {
  readonly account: string;
  readonly region: string;
  private readonly byName = new Map<string, SimService>();
  private readonly alarms: AlarmTrack[] = [];
  private readonly revisions = new Map<string, RevisionBehaviour>();
  private readonly resourcesById = new Map<string, SimResource>();
  /** ECS events waiting for the next evaluation to deliver them, as EventBridge would. */
  private readonly ecsEvents: unknown[] = [];
  /** Every mutating ECS call the sandbox received: how tests see that dry-run called nothing. */
  readonly ecsCalls: Array<{ at: string; call: string; service: string; detail: string }> = [];
  /** The services' admin endpoints, which `http` custom actions call. */
  readonly admin: SimulatedAdmin;
  /** SSM Automation's runbooks and executions, which `ssm-automation` custom actions start. */
  readonly automation: SimulatedAutomation;
  /** The teams' own Lambda functions, which `lambda` custom actions invoke. */
  readonly functions: SimulatedFunctions;

  constructor(
    config: Pick<DeploymentConfig, 'services'>,
    private readonly clock: () => Date,
    options: SimulatedEnvironmentOptions = {},
  ) {
    this.account = options.account ?? '123456789012';
    this.region = options.region ?? 'us-east-1';
    this.admin = new SimulatedAdmin(clock);
    this.automation = new SimulatedAutomation(clock);
    this.functions = new SimulatedFunctions(clock);
    const start = clock().toISOString();
    for (const svc of config.services) {
      const family = svc.service;
      this.byName.set(svc.name, {
        name: svc.name,
        cluster: svc.cluster,
        service: svc.service,
        logGroup: svc.logGroup,
        desired: 3,
        running: 3,
        deployments: [
          {
            id: `ecs-svc/${randomUUID().slice(0, 8)}`,
            taskDefinition: `${family}:41`,
            status: 'PRIMARY',
            rolloutState: 'COMPLETED',
            createdAt: new Date(Date.parse(start) - 3 * 86_400_000).toISOString(),
          },
        ],
        metrics: { ...HEALTHY },
        events: [],
        logs: [],
        history: [],
        stoppedTasks: [],
      });
      for (const kind of ALARM_KINDS) {
        const alarm = svc.alarms[kind];
        if (!alarm) continue;
        this.alarms.push({
          name: alarmNameFor(svc.name, kind, alarm),
          serviceName: svc.name,
          kind,
          alarm,
          tags: {},
          state: 'OK',
          stateSince: start,
          breaching: 0,
          clear: 0,
          recent: [],
        });
      }
    }
  }

  service(name: string): SimService {
    const svc = this.byName.get(name);
    if (!svc)
      throw new Error(
        `the simulated environment has no service "${name}"; it has: ${[...this.byName.keys()].join(', ')}`,
      );
    return svc;
  }

  /** How `taskDefinition` behaves when deployed (by the scenario, a responder, or automation). */
  defineRevision(taskDefinition: string, behaviour: RevisionBehaviour): void {
    this.revisions.set(taskDefinition, behaviour);
  }

  /**
   * Deploys a revision and applies its behaviour: what UpdateService does in the simulation. The new
   * tasks take traffic at once; the previous deployment drains for `DRAIN_MINUTES` before ECS drops
   * it from the service's deployments.
   */
  deployRevision(name: string, taskDefinition: string): SimDeployment {
    const deployment = this.deploy(name, taskDefinition);
    const svc = this.service(name);
    const behaviour = this.revisions.get(taskDefinition);
    svc.metrics = { ...HEALTHY, ...(behaviour?.metrics ?? {}) };
    svc.running = behaviour?.crashes ? 0 : svc.desired;
    const drainUntil = new Date(this.clock().getTime() + DRAIN_MINUTES * 60_000).toISOString();
    for (const d of svc.deployments) if (d.status === 'ACTIVE' && !d.drainUntil) d.drainUntil = drainUntil;
    if (behaviour?.crashes) {
      this.crash(name, taskDefinition, 'Essential container in task exited', 1);
      deployment.rolloutState = 'FAILED';
    } else {
      deployment.rolloutState = 'COMPLETED';
      svc.events.unshift({
        createdAt: this.clock().toISOString(),
        message: `(service ${svc.service}) has reached a steady state.`,
      });
    }
    return deployment;
  }

  /** Records stopped tasks as ECS would after a crash. */
  crash(name: string, taskDefinition: string, stoppedReason: string, exitCode: number): void {
    const svc = this.service(name);
    const at = this.clock().toISOString();
    for (let i = 0; i < Math.max(1, svc.desired); i++) {
      svc.stoppedTasks.unshift({
        taskArn: `arn:aws:ecs:${this.region}:${this.account}:task/${svc.cluster}/${randomUUID().replaceAll('-', '')}`,
        taskDefinition,
        stoppedAt: at,
        stoppedReason,
        exitCode,
      });
    }
  }

  /** UpdateService as the sandbox's ECS: roll back, restart (same revision again), or scale. */
  updateService(
    name: string,
    update: { taskDefinition?: string; forceNewDeployment?: boolean; desiredCount?: number },
  ): SimService {
    const svc = this.service(name);
    const at = this.clock().toISOString();
    if (update.desiredCount !== undefined) {
      this.ecsCalls.push({
        at,
        call: 'UpdateService',
        service: name,
        detail: `desiredCount ${update.desiredCount}`,
      });
      const factor = svc.desired / update.desiredCount;
      svc.desired = update.desiredCount;
      svc.running = update.desiredCount;
      svc.metrics = {
        ...svc.metrics,
        cpuPercent: svc.metrics.cpuPercent * factor,
        memoryPercent: svc.metrics.memoryPercent * factor,
      };
    }
    const primary = svc.deployments.find((d) => d.status === 'PRIMARY')?.taskDefinition ?? '';
    if (update.taskDefinition && update.taskDefinition !== primary) {
      this.ecsCalls.push({
        at,
        call: 'UpdateService',
        service: name,
        detail: `taskDefinition ${update.taskDefinition}`,
      });
      this.deployRevision(name, update.taskDefinition);
    } else if (update.forceNewDeployment) {
      this.ecsCalls.push({ at, call: 'UpdateService', service: name, detail: 'forceNewDeployment' });
      this.deployRevision(name, primary);
    }
    return svc;
  }

  /** Every simulated service. */
  services(): SimService[] {
    return [...this.byName.values()];
  }

  /** A new deployment becomes PRIMARY; the previous one stays ACTIVE until the rollout completes. */
  deploy(
    name: string,
    taskDefinition: string,
    rolloutState: SimDeployment['rolloutState'] = 'IN_PROGRESS',
  ): SimDeployment {
    const svc = this.service(name);
    const now = this.clock().toISOString();
    for (const d of svc.deployments) if (d.status === 'PRIMARY') d.status = 'ACTIVE';
    const deployment: SimDeployment = {
      id: `ecs-svc/${randomUUID().slice(0, 8)}`,
      taskDefinition,
      status: 'PRIMARY',
      rolloutState,
      createdAt: now,
    };
    svc.deployments.unshift(deployment);
    svc.events.unshift({
      createdAt: now,
      message: `(service ${svc.service}) has started 1 tasks: (task ${randomUUID().slice(0, 8)}). Deployment ${deployment.id} uses ${taskDefinition}.`,
    });
    return deployment;
  }

  /** The deployment finished: older deployments drain away. */
  completeRollout(name: string): void {
    const svc = this.service(name);
    const primary = svc.deployments.find((d) => d.status === 'PRIMARY');
    if (primary) primary.rolloutState = 'COMPLETED';
    for (const d of svc.deployments) if (d.status === 'ACTIVE') d.status = 'INACTIVE';
    svc.events.unshift({
      createdAt: this.clock().toISOString(),
      message: `(service ${svc.service}) has reached a steady state.`,
    });
  }

  setMetrics(name: string, metrics: Partial<SimMetrics>): void {
    Object.assign(this.service(name).metrics, metrics);
  }

  setTasks(name: string, tasks: { running?: number; desired?: number }): void {
    Object.assign(this.service(name), tasks);
  }

  log(name: string, message: string): void {
    this.service(name).logs.push({ at: this.clock().toISOString(), message });
  }

  /** A line in a resource's log group (one with no ECS part). */
  logResource(id: string, message: string): void {
    this.resource(id).logs.push({ at: this.clock().toISOString(), message });
  }

  /**
   * The deployment circuit breaker gives up on the PRIMARY deployment: ECS sends SERVICE_DEPLOYMENT_FAILED
   * and the rollback's SERVICE_DEPLOYMENT_IN_PROGRESS (the shapes of the ECS developer guide's service
   * deployment events; `deliveries` copies of the rollback event, as EventBridge delivers at least once),
   * and redeploys the previous revision.
   */
  circuitBreakerRollback(name: string, deliveries = 1): void {
    const svc = this.service(name);
    const failed = svc.deployments.find((d) => d.status === 'PRIMARY');
    const previous = svc.deployments.find((d) => d.status !== 'PRIMARY');
    if (!failed || !previous) throw new Error(`${name} has no earlier deployment to roll back to`);
    const now = this.clock();
    const event = (eventType: string, eventName: string, reason: string) =>
      ecsDeploymentEvent({
        account: this.account,
        region: this.region,
        cluster: svc.cluster,
        service: svc.service,
        eventType,
        eventName,
        deploymentId: failed.id,
        reason,
        now,
      });
    failed.rolloutState = 'FAILED';
    const rollback = event(
      'INFO',
      'SERVICE_DEPLOYMENT_IN_PROGRESS',
      `ECS deployment circuit breaker: rolling back to deploymentId ${previous.id}.`,
    );
    this.ecsEvents.push(
      event('ERROR', 'SERVICE_DEPLOYMENT_FAILED', 'ECS deployment circuit breaker: tasks failed to start.'),
      ...Array.from({ length: deliveries }, () => rollback),
    );
    this.deployRevision(name, previous.taskDefinition);
  }

  /** A resource with no ECS part, named `id` (the scenario's name for it). */
  addResource(id: string, resource: Omit<SimResource, 'logs' | 'history'>): SimResource {
    const added: SimResource = { ...resource, logs: [], history: [] };
    this.resourcesById.set(id, added);
    return added;
  }

  resource(id: string): SimResource {
    const found = this.resourcesById.get(id);
    if (!found) throw new Error(`the simulated environment has no resource "${id}"`);
    return found;
  }

  resources(): SimResource[] {
    return [...this.resourcesById.values()];
  }

  /** The team's own alarm on a resource: CloudWatch evaluates it like the stack's, every minute. */
  addAlarm(spec: SimExternalAlarm): void {
    this.resource(spec.resource);
    this.alarms.push({
      name: spec.alarmName,
      resource: spec.resource,
      alarm: { threshold: spec.threshold, evaluationPeriods: spec.evaluationPeriods, periodSeconds: 60 },
      tags: spec.tags ?? {},
      state: 'OK',
      stateSince: this.clock().toISOString(),
      breaching: 0,
      clear: 0,
      recent: [],
    });
  }

  /** The tags of the alarm with this ARN, as ListTagsForResource returns them; undefined for no such alarm. */
  alarmTags(arn: string): Readonly<Record<string, string>> | undefined {
    return this.alarms.find((a) => this.alarmArn(a.name) === arn)?.tags;
  }

  private alarmArn(name: string): string {
    return `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${name}`;
  }

  alarmStates(): Array<{ name: string; state: 'OK' | 'ALARM'; since: string }> {
    return this.alarms.map((a) => ({ name: a.name, state: a.state, since: a.stateSince }));
  }

  /**
   * One evaluation, as CloudWatch does each period: an alarm changes state after `evaluationPeriods`
   * consecutive periods on the other side of its threshold. Returns the state-change events.
   */
  evaluate(): unknown[] {
    const now = this.clock();
    const changes: unknown[] = this.ecsEvents.splice(0);
    for (const svc of this.byName.values()) {
      for (const d of svc.deployments) {
        if (d.status === 'ACTIVE' && d.drainUntil && d.drainUntil <= now.toISOString()) d.status = 'INACTIVE';
      }
      svc.history.push({
        at: now.toISOString(),
        metrics: { ...svc.metrics },
        running: svc.running,
        desired: svc.desired,
      });
    }
    for (const r of this.resourcesById.values()) r.history.push({ at: now.toISOString(), value: r.value });
    for (const track of this.alarms) {
      const periods = Math.max(
        1,
        Math.round((track.alarm.evaluationPeriods * track.alarm.periodSeconds) / 60),
      );
      const value = this.valueOf(track);
      track.recent.unshift(value);
      track.recent.length = Math.min(track.recent.length, periods);
      if (breaches(track.kind, value, track.alarm.threshold)) {
        track.breaching++;
        track.clear = 0;
      } else {
        track.clear++;
        track.breaching = 0;
      }
      const next =
        track.state === 'OK' && track.breaching >= periods
          ? 'ALARM'
          : track.state === 'ALARM' && track.clear >= periods
            ? 'OK'
            : undefined;
      if (!next) continue;
      changes.push(
        alarmStateChangeEvent({
          account: this.account,
          region: this.region,
          alarmName: track.name,
          alarmArn: this.alarmArn(track.name),
          description: track.resource ?? `${track.serviceName} ${track.kind}`,
          metric: this.metricOf(track),
          periodSeconds: track.alarm.periodSeconds,
          threshold: track.alarm.threshold,
          periods,
          recent: track.recent,
          from: { value: track.state, since: track.stateSince },
          next,
          now,
        }),
      );
      track.state = next;
      track.stateSince = now.toISOString();
    }
    return changes;
  }

  private valueOf(track: AlarmTrack): number {
    if (track.resource !== undefined) return this.resource(track.resource).value;
    return metricValue(track.kind as AlarmKind, this.service(track.serviceName as string));
  }

  /** The alarm's metric as the event's configuration names it. */
  private metricOf(track: AlarmTrack) {
    if (track.resource !== undefined) {
      const r = this.resource(track.resource);
      return {
        dimensions: { ...r.dimensions } as Record<string, string>,
        name: r.metricName,
        namespace: r.namespace,
      };
    }
    const svc = this.service(track.serviceName as string);
    return {
      dimensions: { ClusterName: svc.cluster, ServiceName: svc.service },
      name: track.kind ?? 'unknown',
      namespace: 'Sandbox/ECS',
    };
  }
}
