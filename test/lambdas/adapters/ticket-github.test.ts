import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubTicketAdapter, GitHubTicketError } from '../../../lambdas/adapters/ticket-github';
import { IncidentError } from '../../../lambdas/domain/errors';
import type { TicketIncident } from '../../../lambdas/domain/tickets';
import { startTicketServer, type TicketServer } from '../../../sandbox/local-aws/ticket-server';

const TOKEN = 'github_pat_11AAAA0000secret';
const incident: TicketIncident = {
  id: 'INC-20261203-004',
  title: 'checkout: error rate above 10%',
  service: 'checkout',
  severity: 'P2',
  status: 'DETECTED',
  createdAt: '2026-12-03T13:58:00.000Z',
};

let server: TicketServer;
let waits: number[];
let adapter: GitHubTicketAdapter;

beforeEach(async () => {
  server = await startTicketServer();
  waits = [];
  adapter = new GitHubTicketAdapter({
    baseUrl: server.baseUrl,
    owner: 'acme',
    repo: 'incidents',
    token: TOKEN,
    labels: ['incident'],
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
});
afterEach(async () => {
  await server.stop();
});

/** The error `run` rejects with. */
const failure = async (run: () => Promise<unknown>): Promise<GitHubTicketError> => {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitHubTicketError);
  return error as GitHubTicketError;
};

describe('GitHubTicketAdapter', () => {
  it('creates the issue with the headers the REST API needs, and returns its number and page', async () => {
    const ticket = await adapter.create(incident);
    expect(ticket).toEqual({
      provider: 'github',
      key: '1',
      url: `${server.baseUrl}/acme/incidents/issues/1`,
    });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/repos/acme/incidents/issues' });
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'content-type': 'application/json',
    });
    expect(request?.body).toMatchObject({
      title: '[P2] INC-20261203-004: checkout: error rate above 10%',
      labels: ['incident'],
    });
    expect(server.githubIssues[0]?.body).toContain('<!-- incident-id: INC-20261203-004 -->');
  });

  it('finds the issue by its marker, and nothing for another incident', async () => {
    await adapter.create(incident);
    expect(await adapter.findByIncident(incident.id)).toEqual({
      provider: 'github',
      key: '1',
      url: `${server.baseUrl}/acme/incidents/issues/1`,
    });
    expect(server.requests[1]?.query).toEqual({
      q: 'repo:acme/incidents is:issue in:body "incident-id: INC-20261203-004"',
      per_page: '20',
    });
    expect(await adapter.findByIncident('INC-20261203-005')).toBeUndefined();
  });

  it('takes the oldest of several marked issues, and ignores one that only quotes the marker', async () => {
    await fetch(`${server.baseUrl}/repos/acme/incidents/issues`, {
      method: 'POST',
      headers: { Authorization: 'Bearer x' },
      body: JSON.stringify({ title: 'notes', body: 'see incident-id: INC-20261203-004' }),
    });
    await adapter.create(incident);
    await adapter.create(incident);
    expect((await adapter.findByIncident(incident.id))?.key).toBe('2');
  });

  it('comments, then closes as completed', async () => {
    const ticket = await adapter.create(incident);
    await adapter.comment(ticket, 'INC-20261203-004 acknowledged by alice.');
    await adapter.close(ticket);
    expect(server.githubIssues[0]).toMatchObject({
      comments: ['INC-20261203-004 acknowledged by alice.'],
      state: 'closed',
      stateReason: 'completed',
    });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/acme/incidents/issues',
      'POST /repos/acme/incidents/issues/1/comments',
      'PATCH /repos/acme/incidents/issues/1',
    ]);
    expect(server.requests[2]?.body).toEqual({ state: 'closed', state_reason: 'completed' });
  });

  it('reopens a closed issue as reopened', async () => {
    const ticket = await adapter.create(incident);
    await adapter.close(ticket);
    await adapter.reopen(ticket);
    expect(server.githubIssues[0]).toMatchObject({ state: 'open', stateReason: 'reopened' });
    expect(server.requests.at(-1)).toMatchObject({
      method: 'PATCH',
      path: '/repos/acme/incidents/issues/1',
      body: { state: 'open', state_reason: 'reopened' },
    });
  });

  it('retries a 500 and a dropped connection with backoff', async () => {
    server.failNext(1, { status: 500 });
    server.dropNext(1);
    expect(await adapter.findByIncident(incident.id)).toBeUndefined();
    expect(waits).toEqual([500, 1000]);
    expect(server.requests.map((r) => r.answered)).toEqual([500, 'dropped', 200]);
  });

  it('waits the Retry-After of a 429, and of a 403 that is a secondary rate limit', async () => {
    const ticket = await adapter.create(incident);
    server.failNext(1, { status: 429, retryAfter: 2 });
    server.failNext(1, { status: 403, retryAfter: 3 });
    await adapter.comment(ticket, 'ack');
    expect(waits).toEqual([2000, 3000]);
    expect(server.githubIssues[0]?.comments).toEqual(['ack']);
  });

  it('never retries a 400, 401, 403, 404 or 422', async () => {
    const ticket = await adapter.create(incident);
    for (const status of [400, 401, 403, 404, 422]) {
      const before = server.requests.length;
      server.failNext(1, { status });
      const error = await failure(() => adapter.comment(ticket, 'ack'));
      expect(error.status).toBe(status);
      expect(server.requests.length - before).toBe(1);
    }
    expect(waits).toEqual([]);
  });

  it('does not retry a create that failed with a 500 (it may have been written) but does after a 429', async () => {
    server.failNext(1, { status: 500, afterEffect: true });
    const error = await failure(() => adapter.create(incident));
    expect(error.status).toBe(500);
    expect(server.githubIssues).toHaveLength(1);
    server.failNext(1, { status: 429, retryAfter: 1 });
    expect((await adapter.create(incident)).key).toBe('2');
    expect(waits).toEqual([1000]);
  });

  it('names the status and the endpoint in its error, never the token', async () => {
    server.failNext(1, { status: 401 });
    const error = await failure(() => adapter.findByIncident(incident.id));
    expect(error).toBeInstanceOf(IncidentError);
    expect(error.name).toBe('GitHubTicketError');
    expect(error.endpoint).toBe('GET /search/issues');
    expect(error.message).toBe('GitHub GET /search/issues answered 401: injected 401');
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(TOKEN);
  });

  it('gives up after the attempt budget, saying how often it tried', async () => {
    server.failNext(4, { status: 503 });
    const error = await failure(() => adapter.findByIncident(incident.id));
    expect(error.message).toBe('GitHub GET /search/issues answered 503: injected 503 after 4 attempts');
    expect(waits).toEqual([500, 1000, 2000]);
    server.dropNext(4);
    const dropped = await failure(() => adapter.findByIncident(incident.id));
    expect(dropped.status).toBeUndefined();
    expect(dropped.outcome).toEqual({ networkError: true });
    expect(dropped.message).toMatch(
      /^GitHub GET \/search\/issues got no answer \(TypeError\) after 4 attempts$/,
    );
  });
});
