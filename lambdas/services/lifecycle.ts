/**
 * The steps of the incident lifecycle that the workflow runs after intake, one function per Task:
 * announce, diagnose, mitigate, await recovery, resolve, post-incident, and escalation of a failure.
 * Each is a short flow over the store (versioned updates), the pager and the workflow callbacks.
 */

import type { IncidentMetricsSink } from '../adapters/incident-metrics';
import type { IncidentStore } from '../adapters/incident-store';
import type { Pager } from '../adapters/pager';
import type { ReportWriter } from '../adapters/report-store';
import type { WorkflowCallbacks } from '../adapters/workflow-callbacks';
import type { WorkflowStarter } from '../adapters/workflow-starter';
import type { DeploymentConfig } from '../contract/config-schema';
import { IncidentNotFoundError } from '../domain/errors';
import {
  type EscalationEntry,
  type EscalationView,
  firstTiers,
  nextEscalation,
  nextTiers,
  operatorTiers,
  stillApplies,
} from '../domain/escalation';
import type { Decision } from '../domain/evidence';
import {
  type Actor,
  advance,
  appendEntries,
  countReminder,
  endSuppression as endSilence,
  type Incident,
  lastResolution,
  type PageSent,
  recordPage,
  requirePostMortem,
  type Suppression,
  suppress,
  suppressionEndedBy,
  tiersPagedThisFiring,
} from '../domain/incident';
import { wasSuppressed } from '../domain/incident-stats';
import { isOpen } from '../domain/lifecycle';
import { actionUrl, linkFor } from '../domain/links';
import { type PageContext, type PageKind, renderPage } from '../domain/pages';
import { describeAction } from '../domain/playbooks';
import type { ResponderAction } from '../domain/responder-actions';
import type { Severity } from '../domain/severity';
import type { IncidentService } from './incident-service';
import { writeReport } from './post-incident';

export type LifecycleConfig = Pick<
  DeploymentConfig,
  'escalation' | 'statusUpdateMinutes' | 'postMortem' | 'contacts' | 'reopenWindowMinutes'
>;

export interface LifecycleDeps {
  readonly incidents: IncidentService;
  readonly store: IncidentStore;
  readonly pager: Pager;
  readonly callbacks: WorkflowCallbacks;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  /** Starts the escalation policy's own workflow for an announced incident. */
  readonly escalations: WorkflowStarter;
  /** Starts the post-mortem reminders' own workflow for a resolved incident that owes one. @default no reminders */
  readonly postMortems?: WorkflowStarter;
  /** Where incident reports are written. @default none are written */
  readonly reports?: ReportWriter;
  /**
   * The product's own metrics (MTTA, MTTR, ...). Incidents that began under a silence are counted as
   * suppressed (by the intake) and left out here, as `incident stats` leaves them out. @default none
   */
  readonly metrics?: IncidentMetricsSink;
  /** The silence covering a service now, re-checked when a suppression ends. @default none */
  readonly suppressionFor?: (service: string, at: Date) => Promise<Suppression | undefined>;
  /** Where pages' one-click links point, and how they are signed. @default no links (the CLI still works) */
  readonly links?: {
    readonly baseUrl: string;
    readonly secret: () => Promise<string>;
    readonly ttlMinutes: number;
    /** A fresh unique id per link (its single-use key). */
    readonly newId: () => string;
  };
}

/** Pages `tiers` about `incident` (with links), recording each page: what the responder endpoint's escalate uses. */
export const pageTiers = async (
  deps: LifecycleDeps,
  incidentId: string,
  kind: PageKind,
  tiers: readonly string[],
  ctx: Omit<PageContext, 'now' | 'nextUpdateMinutes' | 'links'> = {},
): Promise<PageSent[]> => page(deps, await load(deps, incidentId), kind, tiers, ctx);

const WORKFLOW: Actor = { type: 'automation', name: 'workflow' };

const load = async (deps: LifecycleDeps, id: string): Promise<Incident> => {
  const incident = await deps.store.getIncident(id);
  if (!incident) throw new IncidentNotFoundError(`no incident ${id}`);
  return incident;
};

/** Sends one page per tier and records each on the timeline (nothing sent is left unrecorded). */
/** Signed one-click links for `tier`, bound to the incident and each action (none without a responder endpoint). */
const linksFor = async (
  deps: LifecycleDeps,
  incident: Incident,
  tier: string,
  now: Date,
  actions: readonly ResponderAction[],
): Promise<Partial<Record<ResponderAction, string>>> => {
  if (!deps.links || !isOpen(incident.status)) return {};
  const { baseUrl, ttlMinutes, newId } = deps.links;
  const secret = await deps.links.secret();
  return Object.fromEntries(
    actions.map((action) => [
      action,
      actionUrl(
        baseUrl,
        linkFor({ incidentId: incident.id, action, recipient: tier, now, ttlMinutes, jti: newId() }, secret),
      ),
    ]),
  );
};

