import { describe, expect, it } from 'vitest';
import { githubMarkerComment, jiraMarkerLabel } from '../../lambdas/domain/tickets';
import { SANDBOX_TICKET_CREDENTIAL } from '../../sandbox/boot';
import type { TicketServer } from '../../sandbox/local-aws/ticket-server';
import type { Sandbox } from '../../sandbox/sandbox';
import { GITHUB_TICKETS_CONFIG, JIRA_TICKETS_CONFIG } from '../../sandbox/scenarios-tickets';
import { alarmStateChange } from '../support/events';
import { minute, withSandbox } from '../support/sandbox';

const ISSUES = 'POST /repos/example-org/incidents/issues';

/** A P1 at minute 1 (no running checkout tasks), announced by the synthesized workflow. */
const openP1 = async (sandbox: Sandbox): Promise<string> => {
  await sandbox.clock.advanceTo(minute(1));
  const record = sandbox.deliver(alarmStateChange('checkout-tasks-below-desired', 'ALARM', minute(1)));
  await sandbox.settle(minute(2));
  const id = record.intake?.incidentId;
  if (id === undefined) throw new Error('the P1 opened no incident');
  return id;
};

/** alice acknowledges at minute 3 and resolves at minute 5; the workflows run to minute 60. */
const ackAndResolve = async (sandbox: Sandbox, id: string): Promise<void> => {
  await sandbox.clock.advanceTo(minute(3));
  await sandbox.acknowledge(id, 'alice');
  await sandbox.clock.advanceTo(minute(5));
  await sandbox.resolve(id, 'alice');
  await sandbox.settle(minute(60));
};

const server = (sandbox: Sandbox): TicketServer => {
  if (!sandbox.tickets) throw new Error('the sandbox booted no ticket server');
  return sandbox.tickets;
};

const calls = (tickets: TicketServer, method: string, pathPart: string) =>
  tickets.requests.filter((r) => r.method === method && r.path.includes(pathPart));

/** Every execution of every workflow ended SUCCEEDED, and the incident is RESOLVED. */
const expectLifecycleDone = async (sandbox: Sandbox, id: string) => {
  const { failures } = sandbox.executionSummary();
  expect(failures, JSON.stringify(failures)).toEqual([]);
  expect((await sandbox.incident(id))?.status).toBe('RESOLVED');
};

