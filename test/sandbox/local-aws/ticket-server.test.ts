import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTicketServer, type TicketServer } from '../../../sandbox/local-aws/ticket-server';

const GITHUB = {
  Authorization: 'Bearer t0ken',
  Accept: 'application/vnd.github+json',
  'Content-Type': 'application/json',
};
const JIRA = {
  Authorization: `Basic ${Buffer.from('ops@example.com:t0ken').toString('base64')}`,
  'Content-Type': 'application/json',
};

let server: TicketServer;
beforeEach(async () => {
  server = await startTicketServer();
});
afterEach(async () => {
  await server.stop();
});

const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
};

describe('ticket server, GitHub side', () => {
  it('listens on loopback and answers a create with the issue shape', async () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const created = await call('POST', '/repos/acme/incidents/issues', GITHUB, {
      title: 'checkout down',
      body: 'marker <!-- incident-id: INC-1 -->',
      labels: ['incident'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      number: 1,
      state: 'open',
      state_reason: null,
      title: 'checkout down',
      html_url: `${server.baseUrl}/acme/incidents/issues/1`,
      labels: [{ name: 'incident' }],
    });
  });

  it('searches bodies for the quoted phrase within the repo, and records every request', async () => {
    await call('POST', '/repos/acme/incidents/issues', GITHUB, { title: 'a', body: 'incident-id: INC-1' });
    await call('POST', '/repos/acme/other/issues', GITHUB, { title: 'b', body: 'incident-id: INC-1' });
    const q = encodeURIComponent('repo:acme/incidents is:issue in:body "incident-id: INC-1"');
    const found = await call('GET', `/search/issues?q=${q}`, GITHUB);
    expect(found.body).toMatchObject({ total_count: 1, incomplete_results: false, items: [{ number: 1 }] });
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.answered}`)).toEqual([
      'POST /repos/acme/incidents/issues 201',
      'POST /repos/acme/other/issues 201',
      'GET /search/issues 200',
    ]);
    expect(server.requests[2]?.query.q).toBe('repo:acme/incidents is:issue in:body "incident-id: INC-1"');
  });

  it('comments and closes', async () => {
    await call('POST', '/repos/acme/incidents/issues', GITHUB, { title: 'a', body: '' });
    expect(
      (await call('POST', '/repos/acme/incidents/issues/1/comments', GITHUB, { body: 'ack' })).status,
    ).toBe(201);
    const closed = await call('PATCH', '/repos/acme/incidents/issues/1', GITHUB, {
      state: 'closed',
      state_reason: 'completed',
    });
    expect(closed.body).toMatchObject({ state: 'closed', state_reason: 'completed', comments: 1 });
    expect((await call('PATCH', '/repos/acme/incidents/issues/9', GITHUB, { state: 'closed' })).status).toBe(
      404,
    );
  });

  it('refuses a request without a bearer token and a create without a title', async () => {
    expect((await call('POST', '/repos/acme/incidents/issues', {}, { title: 'a' })).status).toBe(401);
    expect((await call('POST', '/repos/acme/incidents/issues', GITHUB, { body: 'x' })).status).toBe(422);
    expect(server.githubIssues).toEqual([]);
  });
});

describe('ticket server, Jira side', () => {
  const create = () =>
    call('POST', '/rest/api/3/issue', JIRA, {
      fields: { project: { key: 'OPS' }, summary: 'checkout down', labels: ['incident-inc-1'] },
    });

  it('answers a create with {id, key, self} and finds it by project and label', async () => {
    const created = await create();
    expect(created).toMatchObject({
      status: 201,
      body: { id: '10001', key: 'OPS-1', self: `${server.baseUrl}/rest/api/3/issue/10001` },
    });
    const found = await call('POST', '/rest/api/3/search/jql', JIRA, {
      jql: 'project = "OPS" AND labels = "incident-inc-1"',
    });
    expect(found.body).toEqual({
      issues: [
        {
          id: '10001',
          key: 'OPS-1',
          self: `${server.baseUrl}/rest/api/3/issue/10001`,
          fields: { summary: 'checkout down' },
        },
      ],
      isLast: true,
    });
    const none = await call('POST', '/rest/api/3/search/jql', JIRA, {
      jql: 'project = "OPS" AND labels = "x"',
    });
    expect(none.body).toEqual({ issues: [], isLast: true });
  });

  it('takes ADF comments only, and lists and performs transitions', async () => {
    await create();
    const doc = { version: 1, type: 'doc', content: [] };
    expect((await call('POST', '/rest/api/3/issue/OPS-1/comment', JIRA, { body: doc })).status).toBe(201);
    expect((await call('POST', '/rest/api/3/issue/OPS-1/comment', JIRA, { body: 'text' })).status).toBe(400);
    const listed = await call('GET', '/rest/api/3/issue/OPS-1/transitions', JIRA);
    expect(listed.body.transitions.map((t: { id: string; name: string }) => `${t.id} ${t.name}`)).toEqual([
      '21 In Progress',
      '31 Done',
    ]);
    expect(
      (await call('POST', '/rest/api/3/issue/OPS-1/transitions', JIRA, { transition: { id: '31' } })).status,
    ).toBe(204);
    expect(server.jiraIssues[0]?.status).toBe('Done');
    const again = await call('POST', '/rest/api/3/issue/OPS-1/transitions', JIRA, {
      transition: { id: '31' },
    });
    expect(again).toMatchObject({
      status: 400,
      body: { errorMessages: ["Transition id '31' is not valid for this issue."] },
    });
  });

  it('refuses a request without basic auth', async () => {
    expect((await call('POST', '/rest/api/3/issue', { Authorization: 'Bearer x' }, {})).status).toBe(401);
  });
});

describe('ticket server faults', () => {
  it('fails the next n requests with a status and Retry-After, without carrying them out', async () => {
    server.failNext(2, { status: 429, retryAfter: 7 });
    const first = await call('POST', '/repos/acme/incidents/issues', GITHUB, { title: 'a' });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect((await call('POST', '/repos/acme/incidents/issues', GITHUB, { title: 'a' })).status).toBe(429);
    expect((await call('POST', '/repos/acme/incidents/issues', GITHUB, { title: 'a' })).status).toBe(201);
    expect(server.githubIssues).toHaveLength(1);
    expect(server.requests.map((r) => r.answered)).toEqual([429, 429, 201]);
  });

  it('carries a request out and then answers 500 when asked to (a lost response)', async () => {
    server.failNext(1, { status: 500, afterEffect: true });
    expect(
      (await call('POST', '/rest/api/3/issue', JIRA, { fields: { project: { key: 'OPS' }, summary: 's' } }))
        .status,
    ).toBe(500);
    expect(server.jiraIssues.map((i) => i.key)).toEqual(['OPS-1']);
  });

  it('drops the connection, after carrying the request out when asked to', async () => {
    server.dropNext(1, { afterEffect: true });
    await expect(call('POST', '/repos/acme/incidents/issues', GITHUB, { title: 'a' })).rejects.toThrow();
    server.dropNext(1);
    await expect(call('POST', '/repos/acme/incidents/issues', GITHUB, { title: 'b' })).rejects.toThrow();
    expect(server.githubIssues.map((i) => i.title)).toEqual(['a']);
    expect(server.requests.map((r) => r.answered)).toEqual(['dropped', 'dropped']);
  });

  it('keeps a fault for the method and path it names, letting other requests through', async () => {
    server.failNext(1, { status: 500, on: 'POST /repos/acme/incidents/issues' });
    expect((await call('GET', '/search/issues?q=x', GITHUB)).status).toBe(200);
    expect((await call('POST', '/repos/acme/incidents/issues', GITHUB, { title: 'a' })).status).toBe(500);
    expect((await call('POST', '/repos/acme/incidents/issues', GITHUB, { title: 'a' })).status).toBe(201);
  });

  it('injects a 401 for the next request only, then answers as before', async () => {
    server.failNext(1, { status: 401 });
    expect((await call('GET', '/search/issues?q=x', GITHUB)).status).toBe(401);
    expect((await call('GET', '/search/issues?q=x', GITHUB)).status).toBe(200);
  });
});
