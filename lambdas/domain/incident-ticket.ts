/**
 * The incident's ticket on its record (issue 15): who may open it (the claim), what the record and
 * the timeline say once it is open, updated or failed, and what the ticket is written from. The
 * calls to GitHub or Jira are services/lifecycle/tickets.ts's; this is pure.
 */
import type { Incident } from './incident-record';
import { isOpen } from './lifecycle';
import type { Severity } from './severity';
import type { TicketIncident, TicketProvider, TicketRef, TicketUpdate } from './tickets';
import { type Actor, appendEntries, lastResolution, type TicketEntryDetails } from './timeline';

/** Who the ticket entries are by. */
export const TICKETS: Actor = { type: 'automation', name: 'tickets' };

/**
 * How long a claim with neither a key nor an error holds off another step. The step that claims
 * finishes (records the key or the error) within its ticket deadline, far less than this, or it
 * died: a claim older than this was abandoned, and a retried step claims it again (the marker
 * search then finds a ticket the dead step made).
 */
export const TICKET_CLAIM_LEASE_MS = 60_000;

/** The moments a ticket hears about. */
export type TicketEvent = NonNullable<TicketEntryDetails['ticketEvent']>;

/**
 * The incident with the ticket's creation claimed at `now`, or the incident itself (nothing to
 * write) when it gets no ticket: its severity is not configured, it is no longer open, it has its
 * ticket or a failure already, or another step's claim is still fresh.
 */
export const claimTicket = (
  incident: Incident,
  tickets: { readonly provider: TicketProvider; readonly severities: readonly Severity[] },
  now: Date,
): Incident => {
  if (!tickets.severities.includes(incident.severity) || !isOpen(incident.status)) return incident;
  const held = incident.ticket;
  if (held?.key !== undefined || held?.error !== undefined) return incident;
  if (held !== undefined && now.getTime() - Date.parse(held.claimedAt) < TICKET_CLAIM_LEASE_MS)
    return incident;
  return { ...incident, ticket: { provider: tickets.provider, claimedAt: now.toISOString() } };
};

/** How a person names the ticket: `#42` on GitHub, the key on Jira. */
export const ticketName = (ref: Pick<TicketRef, 'provider' | 'key'>): string =>
  ref.provider === 'github' ? `GitHub issue #${ref.key}` : `Jira issue ${ref.key}`;

/** The ticket's key and URL on the record and the timeline; `created` false when a marker search found it. */
export const ticketOpened = (incident: Incident, ref: TicketRef, created: boolean, now: Date): Incident =>
  appendEntries(
    {
      ...incident,
      ticket: {
        provider: ref.provider,
        claimedAt: incident.ticket?.claimedAt ?? now.toISOString(),
        key: ref.key,
        url: ref.url,
      },
    },
    now,
    {
      kind: 'note',
      actor: TICKETS,
      summary: `${ticketName(ref)} ${created ? 'opened' : 'found by its marker'}: ${ref.url}`,
      details: { ticketKey: ref.key, ticketUrl: ref.url, ticketEvent: 'opened' },
    },
  );

/**
 * The ticket heard about `event`: a comment, and `moved` when the ticket changed state with it (a
 * resolution closed it, a reopen opened it again).
 */
export const ticketUpdated = (
  incident: Incident,
  event: Exclude<TicketEvent, 'opened'>,
  moved: boolean,
  now: Date,
): Incident => {
  const ref = incident.ticket;
  const name = ref?.key === undefined ? 'the ticket' : ticketName({ provider: ref.provider, key: ref.key });
  const how = !moved ? '' : event === 'reopened' ? ' and reopened it' : ' and closed it';
  return appendEntries(incident, now, {
    kind: 'note',
    actor: TICKETS,
    summary: `${name}: commented ${event}${how}`,
    details: {
      ...(ref?.key ? { ticketKey: ref.key } : {}),
      ticketEvent: event,
      ...(moved && event === 'resolved' ? { ticketClosed: true } : {}),
      ...(moved && event === 'reopened' ? { ticketReopened: true } : {}),
    },
  });
};

