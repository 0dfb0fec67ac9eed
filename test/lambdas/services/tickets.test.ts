import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubTicketAdapter, GitHubTicketError } from '../../../lambdas/adapters/ticket-github';
import { JiraTicketAdapter } from '../../../lambdas/adapters/ticket-jira';
import type { TicketAdapter, TicketIncident } from '../../../lambdas/domain/tickets';
import { ensureTicket } from '../../../lambdas/services/tickets';
import { startTicketServer, type TicketServer } from '../../../sandbox/local-aws/ticket-server';

const incident: TicketIncident = {
  id: 'INC-20261203-004',
  title: 'checkout: error rate above 10%',
  service: 'checkout',
  severity: 'P1',
  status: 'DETECTED',
  createdAt: '2026-12-03T13:58:00.000Z',
};

let server: TicketServer;
let waits: number[];
const sleep = async (ms: number) => {
  waits.push(ms);
};

beforeEach(async () => {
  server = await startTicketServer();
  waits = [];
});
afterEach(async () => {
  await server.stop();
});

/** Each provider's adapter against the loopback server, with the path of its create. */
const providers: { name: string; create: string; adapter: () => TicketAdapter; count: () => number }[] = [
  {
    name: 'GitHub',
    create: 'POST /repos/acme/incidents/issues',
    adapter: () =>
      new GitHubTicketAdapter({
        baseUrl: server.baseUrl,
        owner: 'acme',
        repo: 'incidents',
        token: 't',
        sleep,
      }),
    count: () => server.githubIssues.length,
  },
  {
    name: 'Jira',
    create: 'POST /rest/api/3/issue',
    adapter: () =>
      new JiraTicketAdapter({
        baseUrl: server.baseUrl,
        projectKey: 'OPS',
        issueType: 'Task',
        email: 'bot@example.com',
        token: 't',
        sleep,
      }),
    count: () => server.jiraIssues.length,
  },
];

describe.each(providers)('ensureTicket with $name', ({ create, adapter, count }) => {
  it('called twice makes one ticket', async () => {
    const first = await ensureTicket(adapter(), incident, { sleep });
    const second = await ensureTicket(adapter(), incident, { sleep });
    expect(first.created).toBe(true);
    expect(second).toEqual({ ticket: first.ticket, created: false });
    expect(count()).toBe(1);
  });

  it('finds the ticket whose create answered 500 after writing it, instead of making another', async () => {
    server.failNext(1, { status: 500, afterEffect: true, on: create });
    const ensured = await ensureTicket(adapter(), incident, { sleep });
    expect(ensured.created).toBe(false);
    expect(count()).toBe(1);
    expect(waits).toEqual([500]);
    expect(server.requests.map((r) => r.answered)).toEqual([200, 500, 200]);
  });

  it('finds the ticket whose create connection dropped after writing it', async () => {
    server.dropNext(1, { afterEffect: true, on: create });
    expect((await ensureTicket(adapter(), incident, { sleep })).created).toBe(false);
    expect(count()).toBe(1);
  });

  it('creates again when the failed create wrote nothing', async () => {
    server.failNext(1, { status: 503, on: create });
    server.dropNext(1, { on: create });
    expect((await ensureTicket(adapter(), incident, { sleep })).created).toBe(true);
    expect(count()).toBe(1);
    expect(waits).toEqual([500, 1000]);
  });

  it('gives up on a 4xx at once, and after the attempt budget on 5xx', async () => {
    server.failNext(1, { status: 422, on: create });
    await expect(ensureTicket(adapter(), incident, { sleep })).rejects.toMatchObject({ status: 422 });
    expect(waits).toEqual([]);
    server.failNext(4, { status: 502, on: create });
    await expect(ensureTicket(adapter(), incident, { sleep })).rejects.toMatchObject({ status: 502 });
    expect(waits).toEqual([500, 1000, 2000]);
    expect(count()).toBe(0);
  });
});

describe('ensureTicket', () => {
  it('does not create when the marker search itself fails', async () => {
    server.failNext(1, { status: 401, on: 'GET /search/issues' });
    const github = providers[0]?.adapter();
    if (github === undefined) throw new Error('no GitHub provider');
    await expect(ensureTicket(github, incident, { sleep })).rejects.toBeInstanceOf(GitHubTicketError);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /search/issues']);
  });
});
