/**
 * One ECS service, read and acted on in domain terms: what it runs, its deployments and events, the
 * tasks that stopped, and the three actions automation may take (rollback, restart, scale).
 *
 * Every method is a bounded number of requests (at most two). Errors from ECS propagate unchanged, so
 * their `name` (AccessDeniedException, ClusterNotFoundException, ...) reaches the caller, which turns a
 * failed read into an `unavailable` finding. What ECS reports as a `failures` entry rather than an
 * exception (a missing service) becomes an {@link EcsServiceNotFoundError}.
 */
import {
  type Deployment,
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  type Service,
  type Task,
  UpdateServiceCommand,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { IncidentError } from '../domain/errors';
import type { DeploymentInfo, ServiceSnapshot, StoppedTask } from '../domain/evidence';

/** The service is not in the cluster (DescribeServices `failures`, e.g. reason `MISSING`). */
export class EcsServiceNotFoundError extends IncidentError {}

/** An action asked for something ECS must never be sent (a malformed revision, a negative count). */
export class EcsRequestError extends IncidentError {}

/** How many service events a snapshot keeps; ECS returns up to 100, the newest are what matter. */
export const MAX_SNAPSHOT_EVENTS = 10;

/** ListTasks and DescribeTasks both take at most 100. */
const MAX_TASKS = 100;

const DEPLOYMENT_STATUSES: ReadonlySet<string> = new Set(['PRIMARY', 'ACTIVE', 'INACTIVE']);
const ROLLOUT_STATES: ReadonlySet<string> = new Set(['IN_PROGRESS', 'COMPLETED', 'FAILED']);
const FAMILY_REVISION = /^[A-Za-z0-9_-]{1,255}:[1-9]\d*$/;

/**
 * `arn:aws:ecs:<region>:<account>:task-definition/checkout:42` -> `checkout:42`. A value that is
 * already `family:revision` is returned as is; an ARN without a revision yields the family alone.
 */
export const taskDefinitionName = (arnOrName: string): string => {
  const marker = ':task-definition/';
  const at = arnOrName.indexOf(marker);
  return at === -1 ? arnOrName : arnOrName.slice(at + marker.length);
};

/** `arn:aws:ecs:<region>:<account>:cluster/prod` -> `prod`. */
const clusterName = (arnOrName: string): string => {
  const marker = ':cluster/';
  const at = arnOrName.indexOf(marker);
  return at === -1 ? arnOrName : arnOrName.slice(at + marker.length);
};

/** Deployments without a creation time sort as the oldest rather than inventing one. */
const EPOCH = new Date(0).toISOString();

const toDeployment = (
  d: Deployment,
  serviceTaskDefinition: string | undefined,
): DeploymentInfo | undefined => {
  if (!d.status || !DEPLOYMENT_STATUSES.has(d.status)) return undefined;
  // The service's own taskDefinition is the PRIMARY deployment's; it stands in when a deployment omits it.
  const arn = d.taskDefinition ?? (d.status === 'PRIMARY' ? serviceTaskDefinition : undefined);
  return {
    id: d.id ?? '',
    taskDefinition: arn ? taskDefinitionName(arn) : 'unknown',
    status: d.status as DeploymentInfo['status'],
    ...(d.rolloutState && ROLLOUT_STATES.has(d.rolloutState)
      ? { rolloutState: d.rolloutState as NonNullable<DeploymentInfo['rolloutState']> }
      : {}),
    createdAt: d.createdAt?.toISOString() ?? EPOCH,
    ...(d.updatedAt ? { updatedAt: d.updatedAt.toISOString() } : {}),
    ...(d.failedTasks !== undefined ? { failedTasks: d.failedTasks } : {}),
    ...(d.runningCount !== undefined ? { runningCount: d.runningCount } : {}),
    ...(d.desiredCount !== undefined ? { desiredCount: d.desiredCount } : {}),
  };
};

const newestFirst = (a: { createdAt: string; status: string }, b: { createdAt: string; status: string }) =>
  b.createdAt.localeCompare(a.createdAt) || Number(b.status === 'PRIMARY') - Number(a.status === 'PRIMARY');

/** An ECS `Service` (DescribeServices `services[]`, UpdateService `service`) as a snapshot. */
export const toServiceSnapshot = (s: Service, cluster: string, service: string): ServiceSnapshot => {
  const deployments = (s.deployments ?? [])
    .map((d) => toDeployment(d, s.taskDefinition))
    .filter((d): d is DeploymentInfo => d !== undefined)
    .sort(newestFirst);
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const events = [...(s.events ?? [])]
    .filter((e) => e.createdAt !== undefined)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
    .slice(0, MAX_SNAPSHOT_EVENTS)
    .map((e) => ({ at: (e.createdAt as Date).toISOString(), message: e.message ?? '' }));
  return {
    cluster: s.clusterArn ? clusterName(s.clusterArn) : cluster,
    service: s.serviceName ?? service,
    status: s.status ?? 'UNKNOWN',
    desired: s.desiredCount ?? 0,
    running: s.runningCount ?? 0,
    pending: s.pendingCount ?? 0,
    taskDefinition:
      primary && primary.taskDefinition !== 'unknown'
        ? primary.taskDefinition
        : s.taskDefinition
          ? taskDefinitionName(s.taskDefinition)
          : 'unknown',
    deployments,
    events,
  };
};

const toStoppedTask = (t: Task): StoppedTask => ({
  taskArn: t.taskArn ?? '',
  taskDefinition: t.taskDefinitionArn ? taskDefinitionName(t.taskDefinitionArn) : 'unknown',
  ...(t.stoppedAt ? { stoppedAt: t.stoppedAt.toISOString() } : {}),
  ...(t.stopCode ? { stopCode: t.stopCode } : {}),
  ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
  containers: (t.containers ?? []).map((c) => ({
    name: c.name ?? '',
    ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    ...(c.reason ? { reason: c.reason } : {}),
  })),
});

/** Whether the service has settled, and why not when it has not. */
export interface Steadiness {
  readonly steady: boolean;
  readonly reason: string;
}

/**
 * Steady means what a responder would check by hand: exactly one deployment, the PRIMARY one, its
 * rollout not in progress or failed (COMPLETED, or absent on services without rollout tracking), and
 * as many tasks running as desired. A COMPLETED rollout whose tasks have since died is not steady.
 */
export const steadiness = (snapshot: ServiceSnapshot): Steadiness => {
  const { deployments, running, desired } = snapshot;
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  if (!primary) return { steady: false, reason: 'no PRIMARY deployment' };
  if (deployments.length > 1) {
    const all = deployments.map((d) => `${d.status} ${d.taskDefinition} ${d.rolloutState ?? ''}`.trim());
    return { steady: false, reason: `${deployments.length} deployments: ${all.join(', ')}` };
  }
  if (primary.rolloutState === 'IN_PROGRESS' || primary.rolloutState === 'FAILED')
    return { steady: false, reason: `rollout of ${primary.taskDefinition} is ${primary.rolloutState}` };
  if (running !== desired)
    return { steady: false, reason: `${running} of ${desired} tasks running (${primary.taskDefinition})` };
  return { steady: true, reason: `${primary.taskDefinition}: ${running} of ${desired} tasks running` };
};

export class EcsAdapter {
  constructor(private readonly ecs: ECSClient) {}

  /** The service as it is now (one DescribeServices). */
  async describeService(cluster: string, service: string): Promise<ServiceSnapshot> {
    const out = await this.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    const failure = out.failures?.[0];
    if (failure) {
      const detail = [failure.reason, failure.detail].filter(Boolean).join(': ');
      throw new EcsServiceNotFoundError(`ECS service "${service}" in cluster "${cluster}": ${detail}`);
    }
    const found = out.services?.[0];
    if (!found)
      throw new EcsServiceNotFoundError(`ECS service "${service}" in cluster "${cluster}": not returned`);
    return toServiceSnapshot(found, cluster, service);
  }

  /**
   * The service's most recently stopped tasks, newest first (ListTasks + DescribeTasks). ECS keeps
   * stopped tasks for about an hour; a task that expires between the two calls is left out.
   * @param limit 1..100, default 10.
   */
  async stoppedTasks(cluster: string, service: string, limit = 10): Promise<StoppedTask[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TASKS)
      throw new EcsRequestError(`stopped task limit must be an integer in 1..${MAX_TASKS}, got ${limit}`);
    const listed = await this.ecs.send(
      new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED', maxResults: limit }),
    );
    const arns = (listed.taskArns ?? []).slice(0, limit);
    if (arns.length === 0) return [];
    const described = await this.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
    return (described.tasks ?? [])
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
      .map(toStoppedTask);
  }

  /** Deploys `taskDefinition` (`family:revision`, never a bare family, which would mean "latest"). */
  async rollback(cluster: string, service: string, taskDefinition: string): Promise<ServiceSnapshot> {
    if (!FAMILY_REVISION.test(taskDefinition))
      throw new EcsRequestError(`rollback target must be family:revision, got "${taskDefinition}"`);
    return this.update({ cluster, service, taskDefinition });
  }

  /** Replaces every task with a fresh one of the same task definition (forceNewDeployment). */
  async restart(cluster: string, service: string): Promise<ServiceSnapshot> {
    return this.update({ cluster, service, forceNewDeployment: true });
  }

  async scale(cluster: string, service: string, desiredCount: number): Promise<ServiceSnapshot> {
    if (!Number.isInteger(desiredCount) || desiredCount < 0)
      throw new EcsRequestError(`desired count must be a whole number >= 0, got ${desiredCount}`);
    return this.update({ cluster, service, desiredCount });
  }

  /** Reads the service and judges it with {@link steadiness}. */
  async isSteady(cluster: string, service: string): Promise<Steadiness> {
    return steadiness(await this.describeService(cluster, service));
  }

  private async update(
    input: UpdateServiceCommandInput & { cluster: string; service: string },
  ): Promise<ServiceSnapshot> {
    const out = await this.ecs.send(new UpdateServiceCommand(input));
    if (!out.service)
      throw new EcsServiceNotFoundError(
        `ECS service "${input.service}" in cluster "${input.cluster}": UpdateService returned no service`,
      );
    return toServiceSnapshot(out.service, input.cluster, input.service);
  }
}
