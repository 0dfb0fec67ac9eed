/**
 * What a person does to a running incident, through one code path whatever the door (the CLI, page
 * links): acknowledge, escalate, resolve, and approve or deny an automatic action that waits for
 * approval. Every change is a versioned update, recorded on the timeline with the person as actor.
 */
import { isStaleToken, type WorkflowCallbacks } from '../adapters/workflow-callbacks';
import { IncidentError, InvalidTransitionError } from '../domain/errors';
import { type EscalationPolicies, nextTiers } from '../domain/escalation';
import { type Actor, acknowledge, appendEntries, type Incident, moveTo } from '../domain/incident';
import { isOpen } from '../domain/lifecycle';
import type { IncidentService } from './incident-service';

export class NothingToApproveError extends IncidentError {}

/** A note link pressed with no note written. */
export class EmptyNoteError extends IncidentError {}

export interface ResponderDeps {
  readonly incidents: IncidentService;
  readonly callbacks: WorkflowCallbacks;
  /** Tells everyone paged so far that `by` acknowledged. @default nobody is told (tests of the record alone) */
  readonly announceAcknowledged?: (incident: Incident, by: string) => Promise<void>;
  /** Comments the acknowledgement on the incident's ticket, best effort (lifecycle/tickets.ts). @default no ticket is told */
  readonly ticketAcknowledged?: (incident: Incident) => Promise<void>;
  /** Queues the acknowledgement for the webhooks that take it, best effort (lifecycle/webhooks.ts). @default none */
  readonly webhookAcknowledged?: (incident: Incident) => Promise<void>;
}

/**
 * Records the answer on the timeline, clears the token (so a second answer finds nothing to
 * approve), then resumes the workflow: approval runs the action, denial escalates without it.
 */
export const answerApproval = async (
  deps: ResponderDeps,
  incidentId: string,
  approve: boolean,
  by: string,
  note?: string,
): Promise<{ incidentId: string; approved: boolean }> => {
  let token: string | undefined;
  await deps.incidents.update(incidentId, (i, at) => {
    token = i.approvalToken;
    if (!token)
      throw new NothingToApproveError(`no automatic action on ${incidentId} is waiting for approval`);
    return appendEntries({ ...i, approvalToken: undefined }, at, {
      kind: 'note',
      actor: { type: 'human', name: by },
      summary: `${approve ? 'approved' : 'denied'} by ${by}${note ? `: ${note}` : ''}`,
    });
  });
  if (!token) throw new NothingToApproveError(`no automatic action on ${incidentId} is waiting for approval`);
  if (approve) await deps.callbacks.succeed(token, { approvedBy: by });
  else await deps.callbacks.fail(token, 'ApprovalDenied', `denied by ${by}${note ? `: ${note}` : ''}`);
  return { incidentId, approved: approve };
};

const human = (name: string): Actor => ({ type: 'human', name });

const withNote = (incident: Incident, by: string, at: Date, note: string | undefined): Incident =>
  note
    ? appendEntries(incident, at, { kind: 'note', actor: human(by), summary: `${by}: ${note}` })
    : incident;

/** `by` adds a note to the timeline, and nothing else: open or not, the record keeps what people say. */
export const addNote = async (
  deps: ResponderDeps,
  incidentId: string,
  by: string,
  note: string | undefined,
): Promise<Incident> => {
  if (!note) throw new EmptyNoteError('the note is empty: write it, then press Add the note');
  return deps.incidents.update(incidentId, (i, at) => withNote(i, by, at, note));
};

/**
 * `by` takes ownership. Moves a DETECTED incident to ACKNOWLEDGED; on one that automation already
 * moved on, it records the owner without sending the status back. Throws InvalidTransitionError when
 * the incident is no longer open.
 */
export const acknowledgeIncident = async (
  deps: ResponderDeps,
  incidentId: string,
  by: string,
  note?: string,
): Promise<Incident> => {
  const acked = await deps.incidents.update(incidentId, (i, at) =>
    withNote(acknowledge(i, human(by), at), by, at, note),
  );
  // Everyone who was paged hears who owns it now (a repeated acknowledgement changes no owner: no
  // notice), and so do the ticket, once, and the webhooks.
  if (acked.acknowledgedBy === by) {
    if (deps.announceAcknowledged) await deps.announceAcknowledged(acked, by);
    if (deps.ticketAcknowledged) await deps.ticketAcknowledged(acked);
    if (deps.webhookAcknowledged) await deps.webhookAcknowledged(acked);
  }
  return acked;
};

/**
 * `by` resolves the incident. A workflow that waits for recovery is resumed with `{ recovered: true,
 * by }` and goes on to announce the resolution; one that has not started waiting yet finds the incident
 * resolved when it does (lifecycle awaitRecovery). A token the workflow no longer waits on is ignored.
 * Throws InvalidTransitionError when the incident is already resolved or closed.
 */
export const resolveIncident = async (
  deps: ResponderDeps,
  incidentId: string,
  by: string,
  note?: string,
): Promise<Incident> => {
  let token: string | undefined;
  const resolved = await deps.incidents.update(incidentId, (i, at) => {
    token = i.recoveryToken;
    const moved = moveTo({ ...i, recoveryToken: undefined }, 'RESOLVED', human(by), at, `resolved by ${by}`);
    return withNote(moved, by, at, note);
  });
  if (token) {
    try {
      await deps.callbacks.succeed(token, { recovered: true, by });
    } catch (error) {
      if (!isStaleToken(error)) throw error;
    }
  }
  return resolved;
};

export interface EscalateDeps extends ResponderDeps {
  /** The escalation policy per severity: who an escalation calls next. */
  readonly escalation: EscalationPolicies;
}

export interface EscalationRequest {
  readonly incident: Incident;
  /** The next tier of the policy not paged yet; empty when every tier has been paged. The caller pages them. */
  readonly tiers: string[];
}

/**
 * Records that `by` asked for escalation and returns whom to page next; the page itself (and its
 * record on the timeline) is the caller's, so this never pages twice when retried. Throws
 * InvalidTransitionError when the incident is no longer open.
 */
export const escalateIncident = async (
  deps: EscalateDeps,
  incidentId: string,
  by: string,
  note?: string,
): Promise<EscalationRequest> => {
  let tiers: string[] = [];
  const incident = await deps.incidents.update(incidentId, (i, at) => {
    if (!isOpen(i.status))
      throw new InvalidTransitionError(
        `${incidentId} is ${i.status}: only an open incident can be escalated`,
      );
    tiers = nextTiers(deps.escalation, i.severity, i.pagedTiers);
    const target = tiers.length > 0 ? tiers.join(', ') : 'every tier has been paged already';
    return appendEntries(i, at, {
      kind: 'note',
      actor: human(by),
      summary: `escalation requested by ${by} (${target})${note ? `: ${note}` : ''}`,
      details: { escalateTo: tiers },
    });
  });
  return { incident, tiers };
};
