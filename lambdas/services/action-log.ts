/**
 * The service's action log as mitigation uses it: one reservation per action (a conditional write
 * that re-checks the cooldown and the hourly cap against what other incidents did meanwhile), and
 * the timeline entry of an action that starts.
 */
import type { ServiceAction } from '../adapters/incident-store';
import type { Decision } from '../domain/evidence';
import { advance, appendEntries } from '../domain/incident';
import { AUTOMATION, type AutomationDeps, HOUR } from './automation';

const recentActions = (actions: readonly ServiceAction[], now: Date): ServiceAction[] =>
  actions.filter((a) => now.getTime() - Date.parse(a.at) < 24 * HOUR);

/**
 * Reserves one action on the incident's service in its action log; the reason it may not act now
 * when the cooldown or the hourly cap stands in the way (another incident acted meanwhile).
 */
export const reserveAction = async (
  deps: AutomationDeps,
  incidentId: string,
  service: string,
  playbook: Decision['playbook'],
  now: Date,
): Promise<{ readonly reserved: true } | { readonly reserved: false; readonly why: string }> => {
  const auto = deps.config.automation;
  for (let attempt = 1; attempt <= 20; attempt++) {
    const log = await deps.store.getServiceActions(service);
    const last = log.actions.at(-1);
    const lastHour = log.actions.filter((a) => now.getTime() - Date.parse(a.at) < HOUR).length;
    const coolingDown = last && now.getTime() - Date.parse(last.at) < auto.cooldownMinutes * 60_000;
    if (coolingDown || lastHour >= auto.maxActionsPerHour) {
      const why = coolingDown
        ? `another action on ${service} at ${last?.at} is within the ${auto.cooldownMinutes} min cooldown`
        : `${lastHour} actions on ${service} in the last hour`;
      return { reserved: false, why };
    }
    const reserved = await deps.store.putServiceActions(log, [
      ...recentActions(log.actions, now),
      { at: now.toISOString(), incidentId, playbook },
    ]);
    if (reserved) return { reserved: true };
  }
  throw new Error(`could not reserve an action on ${service}: the action log kept changing`);
};

/** The timeline entry of an action that starts, and the incident to MITIGATING. */
export const markStarted = (
  deps: AutomationDeps,
  incidentId: string,
  playbook: Decision['playbook'],
  action: string,
) =>
  deps.incidents.update(incidentId, (i, at) =>
    advance(
      appendEntries(i, at, {
        kind: 'action',
        actor: AUTOMATION,
        summary: `started: ${action}`,
        details: { playbook, executed: true },
      }),
      'MITIGATING',
      AUTOMATION,
      at,
      action,
    ),
  );
