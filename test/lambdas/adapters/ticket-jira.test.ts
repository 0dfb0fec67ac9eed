import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  JiraTicketAdapter,
  JiraTicketError,
  type JiraTicketOptions,
} from '../../../lambdas/adapters/ticket-jira';
import { IncidentError } from '../../../lambdas/domain/errors';
import type { TicketIncident } from '../../../lambdas/domain/tickets';
import { startTicketServer, type TicketServer } from '../../../sandbox/local-aws/ticket-server';

const EMAIL = 'ops-bot@example.com';
const TOKEN = 'ATATT3xFfGF0secret';
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

beforeEach(async () => {
  server = await startTicketServer();
  waits = [];
});
afterEach(async () => {
  await server.stop();
});

const jira = (over: Partial<JiraTicketOptions> = {}) =>
  new JiraTicketAdapter({
    baseUrl: server.baseUrl,
    projectKey: 'OPS',
    issueType: 'Task',
    email: EMAIL,
    token: TOKEN,
    resolveTransition: { name: 'done' },
    labels: ['sev-p1'],
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...over,
  });

/** The error `run` rejects with. */
const failure = async (run: () => Promise<unknown>): Promise<JiraTicketError> => {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JiraTicketError);
  return error as JiraTicketError;
};

describe('JiraTicketAdapter', () => {
  it('creates the issue with basic auth, an ADF description and the marker label', async () => {
    const ticket = await jira().create(incident);
    expect(ticket).toEqual({ provider: 'jira', key: 'OPS-1', url: `${server.baseUrl}/browse/OPS-1` });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/rest/api/3/issue' });
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`,
    );
    expect(request?.headers.accept).toBe('application/json');
    expect(request?.body).toMatchObject({
      fields: {
        project: { key: 'OPS' },
        issuetype: { name: 'Task' },
        summary: '[P1] INC-20261203-004: checkout: error rate above 10%',
        description: { version: 1, type: 'doc' },
        labels: ['incident-inc-20261203-004', 'sev-p1'],
      },
    });
  });

  it('finds the issue by its marker label with a JQL search', async () => {
    await jira().create(incident);
    expect(await jira().findByIncident(incident.id)).toEqual({
      provider: 'jira',
      key: 'OPS-1',
      url: `${server.baseUrl}/browse/OPS-1`,
    });
    expect(server.requests[1]).toMatchObject({
      method: 'POST',
      path: '/rest/api/3/search/jql',
      body: {
        jql: 'project = "OPS" AND labels = "incident-inc-20261203-004" ORDER BY created ASC',
        fields: ['summary'],
        maxResults: 10,
      },
    });
    expect(await jira().findByIncident('INC-20261203-005')).toBeUndefined();
  });

  it('comments in ADF', async () => {
    const ticket = await jira().create(incident);
    await jira().comment(ticket, 'INC-20261203-004 resolved at 2026-12-03T14:40:00.000Z.\nRolled back.');
    expect(server.jiraIssues[0]?.comments).toEqual([
      {
        version: 1,
        type: 'doc',
        content: [
          {
            type: 'paragraph',
            content: [{ type: 'text', text: 'INC-20261203-004 resolved at 2026-12-03T14:40:00.000Z.' }],
          },
          { type: 'paragraph', content: [{ type: 'text', text: 'Rolled back.' }] },
        ],
      },
    ]);
  });

  it('closes through the transition named in the config (any case), or given by id', async () => {
    const ticket = await jira().create(incident);
    await jira().close(ticket);
    expect(server.requests.slice(1).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /rest/api/3/issue/OPS-1/transitions',
      'POST /rest/api/3/issue/OPS-1/transitions',
    ]);
    expect(server.requests[2]?.body).toEqual({ transition: { id: '31' } });
    expect(server.jiraIssues[0]?.status).toBe('Done');
    const second = await jira().create(incident);
    await jira({ resolveTransition: { id: '21' } }).close(second);
    expect(server.jiraIssues[1]?.status).toBe('In Progress');
  });

  it('names the transitions there are when the configured one is not available, and does not retry', async () => {
    const ticket = await jira().create(incident);
    await jira().close(ticket);
    const error = await failure(() => jira().close(ticket));
    expect(error.message).toBe(
      'Jira OPS-1 has no transition done now; available: To Do (11), In Progress (21)',
    );
    expect(error.outcome).toBeUndefined();
    const unset = await failure(() => jira({ resolveTransition: undefined }).close(ticket));
    expect(unset.message).toBe('Jira close of OPS-1: no resolveTransition configured');
    expect(waits).toEqual([]);
  });

  it('reopens through reopenTransition, and names the setting when there is none', async () => {
    const ticket = await jira().create(incident);
    await jira().close(ticket);
    await jira({ reopenTransition: { name: 'To Do' } }).reopen(ticket);
    expect(server.requests.at(-1)?.body).toEqual({ transition: { id: '11' } });
    expect(server.jiraIssues[0]?.status).toBe('To Do');
    const unset = await failure(() => jira().reopen(ticket));
    expect(unset.message).toBe('Jira reopen of OPS-1: no reopenTransition configured');
  });

  it('retries a 500 search and a 429 comment, honouring Retry-After', async () => {
    const ticket = await jira().create(incident);
    server.failNext(1, { status: 500 });
    expect((await jira().findByIncident(incident.id))?.key).toBe('OPS-1');
    server.failNext(1, { status: 429, retryAfter: 4 });
    await jira().comment(ticket, 'ack');
    expect(waits).toEqual([500, 4000]);
    expect(server.jiraIssues[0]?.comments).toHaveLength(1);
  });

  it('never retries a 400, 401, 403 or 404', async () => {
    for (const status of [400, 401, 403, 404]) {
      const before = server.requests.length;
      server.failNext(1, { status });
      const error = await failure(() => jira().findByIncident(incident.id));
      expect(error.status).toBe(status);
      expect(server.requests.length - before).toBe(1);
    }
    expect(waits).toEqual([]);
  });

  it('does not retry a create that got no answer (it may have been written)', async () => {
    server.dropNext(1, { afterEffect: true });
    const error = await failure(() => jira().create(incident));
    expect(error.outcome).toEqual({ networkError: true });
    expect(server.jiraIssues.map((i) => i.key)).toEqual(['OPS-1']);
    expect(server.requests).toHaveLength(1);
  });

  it('names the status and the endpoint in its error, never the email or the token', async () => {
    server.failNext(1, { status: 401 });
    const error = await failure(() => jira().create(incident));
    expect(error).toBeInstanceOf(IncidentError);
    expect(error.name).toBe('JiraTicketError');
    expect(error.message).toBe('Jira POST /rest/api/3/issue answered 401: injected 401');
    const told = JSON.stringify({ ...error, message: error.message, stack: error.stack });
    expect(told).not.toContain(TOKEN);
    expect(told).not.toContain(EMAIL);
    expect(told).not.toContain(Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64'));
  });
});