const page = async (
  deps: LifecycleDeps,
  incident: Incident,
  kind: PageKind,
  tiers: readonly string[],
  ctx: Omit<PageContext, 'now' | 'nextUpdateMinutes' | 'links'> = {},
): Promise<PageSent[]> => {
  const now = deps.clock();
  const nextUpdateMinutes = deps.config.statusUpdateMinutes[incident.severity] ?? undefined;
  const sent: PageSent[] = [];
  const actions: ResponderAction[] = [
    'ack',
    'escalate',
    'resolve',
    ...(ctx.approvalPending ? (['approve', 'deny'] as const) : []),
  ];
  for (const tier of tiers) {
    const rendered = renderPage(kind, incident, {
      ...ctx,
      now,
      nextUpdateMinutes,
      links: await linksFor(deps, incident, tier, now, actions),
      tier,
    });
    const messageId = await deps.pager.send(tier, rendered);
    const record: PageSent = { tier, kind, subject: rendered.subject, messageId };
    sent.push(record);
    await deps.incidents.update(incident.id, (i, at) => recordPage(i, record, WORKFLOW, at));
  }
  return sent;
};

export interface StepResult {
  readonly incidentId: string;
  readonly status: string;
  readonly severity: Severity;
}

const result = (incident: Incident): StepResult => ({
  incidentId: incident.id,
  status: incident.status,
  severity: incident.severity,
});

export const announce = async (
  deps: LifecycleDeps,
  incidentId: string,
): Promise<StepResult & { paged: string[] }> => {
  const incident = await load(deps, incidentId);
  if (deps.metrics && incident.reopenCount === 0 && !wasSuppressed(incident)) {
    deps.metrics.incidentOpened(incident);
    deps.metrics.flush();
  }
  const tiers = firstTiers(deps.config.escalation, incident.severity);
  if (tiers.length === 0) {
    const noted = await deps.incidents.update(incidentId, (i, at) =>
      appendEntries(i, at, {
        kind: 'note',
        actor: WORKFLOW,
        summary: `${i.severity}: the escalation policy pages nobody at once`,
      }),
    );
    return { ...result(noted), paged: [] };
  }
  // A retried Announce pages only the tiers its first attempt did not reach.
  const announced = tiersPagedThisFiring(incident, 'INCIDENT');
  const sent = await page(
    deps,
    incident,
    'INCIDENT',
    tiers.filter((t) => !announced.has(t)),
  );
  // The policy's later steps and the status updates run in their own workflow, woken only at their
  // times. Named per firing: a retried Announce starts it once (the name is taken), a reopen anew.
  const epoch = incident.reopenCount;
  const execution = await deps.escalations.start(
    { incidentId, epoch },
    escalationExecutionName(incidentId, epoch),
  );
  const noted = await deps.incidents.update(incidentId, (i, at) =>
    appendEntries(i, at, {
      kind: 'note',
      actor: WORKFLOW,
      summary: `escalation policy ${i.severity} started: ${describePolicy(deps.config, i.severity)}`,
      details: { execution },
    }),
  );
  return { ...result(noted), paged: sent.map((s) => s.tier) };
};

/** The escalation policy's execution for one firing of an incident (Step Functions names: at most 80 characters). */
export const escalationExecutionName = (incidentId: string, epoch: number, generation = 0): string =>
  `${incidentId}-escalation-${epoch}${generation > 0 ? `-g${generation}` : ''}`.slice(0, 80);

const describePolicy = (config: LifecycleConfig, severity: Severity): string => {
  const steps = config.escalation[severity].steps
    .filter((s) => s.afterMinutes > 0)
    .map((s) => `${s.notify.join('+')} at +${s.afterMinutes} min if ${s.trigger ?? 'not-acknowledged'}`);
  const cadence = config.statusUpdateMinutes[severity];
  return [...steps, cadence ? `updates every ${cadence} min` : 'updates as needed'].join('; ');
};

