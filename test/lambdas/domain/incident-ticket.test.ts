import { describe, expect, it } from 'vitest';
import { acknowledge, type Incident, moveTo, openIncident } from '../../../lambdas/domain/incident';
import {
  claimTicket,
  TICKET_CLAIM_LEASE_MS,
  ticketClosed,
  ticketFailed,
  ticketHeard,
  ticketOpened,
  ticketUpdated,
  ticketUpdateOf,
} from '../../../lambdas/domain/incident-ticket';

const T0 = new Date('2026-11-23T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const TICKETS = { provider: 'github', severities: ['P1', 'P2'] } as const;
const alice = { type: 'human', name: 'alice' } as const;

const p1 = (): Incident =>
  openIncident({
    id: 'INC-20261123-001',
    dedupKey: 'checkout|checkout-tasks-below-desired',
    signal: {
      alarmName: 'checkout-tasks-below-desired',
      state: 'ALARM',
      at: T0.toISOString(),
      service: 'checkout',
    },
    severity: 'P1',
    severityReason: 'no running tasks',
    title: 'checkout is down',
    now: T0,
  });

const REF = { provider: 'github', key: '7', url: 'https://github.com/acme/incidents/issues/7' } as const;

describe('claimTicket', () => {
  it('claims an open incident of a configured severity once; a fresh claim holds off a second step', () => {
    const claimed = claimTicket(p1(), TICKETS, T0);
    expect(claimed.ticket).toEqual({ provider: 'github', claimedAt: T0.toISOString() });
    expect(claimTicket(claimed, TICKETS, at(TICKET_CLAIM_LEASE_MS - 1))).toBe(claimed);
  });

  it('claims again once a claim with no outcome is older than the lease (the step that made it died)', () => {
    const claimed = claimTicket(p1(), TICKETS, T0);
    expect(claimTicket(claimed, TICKETS, at(TICKET_CLAIM_LEASE_MS)).ticket?.claimedAt).toBe(
      at(TICKET_CLAIM_LEASE_MS).toISOString(),
    );
  });

  it('never claims an incident with its ticket, a failed creation, another severity, or no longer open', () => {
    const claimed = claimTicket(p1(), TICKETS, T0);
    const opened = ticketOpened(claimed, REF, true, T0);
    const failed = ticketFailed(
      claimed,
      'opened',
      'GitHubTicketError: answered 401',
      'GitHubTicketError',
      T0,
    );
    const later = at(10 * TICKET_CLAIM_LEASE_MS);
    expect(claimTicket(opened, TICKETS, later)).toBe(opened);
    expect(claimTicket(failed, TICKETS, later)).toBe(failed);
    expect(claimTicket({ ...p1(), severity: 'P3' }, TICKETS, T0).ticket).toBeUndefined();
    const resolved = moveTo(p1(), 'RESOLVED', alice, T0);
    expect(claimTicket(resolved, TICKETS, T0)).toBe(resolved);
  });
});

describe('the ticket on the record and the timeline', () => {
  it('keeps the key and URL, names them on the timeline, and a failure as an error entry', () => {
    const opened = ticketOpened(claimTicket(p1(), TICKETS, T0), REF, false, at(1000));
    expect(opened.ticket).toEqual({ ...REF, claimedAt: T0.toISOString() });
    expect(opened.timeline.at(-1)).toMatchObject({
      kind: 'note',
      summary: `GitHub issue #7 found by its marker: ${REF.url}`,
      details: { ticketKey: '7', ticketUrl: REF.url, ticketEvent: 'opened' },
    });
    const failed = ticketFailed(claimTicket(p1(), TICKETS, T0), 'opened', 'boom', 'TicketDeadlineError', T0);
    expect(failed.ticket?.error).toBe('boom');
    expect(failed.timeline.at(-1)).toMatchObject({
      kind: 'error',
      details: { step: 'ticket', error: 'TicketDeadlineError', ticketEvent: 'opened' },
    });
  });

  it('hears an acknowledgement once, and each resolution once (a reopened incident resolved again is told again)', () => {
    const acked = acknowledge(ticketOpened(claimTicket(p1(), TICKETS, T0), REF, true, T0), alice, at(1));
    expect(ticketHeard(acked, 'acknowledged')).toBe(false);
    expect(ticketUpdateOf(acked, 'acknowledged', at(2))).toEqual({
      kind: 'acknowledged',
      at: at(1).toISOString(),
      by: 'alice',
    });
    const told = ticketUpdated(acked, 'acknowledged', false, at(2));
    expect(ticketHeard(told, 'acknowledged')).toBe(true);

    const resolved = moveTo(told, 'RESOLVED', alice, at(3));
    expect(ticketUpdateOf(resolved, 'resolved', at(4))).toEqual({
      kind: 'resolved',
      at: at(3).toISOString(),
      by: 'alice',
    });
    const closed = ticketUpdated(resolved, 'resolved', true, at(4));
    expect(closed.timeline.at(-1)?.summary).toBe('GitHub issue #7: commented resolved and closed it');
    expect(ticketHeard(closed, 'resolved')).toBe(true);
    const again = moveTo(moveTo(closed, 'DETECTED', alice, at(5)), 'RESOLVED', alice, at(6));
    expect(ticketHeard(again, 'resolved')).toBe(false);
    expect(ticketClosed(resolved)).toBe(false);
    expect(ticketClosed(again)).toBe(true);
  });
});
