/**
 * The escalation policy of one firing, run in its own workflow beside the lifecycle: a loop that
 * plans its next entry (a step that pages more tiers, or a status update), sleeps until then, and
 * fires the entry only if it still applies. A reopen starts a new loop (epoch = reopenCount), so the
 * older one ends; a loop near the history limit hands over to a new execution with the same cursor.
 */
import {
  type EscalationEntry,
  type EscalationView,
  nextEscalation,
  stillApplies,
} from '../../domain/escalation';
import type { Incident } from '../../domain/incident';
import { isOpen } from '../../domain/lifecycle';
import { deferUntil, onCallIn } from '../../domain/oncall';
import { schedulesOf } from '../../domain/paging-targets';
import type { Severity } from '../../domain/severity';
import { type LifecycleConfig, type LifecycleDeps, load } from './deps';
import { fireHandoff } from './handoff';
import { page } from './paging';
import { emitWebhooks } from './webhooks';

/** The escalation policy's execution for one firing of an incident (Step Functions names: at most 80 characters). */
export const escalationExecutionName = (incidentId: string, epoch: number, generation = 0): string =>
  `${incidentId}-escalation-${epoch}${generation > 0 ? `-g${generation}` : ''}`.slice(0, 80);

/** The policy of `severity` in a line for the timeline: its later steps and the status update cadence. */
export const describePolicy = (config: LifecycleConfig, severity: Severity): string => {
  const steps = config.escalation[severity].steps
    .filter((s) => s.afterMinutes > 0)
    .map((s) => `${s.notify.join('+')} at +${s.afterMinutes} min if ${s.trigger ?? 'not-acknowledged'}`);
  const cadence = config.statusUpdateMinutes[severity];
  return [...steps, cadence ? `updates every ${cadence} min` : 'updates as needed'].join('; ');
};

/**
 * When this firing's first page may go: at detection, or, when the severity's pages wait for a
 * calendar (`oncall.deferral`) that is closed then, at its next opening.
 */
export const firstPageAt = (
  config: LifecycleConfig,
  i: Incident,
): { readonly at: string; readonly deferred: boolean } => {
  const detected = i.statusTimestamps.DETECTED ?? i.createdAt;
  const name = config.oncall?.deferral[i.severity];
  const calendar = name === undefined ? undefined : config.oncall?.calendars[name];
  if (calendar === undefined) return { at: detected, deferred: false };
  const until = deferUntil(calendar, new Date(detected));
  return until.getTime() === Date.parse(detected)
    ? { at: detected, deferred: false }
    : { at: until.toISOString(), deferred: true };
};

const escalationView = (config: LifecycleConfig, i: Incident): EscalationView => {
  const first = firstPageAt(config, i);
  return {
    severity: i.severity,
    open: isOpen(i.status),
    acknowledged: i.acknowledgedBy !== undefined,
    since: first.at,
    pagedTiers: i.pagedTiers,
    ...(first.deferred ? { deferred: true } : {}),
  };
};

/**
 * The next handoff, after `after`, of the schedules the incident's paged tiers read: the moment the
 * answer of one of them may change (a rotation handoff, a calendar boundary, an override's start or
 * end). Undefined when no paged tier reads a schedule.
 */
const nextHandoff = async (
  deps: LifecycleDeps,
  incident: Incident,
  after: string,
): Promise<EscalationEntry | undefined> => {
  const oncall = deps.config.oncall;
  const tiers = incident.pagedTiers.filter((t) => deps.config.contacts[t]?.schedule !== undefined);
  if (oncall === undefined || tiers.length === 0) return undefined;
  const at = new Date(after);
  const schedules = schedulesOf(deps.config, tiers);
  const overrides = deps.overrides ? await deps.overrides.overridesInForce(schedules, at) : [];
  const ends = tiers.map((t) => {
    const tier = deps.config.contacts[t];
    const answer = onCallIn(oncall, overrides, tier?.schedule ?? '', at, {
      severity: incident.severity,
      ...(tier?.layer === undefined ? {} : { layer: tier.layer }),
    });
    return answer.end.getTime();
  });
  const next = new Date(Math.min(...ends)).toISOString();
  return {
    at: next,
    kind: 'handoff',
    tiers,
    trigger: 'not-resolved',
    label: `handoff of ${schedules.join(', ')} at ${next}`,
  };
};