const escalationView = (i: Incident): EscalationView => ({
  severity: i.severity,
  open: isOpen(i.status),
  acknowledged: i.acknowledgedBy !== undefined,
  since: i.statusTimestamps.DETECTED ?? i.createdAt,
  pagedTiers: i.pagedTiers,
});

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
  const view = escalationView(incident);
  const next = nextEscalation(
    deps.config.escalation,
    deps.config.statusUpdateMinutes[incident.severity],
    view,
    after?.at ? after : { at: view.since, label: '' },
  );
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
  const view = escalationView(incident);
  if (incident.reopenCount !== epoch || !stillApplies(entry, view)) {
    return {
      fired: false,
      reason: `${entry.label} no longer applies (${incident.status}${incident.acknowledgedBy ? `, acknowledged by ${incident.acknowledgedBy}` : ''})`,
    };
  }
  if (entry.kind === 'update') {
    await page(deps, incident, 'UPDATE', incident.pagedTiers, { why: entry.label });
    return { fired: true, reason: entry.label };
  }
  const condition = entry.trigger === 'not-acknowledged' ? 'not acknowledged' : 'not resolved';
  await page(deps, incident, 'ESCALATION', entry.tiers, { why: `${condition}: ${entry.label}` });
  return { fired: true, reason: entry.label };
};

/**
 * An automatic action needs a person's yes: the callback token is kept on the incident and tier 1
 * is paged with what automation wants to do and how to answer. No answer in time means no action.
 */
export const awaitApproval = async (
  deps: LifecycleDeps,
  incidentId: string,
  token: string,
  decision: Decision,
): Promise<StepResult> => {
  const action = describeAction(decision, (await load(deps, incidentId)).service);
  const waiting = await deps.incidents.update(incidentId, (i, at) =>
    i.approvalToken === token
      ? i
      : appendEntries({ ...i, approvalToken: token }, at, {
          kind: 'action',
          actor: WORKFLOW,
          summary: `waiting for approval: ${action}`,
        }),
  );
  await page(deps, waiting, 'ESCALATION', firstTiers(deps.config.escalation, waiting.severity), {
    why: `approval needed to ${action}`,
    approvalPending: action,
  });
  return result(waiting);
};

/**
 * Stores the callback token of the step that waits for recovery. The OK that resolves the incident
 * resumes it; if the incident was resolved before the token was stored, this resumes it at once.
 * Both writes are versioned, so whichever lands second sees the other.
 */
export const awaitRecovery = async (
  deps: LifecycleDeps,
  incidentId: string,
  token: string,
): Promise<StepResult> => {
  const updated = await deps.incidents.update(incidentId, (i, at) =>
    i.recoveryToken === token
      ? i
      : advance(
          { ...i, recoveryToken: token },
          'MONITORING',
          WORKFLOW,
          at,
          'waiting for the alarm to return to OK',
        ),
  );
  if (!isOpen(updated.status)) {
    await deps.callbacks.succeed(token, {
      recovered: true,
      incidentId,
      at: updated.statusTimestamps.RESOLVED,
    });
  }
  return result(updated);
};

/**
 * Writes the report without letting it stop the lifecycle: a failed write (S3 or KMS refusing) goes
 * on the timeline and the notices go out without the link; `incident report ID` still prints it.
 */
const reportBestEffort = async (deps: LifecycleDeps, incident: Incident): Promise<Incident> => {
  try {
    return await writeReport(deps, incident);
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return deps.incidents.update(incident.id, (i, at) =>
      appendEntries(i, at, {
        kind: 'error',
        actor: WORKFLOW,
        summary: `incident report not written (${why}); incident report ${i.id} prints it from the record`,
        details: { step: 'report' },
      }),
    );
  }
};

/**
 * Resolution: the incident is RESOLVED (by the OK, a person, or here), a post-mortem is owed when its
 * severity needs one, the report is written, and everyone paged hears it, with the report's link.
 */
export const resolve = async (
  deps: LifecycleDeps,
  incidentId: string,
): Promise<StepResult & { notified: string[] }> => {
  const { requiredFor, dueHours } = deps.config.postMortem;
  const resolved = await deps.incidents.update(incidentId, (i, at) => {
    const cleared = i.recoveryToken ? { ...i, recoveryToken: undefined } : i;
    const done = advance(cleared, 'RESOLVED', WORKFLOW, at, 'recovery confirmed');
    if (done.status !== 'RESOLVED' || !requiredFor.includes(done.severity)) return done;
    const resolvedAt = Date.parse(done.statusTimestamps.RESOLVED ?? at.toISOString());
    return requirePostMortem(
      done,
      new Date(resolvedAt + dueHours * 3_600_000),
      postMortemOwner(deps.config, done),
      WORKFLOW,
      at,
    );
  });
  const told = toldOfResolution(resolved);
  const reported = told.size === 0 ? await reportBestEffort(deps, resolved) : resolved;
  // A retried step (the first attempt paged, then timed out) counts and tells nobody twice.
  if (deps.metrics && told.size === 0 && reported.status === 'RESOLVED' && !wasSuppressed(reported)) {
    deps.metrics.incidentResolved(reported);
    deps.metrics.flush();
  }
  const tiers = reported.pagedTiers.filter((tier) => !told.has(tier));
  const sent = await page(deps, reported, 'RESOLVED', tiers);
  return { ...result(await load(deps, incidentId)), notified: sent.map((s) => s.tier) };
};

