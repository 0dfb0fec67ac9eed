/**
 * Mitigation: the decided action, carried out. Every action (an ECS rollback, restart or scale-out,
 * or a custom action of the config) is first reserved in the service's action log with a conditional
 * write that re-checks the cooldown and the hourly cap, so two incidents on one service cannot both
 * act; a crash after the reservation counts an action that did not happen, which errs on the safe side.
 */
import { type AutomationRun, MITIGATION_OUTCOME, type MitigationOutcome } from '../contract/steps';
import { IncidentNotFoundError } from '../domain/errors';
import type { Decision } from '../domain/evidence';
import { describeAction } from '../domain/playbooks';
import { markStarted, reserveAction } from './action-log';
import { type AutomationDeps, load, note, serviceOf } from './automation';
import { runCustomAction } from './custom-actions';

export interface MitigateResult {
  readonly incidentId: string;
  /** Whether an action ran that recovery should now be verified for. */
  readonly acted: boolean;
  readonly outcome: MitigationOutcome;
  readonly action: string;
  readonly startedAt: string;
  /** Why it was skipped or failed, for the page. */
  readonly reason?: string;
  /** For `running`: the seconds to wait before the next poll. */
  readonly waitSeconds?: number;
  /** For `running`: the automation execution the workflow polls. */
  readonly automation?: AutomationRun;
}

/** Carries out the decision: on ECS, or through the custom action it names. */
export const mitigate = async (
  deps: AutomationDeps,
  incidentId: string,
  decision: Decision,
): Promise<MitigateResult> => {
  const incident = await load(deps, incidentId);
  if (decision.playbook === 'custom') return runCustomAction(deps, incident, decision);
  const svc = serviceOf(deps, incident);
  if (!svc) throw new IncidentNotFoundError(`${incident.service} is not a watched service`);
  const now = deps.clock();
  const action = describeAction(decision, svc.service);
  const startedAt = now.toISOString();
  const reservation = await reserveAction(deps, incidentId, incident.service, decision.playbook, now);
  if (!reservation.reserved) {
    const reason = `refused at the last moment: ${reservation.why}; no action taken`;
    await note(deps, incidentId, reason);
    return { incidentId, acted: false, outcome: MITIGATION_OUTCOME.skipped, action, startedAt, reason };
  }
  await markStarted(deps, incidentId, decision.playbook, action);
  if (decision.playbook === 'rollback' && decision.rollbackTo)
    await deps.ecs.rollback(svc.cluster, svc.service, decision.rollbackTo);
  else if (decision.playbook === 'restart') await deps.ecs.restart(svc.cluster, svc.service);
  else if (decision.playbook === 'scale-out' && decision.scaleTo)
    await deps.ecs.scale(svc.cluster, svc.service, decision.scaleTo);
  else throw new Error(`nothing to do for ${decision.playbook}: the decision carries no target`);
  return { incidentId, acted: true, outcome: MITIGATION_OUTCOME.acted, action, startedAt };
};