describe('GitHub tickets through the synthesized workflow', () => {
  it('a P1 opens one issue with the marker; acknowledge comments; resolve comments and closes it', async () => {
    await withSandbox({ config: GITHUB_TICKETS_CONFIG }, async (sandbox) => {
      const id = await openP1(sandbox);
      const tickets = server(sandbox);
      expect(tickets.githubIssues).toHaveLength(1);
      const [issue] = tickets.githubIssues;
      expect(issue?.title).toMatch(new RegExp(`^\\[P1\\] ${id}: `));
      expect(issue?.body).toContain(githubMarkerComment(id));
      expect(issue?.labels).toEqual(['incident']);
      expect(
        calls(tickets, 'POST', '/issues').every(
          (r) => r.headers.authorization === `Bearer ${SANDBOX_TICKET_CREDENTIAL}`,
        ),
      ).toBe(true);
      const opened = await sandbox.incident(id);
      expect(opened?.ticket).toMatchObject({
        provider: 'github',
        key: '1',
        url: `${tickets.baseUrl}/example-org/incidents/issues/1`,
      });
      expect(
        opened?.timeline.some(
          (e) => e.details?.ticketEvent === 'opened' && e.summary.includes(opened.ticket?.url ?? '?'),
        ),
      ).toBe(true);

      await ackAndResolve(sandbox, id);
      expect(issue?.comments).toEqual([
        expect.stringContaining(`${id} acknowledged by alice`),
        expect.stringContaining(`${id} resolved by alice`),
      ]);
      expect(issue?.state).toBe('closed');
      expect(issue?.stateReason).toBe('completed');
      expect(await sandbox.report(id)).toContain(
        `**Ticket:** <${tickets.baseUrl}/example-org/incidents/issues/1>`,
      );
      expect(calls(tickets, 'POST', '/issues').filter((r) => r.path.endsWith('/issues'))).toHaveLength(1);
      await expectLifecycleDone(sandbox, id);
    });
  }, 60_000);

  it('each step called twice (a retried Lambda, at once or after) makes one issue and one comment of each', async () => {
    await withSandbox({ config: GITHUB_TICKETS_CONFIG }, async (sandbox) => {
      const id = await openP1(sandbox);
      const announce = { step: 'announce', incidentId: id };
      await Promise.all([sandbox.invoke('lifecycle', announce), sandbox.invoke('lifecycle', announce)]);
      await sandbox.invoke('lifecycle', announce);
      await sandbox.clock.advanceTo(minute(3));
      await sandbox.acknowledge(id, 'alice');
      await sandbox.acknowledge(id, 'alice');
      await sandbox.clock.advanceTo(minute(5));
      await sandbox.resolve(id, 'alice');
      await sandbox.settle(minute(60));
      await sandbox.invoke('lifecycle', { step: 'resolve', incidentId: id });
      const tickets = server(sandbox);
      expect(tickets.githubIssues).toHaveLength(1);
      expect(tickets.githubIssues[0]?.comments).toHaveLength(2);
      expect(calls(tickets, 'PATCH', '/issues/1')).toHaveLength(1);
      await expectLifecycleDone(sandbox, id);
    });
  }, 60_000);

  it('a create whose answer was lost (500 after the write) is found by its marker, not made twice', async () => {
    await withSandbox({ config: GITHUB_TICKETS_CONFIG }, async (sandbox) => {
      sandbox.tickets?.failNext(1, { status: 500, afterEffect: true, on: ISSUES });
      const id = await openP1(sandbox);
      const tickets = server(sandbox);
      expect(tickets.githubIssues).toHaveLength(1);
      const incident = await sandbox.incident(id);
      expect(incident?.ticket?.key).toBe('1');
      expect(incident?.timeline.some((e) => e.summary.includes('found by its marker'))).toBe(true);
      await ackAndResolve(sandbox, id);
      await expectLifecycleDone(sandbox, id);
    });
  }, 60_000);

  for (const [status, count] of [
    [500, 4],
    [401, 1],
  ] as const) {
    it(`a ticket API answering ${status} leaves no ticket: the failure is on the timeline, the operators are paged, resolve still works`, async () => {
      await withSandbox({ config: GITHUB_TICKETS_CONFIG }, async (sandbox) => {
        sandbox.tickets?.failNext(count, { status, on: ISSUES });
        const id = await openP1(sandbox);
        const tickets = server(sandbox);
        expect(tickets.githubIssues).toEqual([]);
        const failed = await sandbox.incident(id);
        expect(failed?.ticket?.error).toContain(`answered ${status}`);
        const error = failed?.timeline.find((e) => e.kind === 'error' && e.details?.step === 'ticket');
        expect(error?.summary).toContain('ticket not opened');
        const pages = await sandbox.sns.allPages();
        const told = pages.find((p) => p.kind === 'ESCALATION' && p.body.includes('ticket was not opened'));
        expect(told?.tier).toBe('on-call');

        await ackAndResolve(sandbox, id);
        expect(calls(tickets, 'POST', '/comments')).toEqual([]);
        expect(calls(tickets, 'POST', '/issues').filter((r) => r.path.endsWith('/issues'))).toHaveLength(
          count,
        );
        await expectLifecycleDone(sandbox, id);
      });
    }, 60_000);
  }
});

