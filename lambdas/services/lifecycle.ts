/**
 * The steps of the incident lifecycle that the workflow runs after intake, one function per Task:
 * announce, diagnose, mitigate, await recovery, resolve, post-incident, and escalation of a failure.
 * Each is a short flow over the store (versioned updates), the pager and the workflow callbacks.
 */
import type { DeploymentConfig } from '../../lib/config/schema';
import type { IncidentStore } from '../adapters/incident-store';
import type { Pager } from '../adapters/pager';
import type { WorkflowCallbacks } from '../adapters/workflow-callbacks';
import { IncidentNotFoundError } from '../domain/errors';
import { firstTiers, nextTiers, operatorTiers } from '../domain/escalation';
import type { Decision } from '../domain/evidence';
import {
  type Actor,
  advance,
  appendEntries,
  type Incident,
  type PageSent,
  recordPage,
} from '../domain/incident';
import { isOpen } from '../domain/lifecycle';
import { type PageContext, type PageKind, renderPage } from '../domain/pages';
import { describeAction } from '../domain/playbooks';
import type { Severity } from '../domain/severity';
import type { IncidentService } from './incident-service';

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
}

const WORKFLOW: Actor = { type: 'automation', name: 'workflow' };

const load = async (deps: LifecycleDeps, id: string): Promise<Incident> => {
  const incident = await deps.store.getIncident(id);
  if (!incident) throw new IncidentNotFoundError(`no incident ${id}`);
  return incident;
};

const automationSummary = (incident: Incident): string[] =>
  incident.timeline.filter((e) => e.kind === 'diagnosis' || e.kind === 'action').map((e) => e.summary);

/** Sends one page per tier and records each on the timeline (nothing sent is left unrecorded). */
const page = async (
  deps: LifecycleDeps,
  incident: Incident,
  kind: PageKind,
  tiers: readonly string[],
  ctx: Omit<PageContext, 'now' | 'nextUpdateMinutes' | 'automation'> = {},
): Promise<PageSent[]> => {
  const now = deps.clock();
  const nextUpdateMinutes = deps.config.statusUpdateMinutes[incident.severity] ?? undefined;
  const sent: PageSent[] = [];
  for (const tier of tiers) {
    const rendered = renderPage(kind, incident, {
      ...ctx,
      now,
      nextUpdateMinutes,
      automation: automationSummary(incident),
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
  const sent = await page(deps, incident, 'INCIDENT', tiers);
  return { ...result(await load(deps, incidentId)), paged: sent.map((s) => s.tier) };
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
    why: `approval needed to ${action}. Approve: incident approve ${incidentId} --by NAME; deny: incident deny ${incidentId} --by NAME`,
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

/** Resolution: the incident is RESOLVED (by the OK, a person, or here) and everyone paged hears it. */
export const resolve = async (
  deps: LifecycleDeps,
  incidentId: string,
): Promise<StepResult & { notified: string[] }> => {
  const resolved = await deps.incidents.update(incidentId, (i, at) => {
    const cleared = i.recoveryToken ? { ...i, recoveryToken: undefined } : i;
    return advance(cleared, 'RESOLVED', WORKFLOW, at, 'recovery confirmed');
  });
  const sent = await page(deps, resolved, 'RESOLVED', resolved.pagedTiers);
  return { ...result(await load(deps, incidentId)), notified: sent.map((s) => s.tier) };
};

/**
 * Post-incident: P1/P2 (configurable) owe a post-mortem before CLOSED. The rest close once the reopen
 * window has passed (an alarm firing again within it reopens the same incident, which a CLOSED one
 * cannot be): the workflow waits until `closeAt`, then runs `close`.
 */
export const postIncident = async (
  deps: LifecycleDeps,
  incidentId: string,
): Promise<StepResult & { postMortemDue?: string; closeAt?: string }> => {
  const { requiredFor, dueHours } = deps.config.postMortem;
  let due: string | undefined;
  const updated = await deps.incidents.update(incidentId, (i, at) => {
    if (i.status !== 'RESOLVED' || !requiredFor.includes(i.severity)) return i;
    due = new Date(at.getTime() + dueHours * 3_600_000).toISOString();
    return appendEntries(i, at, {
      kind: 'note',
      actor: WORKFLOW,
      summary: `post-mortem required for ${i.severity}: due ${due}`,
      details: { postMortemDue: due },
    });
  });
  if (due) return { ...result(updated), postMortemDue: due };
  const closeAt = closingTime(updated, deps.config.reopenWindowMinutes);
  return { ...result(updated), ...(closeAt ? { closeAt } : {}) };
};

const closingTime = (incident: Incident, windowMinutes: number): string | undefined => {
  const resolvedAt = incident.statusTimestamps.RESOLVED;
  if (incident.status !== 'RESOLVED' || !resolvedAt) return undefined;
  return new Date(Date.parse(resolvedAt) + windowMinutes * 60_000).toISOString();
};

/**
 * Closes an incident that needs no post-mortem once its reopen window has passed. Does nothing when
 * it was reopened meanwhile, or resolved again later (that resolution's own workflow closes it).
 */
export const close = async (deps: LifecycleDeps, incidentId: string): Promise<StepResult> => {
  const updated = await deps.incidents.update(incidentId, (i, at) => {
    const closeAt = closingTime(i, deps.config.reopenWindowMinutes);
    if (!closeAt || at.toISOString() < closeAt || deps.config.postMortem.requiredFor.includes(i.severity))
      return i;
    return advance(
      i,
      'CLOSED',
      WORKFLOW,
      at,
      `no post-mortem required for ${i.severity}; reopen window passed`,
    );
  });
  return result(updated);
};

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
  const tiers = [
    ...new Set([
      ...firstTiers(deps.config.escalation, withError.severity),
      ...nextTiers(deps.config.escalation, withError.severity, withError.pagedTiers),
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
