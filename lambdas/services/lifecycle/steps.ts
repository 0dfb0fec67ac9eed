/**
 * The lifecycle workflow's own steps after intake, one function per Task: announce (page the first
 * tiers and start the escalation policy), wait for approval of an automatic action, wait for
 * recovery, resolve, and close. Each is a short flow over the store (versioned updates), the pager
 * and the workflow callbacks, and a retried step does nothing twice. Announce opens the incident's
 * ticket and resolve tells it, both best effort (tickets.ts): a ticket failure never fails a step.
 * The status page is told the same way (status-page.ts): announce drafts the first post, resolve
 * posts the resolution. The webhooks hear of the opening (or reopening), of an executed action
 * (mitigated: at the next lifecycle step after it, the wait for recovery or the resolution) and of
 * the resolution (webhooks.ts), best effort too.
 */
import { firstTiers } from '../../domain/escalation';
import type { Decision } from '../../domain/evidence';
import {
  advance,
  appendEntries,
  type Incident,
  lastResolution,
  requirePostMortem,
  tiersPagedThisFiring,
} from '../../domain/incident';
import { wasSuppressed } from '../../domain/incident-stats';
import { isOpen } from '../../domain/lifecycle';
import { describeAction } from '../../domain/playbooks';
import { writeReport } from '../post-incident';
import { type LifecycleDeps, load, result, type StepResult, WORKFLOW } from './deps';
import { describePolicy, escalationExecutionName, firstPageAt } from './escalation';
import { page } from './paging';
import { closingTime, postMortemOwner } from './post-mortem';
import { draftFirstPost, postProgress, postResolution, publishUnconfirmed } from './status-page';
import { openTicket, updateTicket } from './tickets';
import { emitWebhooks } from './webhooks';

/**
 * Drafts the status page's first post, pages the first tiers (the INCIDENT page carries the link that
 * publishes the draft when it waits for a click) and starts the escalation policy; then publishes a
 * draft that waits for nobody, and opens the incident's ticket.
 */
export const announce = async (
  deps: LifecycleDeps,
  incidentId: string,
): Promise<StepResult & { paged: string[] }> => {
  const incident = await load(deps, incidentId);
  const publishPending = await draftFirstPost(deps, incident);
  const announced = await announcePages(deps, incident, publishPending);
  await publishUnconfirmed(deps, incidentId);
  await openTicket(deps, incidentId);
  await emitWebhooks(deps, incidentId, incident.reopenCount === 0 ? 'incident.opened' : 'incident.reopened');
  return announced;
};

const announcePages = async (
  deps: LifecycleDeps,
  incident: Incident,
  publishPending: boolean,
): Promise<StepResult & { paged: string[] }> => {
  const incidentId = incident.id;
  if (deps.metrics && incident.reopenCount === 0 && !wasSuppressed(incident)) {
    deps.metrics.incidentOpened(incident);
    deps.metrics.flush();
  }
  const tiers = firstTiers(deps.config.escalation, incident.severity);
  const first = firstPageAt(deps.config, incident);
  if (first.deferred && tiers.length > 0) {
    // The escalation loop sends the first page when the calendar opens (its minute-0 steps).
    const calendar = deps.config.oncall?.deferral[incident.severity];
    const deferred = await deps.incidents.update(incidentId, (i, at) =>
      appendEntries(i, at, {
        kind: 'oncall',
        actor: WORKFLOW,
        summary: `${i.severity} pages only during ${calendar}: the first page (${tiers.join(', ')}) waits until ${first.at}`,
        details: { deferredUntil: first.at },
      }),
    );
    const execution = await startEscalation(deps, incidentId, incident.reopenCount);
    await notePolicy(deps, incidentId, execution);
    return { ...result(deferred), paged: [] };
  }
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
    publishPending ? { publishPending } : {},
  );
  // The policy's later steps and the status updates run in their own workflow, woken only at their
  // times. Named per firing: a retried Announce starts it once (the name is taken), a reopen anew.
  const execution = await startEscalation(deps, incidentId, incident.reopenCount);
  const noted = await notePolicy(deps, incidentId, execution);
  return { ...result(noted), paged: sent.map((s) => s.tier) };
};

const startEscalation = (deps: LifecycleDeps, incidentId: string, epoch: number) =>
  deps.escalations.start({ incidentId, epoch }, escalationExecutionName(incidentId, epoch));

const notePolicy = (deps: LifecycleDeps, incidentId: string, execution: string) =>
  deps.incidents.update(incidentId, (i, at) =>
    appendEntries(i, at, {
      kind: 'note',
      actor: WORKFLOW,
      summary: `escalation policy ${i.severity} started: ${describePolicy(deps.config, i.severity)}`,
      details: { execution },
    }),
  );

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
  } else {
    await postProgress(deps, incidentId);
  }
  await emitWebhooks(deps, incidentId, 'incident.mitigated');
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
 * severity needs one, the report is written, everyone paged hears it, with the report's link, and so
 * does the incident's ticket (closed where the config says).
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
  if (reported.status === 'RESOLVED') {
    await updateTicket(deps, incidentId, 'resolved');
    await postResolution(deps, incidentId);
    // An automatic action verified as recovered goes from Verify straight here: its mitigated event
    // (same id as one an earlier await-recovery queued, so receivers keep one) goes before the resolution.
    await emitWebhooks(deps, incidentId, 'incident.mitigated');
    await emitWebhooks(deps, incidentId, 'incident.resolved');
  }
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