describe('Jira tickets through the synthesized workflow', () => {
  it('a P1 opens one issue with an ADF description and the marker label; acknowledge comments; resolve comments and moves it to Done', async () => {
    await withSandbox({ config: JIRA_TICKETS_CONFIG }, async (sandbox) => {
      const id = await openP1(sandbox);
      const tickets = server(sandbox);
      expect(tickets.jiraIssues).toHaveLength(1);
      const [issue] = tickets.jiraIssues;
      expect(issue?.key).toBe('OPS-1');
      expect(issue?.fields.description).toMatchObject({ version: 1, type: 'doc' });
      expect(issue?.fields.labels).toEqual([jiraMarkerLabel(id)]);
      expect(issue?.fields.issuetype).toEqual({ name: 'Task' });
      const basic = Buffer.from(`${SANDBOX_TICKET_CREDENTIAL}:${SANDBOX_TICKET_CREDENTIAL}`).toString(
        'base64',
      );
      expect(tickets.requests.every((r) => r.headers.authorization === `Basic ${basic}`)).toBe(true);
      expect((await sandbox.incident(id))?.ticket).toMatchObject({
        provider: 'jira',
        key: 'OPS-1',
        url: `${tickets.baseUrl}/browse/OPS-1`,
      });

      await ackAndResolve(sandbox, id);
      expect(issue?.comments).toHaveLength(2);
      expect(issue?.comments[0]).toMatchObject({ version: 1, type: 'doc' });
      expect(JSON.stringify(issue?.comments[1])).toContain(`${id} resolved by alice`);
      expect(calls(tickets, 'POST', '/transitions').map((r) => r.body)).toEqual([
        { transition: { id: '31' } },
      ]);
      expect(issue?.status).toBe('Done');
      await expectLifecycleDone(sandbox, id);
    });
  }, 60_000);

  /** Opens a P1, resolves it at 5, reopens it at 10 (the alarm again) and resolves it again at 15. */
  const reopenedAndResolvedAgain = async (sandbox: Sandbox): Promise<string> => {
    const id = await openP1(sandbox);
    await sandbox.clock.advanceTo(minute(5));
    await sandbox.resolve(id, 'alice');
    await sandbox.settle(minute(10));
    const again = sandbox.deliver(alarmStateChange('checkout-tasks-below-desired', 'ALARM', minute(10)));
    await sandbox.settle(minute(11));
    expect(again.intake?.outcome).toBe('reopened');
    await sandbox.clock.advanceTo(minute(15));
    await sandbox.resolve(id, 'alice');
    await sandbox.settle(minute(80));
    return id;
  };

  it('reopened and resolved again without reopenTransition: the same issue hears the reopen, stays Done, no second transition', async () => {
    await withSandbox({ config: JIRA_TICKETS_CONFIG }, async (sandbox) => {
      const id = await reopenedAndResolvedAgain(sandbox);
      const tickets = server(sandbox);
      expect(tickets.jiraIssues).toHaveLength(1);
      expect(tickets.jiraIssues[0]?.comments.map((c) => JSON.stringify(c))).toEqual([
        expect.stringContaining(`${id} resolved by alice`),
        expect.stringContaining(`${id} reopened at`),
        expect.stringContaining(`${id} resolved by alice`),
      ]);
      expect(calls(tickets, 'POST', '/transitions')).toHaveLength(1);
      expect(tickets.jiraIssues[0]?.status).toBe('Done');
      const incident = await sandbox.incident(id);
      expect(incident?.timeline.filter((e) => e.kind === 'error')).toEqual([]);
      expect(incident?.timeline.map((e) => e.summary)).toContain('Jira issue OPS-1: commented reopened');
      await expectLifecycleDone(sandbox, id);
    });
  }, 60_000);

  it('with reopenTransition the reopen moves the issue back to To Do, and the second resolution to Done again', async () => {
    const config = {
      ...JIRA_TICKETS_CONFIG,
      tickets: { ...JIRA_TICKETS_CONFIG.tickets, reopenTransition: { name: 'To Do' } },
    };
    await withSandbox({ config }, async (sandbox) => {
      const id = await reopenedAndResolvedAgain(sandbox);
      const tickets = server(sandbox);
      expect(tickets.jiraIssues).toHaveLength(1);
      expect(
        calls(tickets, 'POST', '/transitions').map(
          (r) => (r.body as { transition: { id: string } }).transition.id,
        ),
      ).toEqual(['31', '11', '31']);
      expect(tickets.jiraIssues[0]?.status).toBe('Done');
      expect((await sandbox.incident(id))?.timeline.map((e) => e.summary)).toEqual(
        expect.arrayContaining([
          'Jira issue OPS-1: commented resolved and closed it',
          'Jira issue OPS-1: commented reopened and reopened it',
        ]),
      );
      await expectLifecycleDone(sandbox, id);
    });
  }, 60_000);
});

describe('a GitHub issue when its incident reopens', () => {
  it('is opened again with a comment, and closed again by the next resolution', async () => {
    await withSandbox({ config: GITHUB_TICKETS_CONFIG }, async (sandbox) => {
      const id = await openP1(sandbox);
      await sandbox.clock.advanceTo(minute(5));
      await sandbox.resolve(id, 'alice');
      await sandbox.settle(minute(10));
      const tickets = server(sandbox);
      expect(tickets.githubIssues[0]?.state).toBe('closed');
      sandbox.deliver(alarmStateChange('checkout-tasks-below-desired', 'ALARM', minute(10)));
      await sandbox.settle(minute(11));
      expect(tickets.githubIssues[0]).toMatchObject({ state: 'open', stateReason: 'reopened' });
      expect(tickets.githubIssues[0]?.comments.at(-1)).toContain(`${id} reopened at`);

      await sandbox.clock.advanceTo(minute(15));
      await sandbox.resolve(id, 'alice');
      await sandbox.settle(minute(80));
      expect(tickets.githubIssues).toHaveLength(1);
      expect(tickets.githubIssues[0]).toMatchObject({ state: 'closed', stateReason: 'completed' });
      expect(calls(tickets, 'PATCH', '/issues/1')).toHaveLength(3);
      await expectLifecycleDone(sandbox, id);
    });
  }, 60_000);
});
