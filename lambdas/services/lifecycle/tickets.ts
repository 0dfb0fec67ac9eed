/**
 * The incident's ticket in the lifecycle (issue 15): opened after the announcement, told of the
 * acknowledgement and of the resolution (and closed where the config says). Best effort: each call
 * has a deadline, and a failure goes on the timeline and to the operators (a page), never out of the
 * step, so a ticket system that is down or refuses the token never holds up an incident.
 *
 * One ticket per incident: the creation is claimed with a versioned write on the record before the
 * API is called (claimTicket), and ensureTicket finds a ticket by its marker before it makes one, so
 * a step run twice, or a create whose answer was lost, still leaves one ticket.
 */

import { IncidentError } from '../../domain/errors';
import { operatorTiers } from '../../domain/escalation';
import type { Incident } from '../../domain/incident';
import {
  claimTicket,
  type TicketEvent,
  ticketClosed,
  ticketFailed,
  ticketHeard,
  ticketIncident,
  ticketOpened,
  ticketUpdated,
  ticketUpdateOf,
} from '../../domain/incident-ticket';
import { ticketCommentText } from '../../domain/tickets';
import { ensureTicket } from '../tickets';
import { type LifecycleDeps, load, type TicketPorts } from './deps';
import { page } from './paging';

/** How long a step gives the ticket API when the ports set no deadline: well inside a 20 s function. */
export const TICKET_DEADLINE_MS = 8_000;

/** The ticket API took longer than the step's deadline. */
export class TicketDeadlineError extends IncidentError {}

const withDeadline = async <T>(ports: TicketPorts, work: () => Promise<T>): Promise<T> => {
  const ms = ports.deadlineMs ?? TICKET_DEADLINE_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TicketDeadlineError(`no answer from ${ports.config.provider} within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
};

/** The failure on the timeline, and a page to the operator tiers; neither stops the caller. */
const reportFailure = async (
  deps: LifecycleDeps,
  incidentId: string,
  event: TicketEvent,
  error: unknown,
): Promise<void> => {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const name = error instanceof Error ? error.name : 'Error';
  const failed = await deps.incidents.update(incidentId, (i, at) => ticketFailed(i, event, why, name, at));
  const tiers = operatorTiers(deps.config.escalation, Object.keys(deps.config.contacts));
  try {
    await page(deps, failed, 'ESCALATION', tiers, {
      why: `the incident's ${deps.tickets?.config.provider ?? ''} ticket was ${event === 'opened' ? 'not opened' : `not told of ${event}`}: ${why}`,
    });
  } catch {
    // page() has put each failed page on the timeline; the step goes on.
  }
};

/**
 * Opens the incident's ticket, if its severity gets one and no other step has claimed it: the claim
 * first (a versioned write), then find-or-create, then the key and URL on the record and timeline.
 */
export const openTicket = async (deps: LifecycleDeps, incidentId: string): Promise<void> => {
  const ports = deps.tickets;
  if (ports === undefined) return;
  let claimed = false;
  const incident = await deps.incidents.update(incidentId, (i, at) => {
    const next = claimTicket(i, ports.config, at);
    claimed = next !== i;
    return next;
  });
  if (!claimed) {
    // Announce runs again for each reopen: the ticket it opened the first time hears of it.
    if (incident.reopenCount > 0) await updateTicket(deps, incidentId, 'reopened');
    return;
  }
  try {
    const { ticket, created } = await withDeadline(ports, async () =>
      ensureTicket(await ports.adapter(), ticketIncident(incident), { sleep: ports.sleep }),
    );
    await deps.incidents.update(incidentId, (i, at) => ticketOpened(i, ticket, created, at));
  } catch (error) {
    await reportFailure(deps, incidentId, 'opened', error);
  }
};

const closesOnResolve = (ports: TicketPorts): boolean =>
  ports.config.provider === 'github'
    ? ports.config.closeOnResolve
    : ports.config.resolveTransition !== undefined;

/** A closed ticket is opened again on a reopen: always on GitHub, with `reopenTransition` on Jira. */
const reopensOnReopen = (ports: TicketPorts): boolean =>
  ports.config.provider === 'github' || ports.config.reopenTransition !== undefined;

/**
 * Tells the incident's ticket of `event` with a comment. A resolution closes it where the config says,
 * and a reopen opens a ticket it closed again (so the next resolution closes it again). Nothing
 * without a ticket (none for the severity, or its creation failed), and nothing the second time for
 * the same acknowledgement, resolution or reopen (a retried step).
 */
export const updateTicket = async (
  deps: LifecycleDeps,
  incidentId: string,
  event: Exclude<TicketEvent, 'opened'>,
): Promise<void> => {
  const ports = deps.tickets;
  if (ports === undefined) return;
  const incident: Incident = await load(deps, incidentId);
  const { key, url, provider } = incident.ticket ?? {};
  if (key === undefined || url === undefined || provider === undefined || ticketHeard(incident, event))
    return;
  const ref = { provider, key, url };
  const closed = ticketClosed(incident);
  const move =
    event === 'resolved'
      ? closesOnResolve(ports) && !closed
      : event === 'reopened' && closed && reopensOnReopen(ports);
  const text = ticketCommentText(incidentId, ticketUpdateOf(incident, event, deps.clock()));
  try {
    await withDeadline(ports, async () => {
      const adapter = await ports.adapter();
      if (event === 'reopened' && move) await adapter.reopen(ref);
      await adapter.comment(ref, text);
      if (event === 'resolved' && move) await adapter.close(ref);
    });
    await deps.incidents.update(incidentId, (i, at) => ticketUpdated(i, event, move, at));
  } catch (error) {
    await reportFailure(deps, incidentId, event, error);
  }
};