export type EscalationPlan =
  | { readonly done: true; readonly reason: string }
  | { readonly done: false; readonly nextAt: string; readonly entry: EscalationEntry };

/**
 * The escalation loop's planning step: when to wake next, or that it is done. A reopen starts a new
 * loop (epoch = reopenCount), so the older one ends.
 */
export const planEscalation = async (
  deps: LifecycleDeps,
  incidentId: string,
  epoch: number,
  after?: { readonly at: string; readonly label: string },
): Promise<EscalationPlan> => {
  const incident = await load(deps, incidentId);
  if (incident.reopenCount !== epoch)
    return { done: true, reason: 'the incident was reopened: a newer escalation runs' };
  const view = escalationView(deps.config, incident);
  const cursor = after?.at ? after : { at: view.since, label: '' };
  const next = nextEscalation(
    deps.config.escalation,
    deps.config.statusUpdateMinutes[incident.severity],
    view,
    cursor,
  );
  const handoff = view.open ? await nextHandoff(deps, incident, cursor.at) : undefined;
  // A handoff due no later than the policy's next entry comes first ("handoff" sorts before "step"
  // and "update" at the same instant), so the incoming person is told before they are paged.
  if (handoff && (next.done || handoff.at <= next.entry.at))
    return { done: false, nextAt: handoff.at, entry: handoff };
  return next.done ? next : { done: false, nextAt: next.entry.at, entry: next.entry };
};

/**
 * Hands the escalation policy of one firing over to a new execution with the same cursor, before the
 * running one reaches the history limit. Named by generation: a retried step starts it once.
 */
export const continueEscalation = async (
  deps: LifecycleDeps,
  incidentId: string,
  epoch: number,
  generation: number,
  after: { readonly at: string; readonly label: string },
): Promise<{ readonly execution: string }> => {
  const next = generation + 1;
  const execution = await deps.escalations.start(
    { incidentId, epoch, generation: next, after },
    escalationExecutionName(incidentId, epoch, next),
  );
  return { execution };
};

/** Fires a planned entry if it still applies when its time comes: a step pages its tiers, an update everyone paged. */
export const fireEscalation = async (
  deps: LifecycleDeps,
  incidentId: string,
  epoch: number,
  entry: EscalationEntry,
): Promise<{ readonly fired: boolean; readonly reason: string }> => {
  const incident = await load(deps, incidentId);
  const view = escalationView(deps.config, incident);
  if (incident.reopenCount !== epoch || !stillApplies(entry, view)) {
    return {
      fired: false,
      reason: `${entry.label} no longer applies (${incident.status}${incident.acknowledgedBy ? `, acknowledged by ${incident.acknowledgedBy}` : ''})`,
    };
  }
  if (entry.kind === 'update') {
    const sent = await page(deps, incident, 'UPDATE', incident.pagedTiers, { why: entry.label });
    if (sent.length > 0) await emitWebhooks(deps, incidentId, 'incident.status-update');
    return { fired: true, reason: entry.label };
  }
  if (entry.kind === 'handoff') return fireHandoff(deps, incident, entry);
  if (entry.first) {
    await page(deps, incident, 'INCIDENT', entry.tiers);
    return { fired: true, reason: entry.label };
  }
  const condition = entry.trigger === 'not-acknowledged' ? 'not acknowledged' : 'not resolved';
  const sent = await page(deps, incident, 'ESCALATION', entry.tiers, { why: `${condition}: ${entry.label}` });
  // The event is the page this step sent: none sent, no event (the latest page would be an older one).
  if (sent.length > 0) await emitWebhooks(deps, incidentId, 'incident.escalated');
  return { fired: true, reason: entry.label };
};