/** The tiers already sent the RESOLVED notice of the incident's latest resolution. */
const toldOfResolution = (incident: Incident): Set<string> => {
  const since = lastResolution(incident)?.index ?? 0;
  return new Set(
    incident.timeline
      .slice(since)
      .flatMap((e) => (e.kind === 'page' && e.details?.kind === 'RESOLVED' ? [e.details.tier] : [])),
  );
};

/** Who is reminded about a post-mortem: the configured owner tier, else the severity's first tier. */
const postMortemOwner = (config: LifecycleConfig, incident: Incident): string =>
  config.postMortem.ownerTier ??
  firstTiers(config.escalation, incident.severity)[0] ??
  operatorTiers(config.escalation, Object.keys(config.contacts))[0] ??
  Object.keys(config.contacts)[0] ??
  'on-call';

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

const closingTime = (incident: Incident, windowMinutes: number): string | undefined => {
  const resolvedAt = incident.statusTimestamps.RESOLVED;
  if (incident.status !== 'RESOLVED' || !resolvedAt) return undefined;
  return new Date(Date.parse(resolvedAt) + windowMinutes * 60_000).toISOString();
};

/**
 * Closes an incident that owes no post-mortem once its reopen window has passed, and writes its
 * final report. Does nothing when it was reopened meanwhile, or resolved again later (that
 * resolution's own workflow closes it).
 */
