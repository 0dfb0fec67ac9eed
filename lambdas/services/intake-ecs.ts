/**
 * ECS service events in the intake: on a watched service, they go on its newest open incident as an
 * `ecs-event` entry (once per event id), or open one at `ecsEvents.severity` when none is open.
 */

import { ValidationError } from '../domain/errors';
import { appendEntries, type Incident } from '../domain/incident';
import { type EcsServiceSignal, parseEcsEvent } from '../intake/ecs-event';
import type { IntakeDeps, IntakeResult } from './intake';

const ECS_ACTOR = { type: 'automation', name: 'ecs' } as const;

const ECS_WORDS: Readonly<Record<EcsServiceSignal['kind'], string>> = {
  'deployment-failed': 'ECS failed a deployment of',
  rollback: 'ECS circuit breaker is rolling back',
  'task-start-impaired': 'ECS cannot start tasks of',
};

/** One line for the timeline and the title: what ECS said, of which service, when. */
export const ecsSummary = (signal: EcsServiceSignal, service: string): string =>
  `${ECS_WORDS[signal.kind]} ${service}${signal.deploymentId ? ` (deployment ${signal.deploymentId})` : ''} at ${signal.at.slice(11, 16)} UTC${signal.reason ? `: ${signal.reason}` : ''}`;

/**
 * An ECS service event on a watched service: on its newest open incident as an `ecs-event` entry
 * (once per event id), or, with none open, an incident of its own at `ecsEvents.severity`.
 */
export const intakeEcsEvent = async (event: unknown, deps: IntakeDeps): Promise<IntakeResult> => {
  let parsed: ReturnType<typeof parseEcsEvent>;
  try {
    parsed = parseEcsEvent(event);
  } catch (error) {
    if (error instanceof ValidationError) return { outcome: 'rejected', reason: error.message };
    throw error;
  }
  if ('ignored' in parsed) return { outcome: 'ignored', reason: parsed.ignored };
  const signal = parsed;
  if (!deps.config.ecsEvents.enabled)
    return {
      outcome: 'ignored',
      reason: `${signal.eventName}: ECS events are off (ecsEvents.enabled is false)`,
    };
  const svc = deps.config.services.find((s) => s.cluster === signal.cluster && s.service === signal.service);
  if (!svc)
    return {
      outcome: 'ignored',
      reason: `${signal.eventName} on ${signal.cluster}/${signal.service}, which is not a watched service`,
    };
  const summary = ecsSummary(signal, svc.name);
  const entry = {
    kind: 'ecs-event' as const,
    actor: ECS_ACTOR,
    summary,
    details: {
      eventName: signal.eventName,
      at: signal.at,
      eventId: signal.eventId,
      ...(signal.reason ? { reason: signal.reason } : {}),
      ...(signal.deploymentId ? { deploymentId: signal.deploymentId } : {}),
    },
  };
  const seen = (i: Incident) =>
    i.timeline.some((e) => e.kind === 'ecs-event' && e.details?.eventId === signal.eventId);
  const open = [...(await deps.openIncidents(svc.name))].sort((a, b) =>
    b.createdAt.localeCompare(a.createdAt),
  )[0];
  if (open) {
    let joined = false;
    const updated = await deps.incidents.update(open.id, (i, at) => {
      if (seen(i)) return i;
      joined = true;
      return appendEntries(i, at, entry);
    });
    return {
      outcome: joined ? 'updated' : 'duplicate',
      reason: joined ? `${summary}: on ${open.id}` : `ECS event ${signal.eventId} is already on ${open.id}`,
      incidentId: open.id,
      service: svc.name,
      severity: updated.severity,
      status: updated.status,
    };
  }
  const severity = deps.config.ecsEvents.severity;
  const suppression = deps.suppressionFor
    ? await deps.suppressionFor(svc.name, new Date(signal.at))
    : undefined;
  const recorded = await deps.incidents.recordAlarm({
    signal: {
      alarmName: `ecs:${svc.name}:${signal.eventName}`,
      state: 'ALARM',
      at: signal.at,
      service: svc.name,
      reason: summary,
      account: signal.account,
      region: signal.region,
    },
    severity,
    severityReason: `ECS reported ${signal.eventName} on ${svc.name}, none of its incidents open: ecsEvents.severity ${severity}`,
    title: `${svc.name}: ${ECS_WORDS[signal.kind]} the service`,
    ...(svc.runbookUrl ? { runbookUrl: svc.runbookUrl } : {}),
    ...(suppression ? { suppression } : {}),
  });
  if (recorded.incidentId && recorded.outcome === 'opened')
    await deps.incidents.update(recorded.incidentId, (i, at) => (seen(i) ? i : appendEntries(i, at, entry)));
  return {
    outcome: recorded.outcome,
    reason: recorded.reason,
    service: svc.name,
    ...(recorded.incidentId ? { incidentId: recorded.incidentId } : {}),
    ...(recorded.incident ? { severity: recorded.incident.severity, status: recorded.incident.status } : {}),
    ...(recorded.incident?.suppressed ? { suppressedUntil: recorded.incident.suppressed.until } : {}),
  };
};
