/**
 * The ticket steps over the real IncidentService on dynalite, with a ticket system at its interface:
 * the claim on the record lets one of two concurrent steps make the ticket, a slow API does not hold
 * the step past its deadline, and a failure is recorded and paged to the operators, not thrown.
 */
import { describe, expect, it } from 'vitest';
import type { Pager } from '../../../lambdas/adapters/pager';
import { parseConfig } from '../../../lambdas/contract/config';
import { type Incident, openIncident } from '../../../lambdas/domain/incident';
import type { TicketAdapter, TicketIncident, TicketRef } from '../../../lambdas/domain/tickets';
import { IncidentService } from '../../../lambdas/services/incident-service';
import type { LifecycleDeps } from '../../../lambdas/services/lifecycle/deps';
import { openTicket, updateTicket } from '../../../lambdas/services/lifecycle/tickets';
import { GITHUB_TICKETS_CONFIG } from '../../../sandbox/scenarios-tickets';
import { useLocalDynamo } from '../../support/local-dynamo';

const NOW = new Date('2026-11-23T10:00:00.000Z');
const config = parseConfig(GITHUB_TICKETS_CONFIG, 'tickets drill config');
const dynamo = useLocalDynamo();

/** A ticket system that answers after `delayMs`, keeping what it was asked. */
class SlowTickets implements TicketAdapter {
  readonly provider = 'github';
  readonly created: string[] = [];
  readonly comments: string[] = [];
  constructor(private readonly delayMs: number) {}
  private wait = () => new Promise((resolve) => setTimeout(resolve, this.delayMs));
  async findByIncident(): Promise<TicketRef | undefined> {
    await this.wait();
    return undefined;
  }
  async create(incident: TicketIncident): Promise<TicketRef> {
    await this.wait();
    this.created.push(incident.id);
    return {
      provider: 'github',
      key: String(this.created.length),
      url: `https://github.com/x/y/issues/${this.created.length}`,
    };
  }
  async comment(_ticket: TicketRef, text: string): Promise<void> {
    this.comments.push(text);
  }
  async close(): Promise<void> {}
  async reopen(): Promise<void> {}
}

class RecordingPager implements Pager {
  readonly bodies: string[] = [];
  async send(_address: string, page: { body: string }): Promise<string> {
    this.bodies.push(page.body);
    return `msg-${this.bodies.length}`;
  }
}

let count = 0;
const setUp = async (adapter: TicketAdapter, deadlineMs = 2_000) => {
  const clock = () => NOW;
  const pager = new RecordingPager();
  const tickets = config.tickets;
  if (!tickets) throw new Error('the drill config has tickets');
  const deps: LifecycleDeps = {
    incidents: new IncidentService(
      dynamo.store,
      { dedupFields: config.dedupKey, reopenWindowMinutes: 30, resolveOnOk: true },
      clock,
    ),
    store: dynamo.store,
    pager,
    callbacks: { succeed: async () => {}, fail: async () => {} },
    config,
    clock,
    escalations: { start: async () => 'arn:aws:states:us-east-1:123456789012:execution:x:y' },
    tickets: { config: tickets, adapter: async () => adapter, sleep: async () => {}, deadlineMs },
  };
  const incident = openIncident({
    id: `INC-20261123-${String(++count).padStart(3, '0')}`,
    dedupKey: `checkout#tasks#${count}`,
    signal: {
      alarmName: 'checkout-tasks-below-desired',
      state: 'ALARM',
      at: NOW.toISOString(),
      service: 'checkout',
    },
    severity: 'P1',
    severityReason: 'configured P1',
    title: 'checkout running tasks below desired',
    now: NOW,
  });
  await dynamo.store.putNewIncident(incident);
  return { deps, pager, id: incident.id };
};

const stored = async (id: string): Promise<Incident> => {
  const incident = await dynamo.store.getIncident(id);
  if (!incident) throw new Error(`no ${id}`);
  return incident;
};

describe('the ticket steps', () => {
  it('two steps at once: the one that claims makes the ticket, the other does nothing', async () => {
    const adapter = new SlowTickets(50);
    const { deps, id } = await setUp(adapter);
    await Promise.all([openTicket(deps, id), openTicket(deps, id)]);
    expect(adapter.created).toEqual([id]);
    expect((await stored(id)).ticket).toMatchObject({ key: '1', url: 'https://github.com/x/y/issues/1' });
  });

  it('a ticket API slower than the deadline: the step returns at the deadline, the failure recorded and paged', async () => {
    const { deps, pager, id } = await setUp(new SlowTickets(1_000), 100);
    const started = Date.now();
    await openTicket(deps, id);
    expect(Date.now() - started).toBeLessThan(900);
    const incident = await stored(id);
    expect(incident.ticket?.error).toBe('TicketDeadlineError: no answer from github within 100 ms');
    expect(incident.timeline.at(-1)).toMatchObject({
      kind: 'page',
      details: { kind: 'ESCALATION', tier: 'on-call' },
    });
    expect(pager.bodies.some((b) => b.includes('ticket was not opened: TicketDeadlineError'))).toBe(true);
    // No later step tries again, nor tells a ticket that does not exist.
    await openTicket(deps, id);
    await updateTicket(deps, id, 'acknowledged');
    expect((await stored(id)).timeline.length).toBe(incident.timeline.length);
  });
});
