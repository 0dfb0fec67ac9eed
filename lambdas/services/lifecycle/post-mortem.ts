/**
 * After resolution. An incident that owes a post-mortem (its severity is in `postMortem.requiredFor`)
 * stays RESOLVED while its owner is reminded, in the reminders' own workflow, until the post-mortem
 * is marked done, which closes it. Any other incident closes once the reopen window has passed (see
 * `close` in steps.ts).
 */
import { firstTiers, operatorTiers } from '../../domain/escalation';
import { appendEntries, countReminder, type Incident } from '../../domain/incident';
import { type LifecycleConfig, type LifecycleDeps, load, result, type StepResult, WORKFLOW } from './deps';
import { page } from './paging';

/** Who is reminded about a post-mortem: the configured owner tier, else the severity's first tier. */
export const postMortemOwner = (config: LifecycleConfig, incident: Incident): string =>
  config.postMortem.ownerTier ??
  firstTiers(config.escalation, incident.severity)[0] ??
  operatorTiers(config.escalation, Object.keys(config.contacts))[0] ??
  Object.keys(config.contacts)[0] ??
  'on-call';

/** When a RESOLVED incident's reopen window ends (undefined unless it is RESOLVED). */
export const closingTime = (incident: Incident, windowMinutes: number): string | undefined => {
  const resolvedAt = incident.statusTimestamps.RESOLVED;
  if (incident.status !== 'RESOLVED' || !resolvedAt) return undefined;
  return new Date(Date.parse(resolvedAt) + windowMinutes * 60_000).toISOString();
};

/**
 * Post-incident: an incident that owes a post-mortem (P1/P2 by default) stays RESOLVED, and its
 * reminders start in their own workflow until the post-mortem is marked done, which closes it. The
 * rest close once the reopen window has passed (an alarm firing again within it reopens the same
 * incident, which a CLOSED one cannot be): the workflow waits until `closeAt`, then runs `close`.
 */
export const postIncident = async (
  deps: LifecycleDeps,
  incidentId: string,
): Promise<StepResult & { postMortemDue?: string; closeAt?: string }> => {
  const incident = await load(deps, incidentId);
  const owed = incident.postMortem;
  if (incident.status === 'RESOLVED' && owed && !owed.doneAt) {
    if (deps.postMortems) {
      // Named per resolution: a retried step starts it once; a later resolution starts a new one.
      const epoch = incident.reopenCount;
      const execution = await deps.postMortems.start(
        { incidentId, epoch },
        `${incidentId}-postmortem-${epoch}`,
      );
      await deps.incidents.update(incidentId, (i, at) =>
        appendEntries(i, at, {
          kind: 'note',
          actor: WORKFLOW,
          summary: `post-mortem reminders to ${owed.owner} every ${deps.config.postMortem.remindEveryHours} h until it is done (due ${owed.due})`,
          details: { execution },
        }),
      );
    }
    return { ...result(incident), postMortemDue: owed.due };
  }
  const closeAt = closingTime(incident, deps.config.reopenWindowMinutes);
  return { ...result(incident), ...(closeAt ? { closeAt } : {}) };
};

export type PostMortemPlan =
  | { readonly done: true; readonly reason: string }
  | { readonly done: false; readonly nextAt: string };

const remindEveryMs = (config: LifecycleConfig): number => config.postMortem.remindEveryHours * 3_600_000;

/**
 * The post-mortem reminders' planning step: the n-th reminder is due n × remindEveryHours after
 * resolution (with the defaults: 24 h before the deadline, at it, then daily while overdue), until
 * the post-mortem is done or the incident reopens (its next resolution starts new reminders, with
 * its own epoch, so this loop ends).
 */
export const planPostMortem = async (
  deps: LifecycleDeps,
  incidentId: string,
  epoch: number,
): Promise<PostMortemPlan> => {
  const incident = await load(deps, incidentId);
  const owed = incident.postMortem;
  if (!owed) return { done: true, reason: `${incidentId} owes no post-mortem` };
  if (owed.doneAt) return { done: true, reason: `post-mortem done by ${owed.doneBy}: ${owed.doc}` };
  const resolvedAt = incident.statusTimestamps.RESOLVED;
  if (incident.reopenCount !== epoch || incident.status !== 'RESOLVED' || !resolvedAt)
    return {
      done: true,
      reason: `${incidentId} was reopened (${incident.status}): its next resolution starts new reminders`,
    };
  const nextAt = Date.parse(resolvedAt) + (owed.remindersSent + 1) * remindEveryMs(deps.config);
  return { done: false, nextAt: new Date(nextAt).toISOString() };
};

/**
 * Reminds the owner when a reminder is due and the post-mortem is still owed. The reminder is
 * claimed on the record (a versioned write) before it is sent, so a retried step, or a second
 * reminder workflow, sends no second one. At most once: a send that fails after the claim skips that
 * reminder (the next comes `remindEveryHours` later), and when retries run out the step's Catch
 * pages a person with the error.
 */
export const remindPostMortem = async (
  deps: LifecycleDeps,
  incidentId: string,
): Promise<{ readonly reminded: boolean; readonly reason: string }> => {
  let claimed = false;
  const incident = await deps.incidents.update(incidentId, (i, at) => {
    claimed = false;
    const owed = i.postMortem;
    const resolvedAt = i.statusTimestamps.RESOLVED;
    if (!owed || owed.doneAt || i.status !== 'RESOLVED' || !resolvedAt) return i;
    const dueByNow = Math.floor((at.getTime() - Date.parse(resolvedAt)) / remindEveryMs(deps.config));
    if (owed.remindersSent >= dueByNow) return i;
    claimed = true;
    return countReminder(i);
  });
  const owed = incident.postMortem;
  if (!claimed || !owed)
    return {
      reminded: false,
      reason: `no reminder due on ${incidentId} (${incident.status}${owed?.doneAt ? ', post-mortem done' : ''})`,
    };
  await page(deps, incident, 'POSTMORTEM', [owed.owner]);
  deps.metrics?.postMortemReminder(incident);
  deps.metrics?.flush();
  return { reminded: true, reason: `reminder ${owed.remindersSent} sent to ${owed.owner}` };
};
