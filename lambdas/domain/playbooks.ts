/**
 * The guardrails between a diagnosis and an automatic action (a rollback, restart, scale-out, or a
 * custom action of the config that the service's playbook names: the same guardrails for all). Every
 * decision, taken or refused, carries its reason in words for the timeline.
 *
 * Pure: the guardrail state and the time are handed in.
 *
 * Checks, in order (the first that applies decides):
 * 1. the diagnosis recommends `page-only` -> `page-only` (no guardrail matters when nothing would run);
 * 2. automation disabled in the config, or the kill switch off -> `refused` (saying which);
 * 3. the service is not allow-listed -> `refused`;
 * 4. the caps: actions in this incident, then actions on the service in the last hour -> `refused`;
 * 5. the cooldown since the last action on the service -> `refused`, with the minutes left;
 * 6. the action's target: scale-out without `maxDesiredCount`, or beyond it, and a rollback,
 *    scale-out or custom action that carries no target -> `refused`;
 * 7. dry-run -> `dry-run`, saying what would have been done;
 * 8. approval required -> `needs-approval`;
 * 9. otherwise `act`.
 * Dry-run comes after every refusal so a dry run reports what a live run would really do, and the kill
 * switch comes before the allow-list and caps because it is the operator's stop for everything.
 */
import type { Decision, DecisionVerdict, Diagnosis, GuardrailState, Playbook } from './evidence';

const MINUTE_MS = 60_000;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The action as a verb phrase without the service, e.g. "roll back to checkout:41". */
const actionPhrase = (
  playbook: Playbook,
  target: { rollbackTo?: string; scaleTo?: number; action?: string },
): string => {
  switch (playbook) {
    case 'rollback':
      return target.rollbackTo ? `roll back to ${target.rollbackTo}` : 'roll back';
    case 'restart':
      return 'force a new deployment (restart)';
    case 'scale-out':
      return target.scaleTo !== undefined ? `scale out to ${plural(target.scaleTo, 'task')}` : 'scale out';
    case 'page-only':
      return 'page the on-call without an automatic action';
    case 'custom':
      return target.action ? `run the action ${target.action}` : 'run a custom action';
  }
};

/** Why automation may not act now, or undefined when every guardrail before dry-run passes. */
const refusal = (diagnosis: Diagnosis, g: GuardrailState, now: Date): string | undefined => {
  if (!g.automationEnabled || !g.killSwitchAllowsActions) {
    const off = [
      ...(g.automationEnabled ? [] : ['automation is disabled in the deployment config']),
      ...(g.killSwitchAllowsActions ? [] : ['the kill switch is off']),
    ];
    return `${off.join(' and ')}: no automatic actions`;
  }
  if (!g.allowlisted) return 'the service is not on the automation allow-list';
  if (g.actionsThisIncident >= g.maxActionsPerIncident) {
    return `cap reached: ${plural(g.actionsThisIncident, 'automatic action')} already in this incident (at most ${g.maxActionsPerIncident})`;
  }
  if (g.actionsLastHourForService >= g.maxActionsPerHour) {
    return `cap reached: ${plural(g.actionsLastHourForService, 'automatic action')} on the service in the last hour (at most ${g.maxActionsPerHour} an hour)`;
  }
  if (g.lastActionAt !== undefined) {
    const last = Date.parse(g.lastActionAt);
    if (!Number.isFinite(last)) return `cooldown: the last action time "${g.lastActionAt}" is unreadable`;
    const elapsed = Math.max(0, now.getTime() - last) / MINUTE_MS;
    if (elapsed < g.cooldownMinutes) {
      const left = Math.ceil(g.cooldownMinutes - elapsed);
      return `cooldown: the last automatic action on the service was ${Math.floor(elapsed)} min ago; ${plural(left, 'minute')} left of the ${g.cooldownMinutes}-min cooldown`;
    }
  }
  if (diagnosis.recommended === 'scale-out') {
    if (g.maxDesiredCount === undefined) return 'scale-out needs maxDesiredCount configured for the service';
    if (diagnosis.scaleTo === undefined) return 'scale-out without a target count';
    if (diagnosis.scaleTo > g.maxDesiredCount) {
      return `scale-out to ${diagnosis.scaleTo} tasks is above the configured maximum of ${g.maxDesiredCount}`;
    }
  }
  if (diagnosis.recommended === 'rollback' && !diagnosis.rollbackTo)
    return 'rollback without a target revision';
  if (diagnosis.recommended === 'custom' && !diagnosis.action) return 'a custom action without a name';
  return undefined;
};

/**
 * Decides whether the diagnosis's recommended playbook runs, under the guardrails, in the order the
 * module comment gives. `rollbackTo` and `scaleTo` are carried through on every decision so the
 * timeline shows what was (or would have been) done.
 */
export function decide(diagnosis: Diagnosis, guardrails: GuardrailState, now: Date): Decision {
  const playbook = diagnosis.recommended;
  const target = {
    ...(diagnosis.rollbackTo ? { rollbackTo: diagnosis.rollbackTo } : {}),
    ...(diagnosis.scaleTo !== undefined ? { scaleTo: diagnosis.scaleTo } : {}),
    ...(diagnosis.action ? { action: diagnosis.action } : {}),
  };
  const decision = (verdict: DecisionVerdict, reason: string): Decision => ({
    verdict,
    playbook,
    reason,
    ...target,
  });
  if (playbook === 'page-only') {
    return decision('page-only', `no automatic action for ${diagnosis.suspectedCause}: ${diagnosis.summary}`);
  }
  const action = actionPhrase(playbook, target);
  const refused = refusal(diagnosis, guardrails, now);
  if (refused) return decision('refused', `refused to ${action}: ${refused}`);
  if (guardrails.dryRun) return decision('dry-run', `dry run: would ${action}`);
  if (guardrails.approvalRequired) return decision('needs-approval', `approval required to ${action}`);
  return decision('act', `${action}: every guardrail passed`);
}

/**
 * The action in words for pages and the timeline, e.g. "roll back checkout to checkout:41", "force a
 * new deployment of checkout", "scale checkout from 3 to 5 tasks". `currentDesired` gives the "from"
 * of a scale-out; without it the phrase names only the target.
 */
export const describeAction = (decision: Decision, service: string, currentDesired?: number): string => {
  switch (decision.playbook) {
    case 'rollback':
      return decision.rollbackTo
        ? `roll back ${service} to ${decision.rollbackTo}`
        : `roll back ${service} (no target revision)`;
    case 'restart':
      return `force a new deployment of ${service}`;
    case 'scale-out': {
      if (decision.scaleTo === undefined) return `scale out ${service} (no target count)`;
      const from = currentDesired === undefined ? '' : ` from ${currentDesired}`;
      return `scale ${service}${from} to ${plural(decision.scaleTo, 'task')}`;
    }
    case 'page-only':
      return `page the on-call for ${service}; no automatic action`;
    case 'custom':
      return decision.action
        ? `run the action ${decision.action} for ${service}`
        : `run a custom action for ${service} (no action named)`;
  }
};