/** Whether the ticket is closed now: a resolution closed it and no reopen opened it since. */
export const ticketClosed = (incident: Incident): boolean => {
  const last = incident.timeline.findLast(
    (e) => e.kind === 'note' && (e.details?.ticketClosed === true || e.details?.ticketReopened === true),
  );
  return last?.kind === 'note' && last.details?.ticketClosed === true;
};

/** The incident's latest reopen (an alarm that fired again within the reopen window), if any. */
const lastReopen = (incident: Incident): { readonly index: number; readonly at: string } | undefined => {
  const index = incident.timeline.findLastIndex((e) => e.kind === 'reopened');
  const entry = incident.timeline[index];
  return entry === undefined ? undefined : { index, at: entry.at };
};

/**
 * A ticket call that failed, on the timeline as an `error` (the lifecycle goes on). A failed
 * creation is also kept on the record, so no later step tries again and pages the operators twice.
 */
export const ticketFailed = (
  incident: Incident,
  event: TicketEvent,
  why: string,
  errorName: string,
  now: Date,
): Incident => {
  const held = incident.ticket;
  const record: Incident =
    event === 'opened' && held !== undefined && held.key === undefined
      ? { ...incident, ticket: { ...held, error: why } }
      : incident;
  const what = event === 'opened' ? 'not opened' : `not told of ${event}`;
  return appendEntries(record, now, {
    kind: 'error',
    actor: TICKETS,
    summary: `ticket ${what}: ${why}; the operators are paged, the incident goes on`,
    details: {
      step: 'ticket',
      error: errorName,
      ticketEvent: event,
      ...(held?.key ? { ticketKey: held.key } : {}),
    },
  });
};

/**
 * Whether the ticket already heard about `event` (or failed to): an acknowledgement once per
 * incident, a resolution once per resolution and a reopen once per reopen (a reopened incident
 * resolved again tells it again).
 */
export const ticketHeard = (incident: Incident, event: Exclude<TicketEvent, 'opened'>): boolean => {
  const since =
    event === 'resolved'
      ? (lastResolution(incident)?.index ?? 0)
      : event === 'reopened'
        ? (lastReopen(incident)?.index ?? 0)
        : 0;
  return incident.timeline
    .slice(since)
    .some((e) => (e.kind === 'note' || e.kind === 'error') && e.details?.ticketEvent === event);
};

/** What the ticket is written from. */
export const ticketIncident = (incident: Incident): TicketIncident => ({
  id: incident.id,
  title: incident.title,
  service: incident.service,
  severity: incident.severity,
  status: incident.status,
  createdAt: incident.createdAt,
  ...(incident.runbookUrl ? { runbookUrl: incident.runbookUrl } : {}),
  ...(incident.diagnosis ? { diagnosisSummary: incident.diagnosis.summary } : {}),
});

/** The comment for `event`, from the record: who acknowledged, or who resolved and when. */
export const ticketUpdateOf = (
  incident: Incident,
  event: Exclude<TicketEvent, 'opened'>,
  now: Date,
): TicketUpdate => {
  if (event === 'reopened') return { kind: 'reopened', at: lastReopen(incident)?.at ?? now.toISOString() };
  if (event === 'acknowledged') {
    return {
      kind: 'acknowledged',
      at: incident.statusTimestamps.ACKNOWLEDGED ?? now.toISOString(),
      by: incident.acknowledgedBy ?? 'someone',
    };
  }
  const actor = lastResolution(incident)?.entry.actor;
  return {
    kind: 'resolved',
    at: incident.statusTimestamps.RESOLVED ?? now.toISOString(),
    ...(actor?.type === 'human' ? { by: actor.name } : {}),
  };
};
