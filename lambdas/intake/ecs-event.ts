/**
 * ECS service events as incident signals: a deployment the circuit breaker failed or is rolling back,
 * and tasks that do not start (shapes from
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html and
 * the service action events on the same guide). Every other ECS event is left out with its reason.
 * The service comes from the event's `resources`: `arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/SERVICE`.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../domain/errors';
import { formatPath } from '../domain/validation';

export const ECS_SOURCE = 'aws.ecs';
export const ECS_DEPLOYMENT_STATE_CHANGE = 'ECS Deployment State Change';
export const ECS_SERVICE_ACTION = 'ECS Service Action';
/** The reason ECS gives a deployment the circuit breaker rolls back. */
export const CIRCUIT_BREAKER_ROLLBACK_PREFIX = 'ECS deployment circuit breaker: rolling back';

export const ECS_SIGNAL_KINDS = ['deployment-failed', 'rollback', 'task-start-impaired'] as const;
export type EcsSignalKind = (typeof ECS_SIGNAL_KINDS)[number];

export interface EcsServiceSignal {
  readonly kind: EcsSignalKind;
  readonly eventName: string;
  readonly eventId: string;
  readonly account: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  /** When ECS says it happened (updatedAt / createdAt), else the event's time. ISO-8601 UTC. */
  readonly at: string;
  readonly reason?: string;
  readonly deploymentId?: string;
}

const ecsEventSchema = z.object({
  id: z.string().check(z.minLength(1)),
  source: z.literal(ECS_SOURCE),
  'detail-type': z.string(),
  account: z.string(),
  region: z.string(),
  time: z.iso.datetime(),
  resources: z.array(z.string()),
  detail: z.object({
    eventType: z.optional(z.string()),
    eventName: z.string().check(z.minLength(1)),
    deploymentId: z.optional(z.string()),
    updatedAt: z.optional(z.iso.datetime({ offset: true })),
    createdAt: z.optional(z.iso.datetime({ offset: true })),
    reason: z.optional(z.string()),
  }),
});

/** Whether the event claims to be an ECS event (then it is validated as one). */
export const isEcsEvent = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && (event as { source?: unknown }).source === ECS_SOURCE;

const SERVICE_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)$/;

const kindOf = (
  detailType: string,
  eventName: string,
  reason: string | undefined,
): EcsSignalKind | undefined => {
  if (detailType === ECS_DEPLOYMENT_STATE_CHANGE) {
    if (eventName === 'SERVICE_DEPLOYMENT_FAILED') return 'deployment-failed';
    if (eventName === 'SERVICE_DEPLOYMENT_IN_PROGRESS' && reason?.startsWith(CIRCUIT_BREAKER_ROLLBACK_PREFIX))
      return 'rollback';
  }
  if (detailType === ECS_SERVICE_ACTION && eventName === 'SERVICE_TASK_START_IMPAIRED')
    return 'task-start-impaired';
  return undefined;
};

/**
 * @returns the signal, or the reason the event is no incident signal
 * @throws ValidationError naming each bad field of an event that says it comes from ECS
 */
export const parseEcsEvent = (event: unknown): EcsServiceSignal | { readonly ignored: string } => {
  const parsed = ecsEventSchema.safeParse(event);
  if (!parsed.success)
    throw new ValidationError(
      'ECS event',
      parsed.error.issues.map((i) => ({
        path: formatPath(i.path as (string | number)[]),
        message: i.message,
      })),
    );
  const e = parsed.data;
  const kind = kindOf(e['detail-type'], e.detail.eventName, e.detail.reason);
  if (!kind) return { ignored: `ECS ${e['detail-type']} ${e.detail.eventName} is not an incident signal` };
  const match = e.resources.map((r) => SERVICE_ARN.exec(r.trim())).find((m) => m !== null);
  if (!match)
    throw new ValidationError('ECS event', [
      {
        path: 'resources',
        message: 'names no ECS service ARN (arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/SERVICE)',
      },
    ]);
  const when = e.detail.updatedAt ?? e.detail.createdAt ?? e.time;
  return {
    kind,
    eventName: e.detail.eventName,
    eventId: e.id,
    account: e.account,
    region: e.region,
    cluster: match[1] as string,
    service: match[2] as string,
    at: new Date(when).toISOString(),
    ...(e.detail.reason ? { reason: e.detail.reason } : {}),
    ...(e.detail.deploymentId ? { deploymentId: e.detail.deploymentId } : {}),
  };
};
