/**
 * Who the escalation policy calls, and when (the config holds each team's escalation matrix; its
 * default is DEFAULT_ESCALATION in lambdas/contract/config-schema-paging.ts). Pure: the policy is data handed in.
 */
import type { Severity } from './severity';

export interface EscalationStepPolicy {
  readonly afterMinutes: number;
  readonly notify: readonly string[];
  /** Fire only while nobody has acknowledged, or only while unresolved. @default 'not-acknowledged' */
  readonly trigger?: 'not-acknowledged' | 'not-resolved';
  readonly repeat?: { readonly times: number; readonly everyMinutes: number };
}

export type EscalationPolicies = Readonly<
  Record<Severity, { readonly steps: readonly EscalationStepPolicy[] }>
>;

/** Tiers the policy pages at once (steps at minute 0): tier 1. */
export const firstTiers = (policies: EscalationPolicies, severity: Severity): string[] => [
  ...new Set(policies[severity].steps.filter((s) => s.afterMinutes === 0).flatMap((s) => s.notify)),
];

/** The next tier the policy reaches that has not been paged yet: who an escalation calls. */
export const nextTiers = (
  policies: EscalationPolicies,
  severity: Severity,
  alreadyPaged: readonly string[],
): string[] => {
  const later = [...policies[severity].steps]
    .sort((a, b) => a.afterMinutes - b.afterMinutes)
    .flatMap((s) => s.notify);
  const next = later.find((t) => !alreadyPaged.includes(t));
  return next ? [next] : [];
};

/**
 * Who hears about a failure of the workflow itself when there is no incident to hang it on: tier 1
 * of the P1 policy, else the first configured tier. Somebody is always told.
 */
export const operatorTiers = (policies: EscalationPolicies, tiers: readonly string[]): string[] => {
  const p1 = firstTiers(policies, 'P1');
  const first = tiers[0];
  return p1.length > 0 ? p1 : first ? [first] : [];
};

/**
 * One scheduled moment of the escalation policy: a step (or a repeat of it), a status update, or a
 * handoff of a schedule that a paged tier reads (the incoming person gets a handoff note).
 */
export interface EscalationEntry {
  readonly at: string;
  readonly kind: 'step' | 'update' | 'handoff';
  /** For steps: which tiers, under which condition. For updates: everyone paged so far. For handoffs: the tiers reading the schedule. */
  readonly tiers: readonly string[];
  /** A minute-0 step deferred to a calendar's opening: it is the incident's first page. */
  readonly first?: boolean;
  readonly trigger: 'not-acknowledged' | 'not-resolved';
  /** e.g. "step 2 (devops-lead) at +60 min" or "update 1: status at +60 min". */
  readonly label: string;
}

/** What the escalation loop knows of the incident when it plans or fires. */
export interface EscalationView {
  readonly severity: Severity;
  readonly open: boolean;
  readonly acknowledged: boolean;
  /** When this firing of the incident began: detection, or the latest reopen. */
  readonly since: string;
  readonly pagedTiers: readonly string[];
  /**
   * The first page was deferred to a calendar's opening (config `oncall.deferral`): `since` is that
   * opening, and the minute-0 steps are entries of the loop rather than pages of the announcement.
   */
  readonly deferred?: boolean;
}

/**
 * Every moment the policy would act for `view`, in time order: each step after minute 0 (tier 1 is
 * paged by the announcement), each repeat, and status updates at the severity's cadence up to `horizon`.
 */
export const escalationSchedule = (
  policies: EscalationPolicies,
  updateMinutes: number | null | undefined,
  view: EscalationView,
  horizon: Date,
): EscalationEntry[] => {
  const base = Date.parse(view.since);
  const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
  const entries: EscalationEntry[] = [];
  policies[view.severity].steps.forEach((step, i) => {
    const trigger = step.trigger ?? 'not-acknowledged';
    const who = step.notify.join(', ');
    if (step.afterMinutes > 0) {
      entries.push({
        at: at(step.afterMinutes),
        kind: 'step',
        tiers: step.notify,
        trigger,
        label: `step ${i + 1} (${who}) at +${step.afterMinutes} min`,
      });
    } else if (view.deferred) {
      entries.push({
        at: at(0),
        kind: 'step',
        tiers: step.notify,
        trigger,
        first: true,
        label: `step ${i + 1} (${who}) deferred to ${view.since}`,
      });
    }
    for (let r = 1; r <= (step.repeat?.times ?? 0); r++) {
      const minutes = step.afterMinutes + r * (step.repeat?.everyMinutes ?? 0);
      entries.push({
        at: at(minutes),
        kind: 'step',
        tiers: step.notify,
        trigger,
        label: `step ${i + 1} (${who}) repeat ${r} at +${minutes} min`,
      });
    }
  });
  if (updateMinutes) {
    for (let k = 1; base + k * updateMinutes * 60_000 <= horizon.getTime(); k++) {
      // "update ..." sorts after "step ...": a step due at the same minute fires first, so the update
      // also reaches the tier it just paged.
      entries.push({
        at: at(k * updateMinutes),
        kind: 'update',
        tiers: [],
        trigger: 'not-resolved',
        label: `update ${k}: status at +${k * updateMinutes} min`,
      });
    }
  }
  return entries.sort((a, b) => a.at.localeCompare(b.at) || a.label.localeCompare(b.label));
};

/** Whether an entry still applies: a step for the unacknowledged stops at acknowledgement; all stop at resolution. */
export const stillApplies = (entry: EscalationEntry, view: EscalationView): boolean =>
  view.open && !(entry.trigger === 'not-acknowledged' && view.acknowledged);

/** Where the loop stands: the last entry it handled (entries due at the same time are ordered by label). */
export interface EscalationCursor {
  readonly at: string;
  readonly label: string;
}

const isAfter = (e: EscalationEntry, cursor: EscalationCursor): boolean =>
  e.at > cursor.at || (e.at === cursor.at && e.label > cursor.label);

/**
 * The next entry after `cursor` that still applies, or why the loop is done. Status updates are
 * planned one cadence at a time, so the schedule stays finite while the incident stays open.
 */
export const nextEscalation = (
  policies: EscalationPolicies,
  updateMinutes: number | null | undefined,
  view: EscalationView,
  cursor: EscalationCursor,
):
  | { readonly done: true; readonly reason: string }
  | { readonly done: false; readonly entry: EscalationEntry } => {
  if (!view.open) return { done: true, reason: 'the incident is no longer open' };
  const horizon = new Date(Date.parse(cursor.at) + (updateMinutes ?? 0) * 60_000);
  const next = escalationSchedule(policies, updateMinutes, view, horizon).find(
    (e) => isAfter(e, cursor) && stillApplies(e, view),
  );
  return next
    ? { done: false, entry: next }
    : { done: true, reason: 'the policy has nothing left to do for this incident' };
};