export const close = async (deps: LifecycleDeps, incidentId: string): Promise<StepResult> => {
  const updated = await deps.incidents.update(incidentId, (i, at) => {
    const closeAt = closingTime(i, deps.config.reopenWindowMinutes);
    if (!closeAt || at.toISOString() < closeAt || (i.postMortem && !i.postMortem.doneAt)) return i;
    return advance(
      i,
      'CLOSED',
      WORKFLOW,
      at,
      `no post-mortem required for ${i.severity}; reopen window passed`,
    );
  });
  return result(updated.status === 'CLOSED' ? await reportBestEffort(deps, updated) : updated);
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

export type SuppressionEnd = StepResult & {
  /** Handle it now as a new incident (announce, diagnose, ...). */
  readonly handle: boolean;
  /** Still silenced (the silence was extended, or another began): wait again until then. */
  readonly suppressedUntil?: string;
};

/**
 * The silence an incident was recorded under has reached the end this execution waited for
 * (`until`). Silenced again by now (extended, or a window began): the suppression moves and the
 * workflow waits again. Still open: the suppression is lifted and the workflow goes on as for any new
 * incident (`handle`). Recovered meanwhile: CLOSED, nobody was paged (unless it still owes a
 * post-mortem from before: then its reminders start). Another execution already handled it, or its
 * suppression is not the one this execution waited for: nothing. `execution` makes a retry of this
 * step answer as its first attempt did.
 */
export const endSuppression = async (
  deps: LifecycleDeps,
  incidentId: string,
  until: string,
  execution: string,
): Promise<SuppressionEnd> => {
  const current = await load(deps, incidentId);
  if (!current.suppressed || current.suppressed.until !== until) {
    // Moved on since this execution began waiting: extended (perhaps by this step's first attempt,
    // then retried) means wait again; ended by this execution's first attempt means answer as it did.
    if (current.suppressed && isOpen(current.status) && current.suppressed.until > until)
      return { ...result(current), handle: false, suppressedUntil: current.suppressed.until };
    const mine = !current.suppressed && suppressionEndedBy(current, execution);
    if (mine && owesPostMortem(current)) await postIncident(deps, incidentId);
    return { ...result(current), handle: mine && isOpen(current.status) };
  }
  const now = deps.clock();
  const again = isOpen(current.status) ? await deps.suppressionFor?.(current.service, now) : undefined;
  if (again && again.until > now.toISOString()) {
    const moved = await deps.incidents.update(incidentId, (i, at) =>
      i.suppressed?.until === until ? suppress(i, again, at) : i,
    );
    return moved.suppressed?.until === again.until
      ? { ...result(moved), handle: false, suppressedUntil: again.until }
      : { ...result(moved), handle: false };
  }
  let handle = false;
  const updated = await deps.incidents.update(incidentId, (i, at) => {
    handle = false;
    if (i.suppressed?.until !== until) return i;
    if (isOpen(i.status)) {
      handle = true;
      return endSilence(i, at, { execution });
    }
    const { suppressed: _ended, ...rest } = i;
    if (owesPostMortem(rest))
      return appendEntries(rest, at, {
        kind: 'note',
        actor: { type: 'automation', name: 'silences' },
        summary: `silence ended at ${until}; recovered meanwhile, and the post-mortem from before is still owed`,
        details: { endedSuppression: until, execution },
      });
    return advance(
      rest,
      'CLOSED',
      WORKFLOW,
      at,
      'recorded during a silence and recovered before it ended; nobody was paged',
    );
  });
  if (owesPostMortem(updated)) await postIncident(deps, incidentId);
  return { ...result(updated), handle };
};

const owesPostMortem = (i: Incident): boolean =>
  i.status === 'RESOLVED' && i.postMortem !== undefined && !i.postMortem.doneAt;

export interface FailureInput {
  /** The workflow step that failed, e.g. "Diagnose". */
  readonly step: string;
  readonly error?: { readonly Error?: string; readonly Cause?: string };
  /** The workflow state when it failed; holds `record.incidentId` once the incident exists. */
  readonly state?: { readonly record?: { readonly incidentId?: string } };
  /** Set for an escalation that is not a failure, e.g. "not recovered within 60 min". */
  readonly reason?: string;
}

/** Reads the Cause Step Functions passes on: a Lambda error arrives as JSON with errorMessage. */
const causeText = (cause: string | undefined): string => {
  if (!cause) return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
};

/**
 * A step failed (or recovery did not come): a person is paged with the error, and the error goes on
 * the timeline. With no incident to hang it on (intake itself failed), the operators are paged.
 */
export const escalate = async (
  deps: LifecycleDeps,
  input: FailureInput,
): Promise<{ paged: string[]; incidentId?: string }> => {
  const errorPart = input.error?.Error ? `${input.error.Error}: ${causeText(input.error.Cause)}` : undefined;
  const why = input.reason
    ? `${input.reason}${errorPart ? ` (${errorPart})` : ''}`
    : `${input.step} failed: ${errorPart ?? 'error: no cause given'}`;
  const incidentId = input.state?.record?.incidentId;
  const incident = incidentId ? await deps.store.getIncident(incidentId) : undefined;
  if (!incident) {
    const now = deps.clock();
    const tiers = operatorTiers(deps.config.escalation, Object.keys(deps.config.contacts));
    for (const tier of tiers) {
      await deps.pager.send(tier, {
        kind: 'ESCALATION',
        incidentId: incidentId ?? 'none',
        at: now.toISOString(),
        subject: `ESCALATION NEEDED: incident workflow ${input.step} failed`,
        body: `ESCALATION NEEDED: the incident workflow failed before an incident was recorded.\nTime: ${now.toISOString()}\nWhy escalating: ${why}\nCheck the workflow's failed executions and the intake dead-letter queue.`,
        sms: `ESCALATION incident workflow ${input.step} failed: ${why}`.slice(0, 160),
      });
    }
    return { paged: tiers };
  }
  const withError = await deps.incidents.update(incident.id, (i, at) =>
    appendEntries(i, at, {
      kind: input.reason ? 'note' : 'error',
      actor: WORKFLOW,
      summary: why,
      details: { step: input.step, ...(input.error?.Error ? { error: input.error.Error } : {}) },
    }),
  );
  // A recovery that does not come is the escalation policy's to escalate (its not-resolved steps run
  // on their own clock): tell those already paged. A failed step, a failed mitigation or an action
  // without approval calls the next tier at once.
  const policyEscalates = input.reason !== undefined && input.step === 'AwaitRecovery';
  const tiers = [
    ...new Set([
      ...firstTiers(deps.config.escalation, withError.severity),
      ...(policyEscalates
        ? withError.pagedTiers
        : nextTiers(deps.config.escalation, withError.severity, withError.pagedTiers)),
    ]),
  ];
  const sent = await page(
    deps,
    withError,
    'ESCALATION',
    tiers.length > 0 ? tiers : operatorTiers(deps.config.escalation, Object.keys(deps.config.contacts)),
    { why },
  );
  return { paged: sent.map((s) => s.tier), incidentId: incident.id };
};
