import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowCallbacks } from '../../../lambdas/adapters/workflow-callbacks';
import type { EscalationPolicies } from '../../../lambdas/domain/escalation';
import { appendEntries, type Incident } from '../../../lambdas/domain/incident';
import { linkFor, verifyLink, viewLinkFor } from '../../../lambdas/domain/links';
import { IncidentService } from '../../../lambdas/services/incident-service';
import {
  handleResponderRequest,
  type ResponderEndpointDeps,
} from '../../../lambdas/services/responder-endpoint';
import { INCIDENT_PAGE_CSP } from '../../../lambdas/web/incident-page-html';
import { useLocalDynamo } from '../../support/local-dynamo';

const SECRET = 'test-signing-secret-0123456789-abcdefghijklmnop';
const OTHER_SECRET = 'another-signing-secret-0123456789-abcdefghijk';
const ORIGIN = 'https://ir.example.com';
const POLICY: EscalationPolicies = {
  P1: { steps: [{ afterMinutes: 0, notify: ['on-call'] }] },
  P2: {
    steps: [
      { afterMinutes: 0, notify: ['on-call'] },
      { afterMinutes: 15, notify: ['devops-lead'] },
    ],
  },
  P3: { steps: [] },
  P4: { steps: [] },
};
const noCallbacks: WorkflowCallbacks = { succeed: async () => {}, fail: async () => {} };

const dynamo = useLocalDynamo();
let now: Date;
let incidents: IncidentService;
let deps: ResponderEndpointDeps;
let counter = 0;

beforeEach(() => {
  now = new Date('2026-11-23T10:00:00.000Z');
  incidents = new IncidentService(
    dynamo.store,
    { dedupFields: ['service', 'alarm'], reopenWindowMinutes: 30, resolveOnOk: true },
    () => now,
  );
  deps = {
    incidents,
    callbacks: noCallbacks,
    store: dynamo.store,
    escalation: POLICY,
    secret: async () => SECRET,
    pageEscalation: async () => {},
    pageFacts: async () => ({
      onCall: ['alice-ng'],
      responseMinutes: { P1: 15, P2: 60, P3: null, P4: null },
      links: { runbook: 'https://runbooks.example.com/checkout' },
    }),
    newId: randomUUID,
  };
});

const openIncident = async (): Promise<Incident> => {
  const service = `svc-${++counter}`;
  const { incident } = await incidents.recordAlarm({
    signal: { alarmName: `${service}-errors`, state: 'ALARM', at: now.toISOString(), service },
    severity: 'P2',
    severityReason: 'configured P2',
    title: `${service}: error rate high`,
  });
  if (!incident) throw new Error('no incident opened');
  return incident;
};

const stored = async (id: string): Promise<Incident> => {
  const incident = await dynamo.store.getIncident(id);
  if (!incident) throw new Error(`${id} is gone`);
  return incident;
};

const viewToken = (incidentId: string, ttlMinutes = 60, secret = SECRET) =>
  viewLinkFor({ incidentId, recipient: 'alice-ng', now, ttlMinutes }, secret);

const request = (method: string, path: string, extra: { query?: string; body?: string } = {}) =>
  handleResponderRequest(deps, { method, path, origin: ORIGIN, ...extra }, now);

/** The buttons of a rendered page: [label, the token of its action URL]. */
const buttons = (html: string): [string, string][] =>
  [
    ...html.matchAll(
      /<button type="submit" formaction="https:\/\/ir\.example\.com\/a\/([^"]+)">([^<]+)<\/button>/g,
    ),
  ].map((m) => [m[2] ?? '', m[1] ?? '']);

describe('GET /i/<token>: the incident page', () => {
  it("answers 200 with the page's CSP and headers, the incident's id, facts and timeline, and can be opened again", async () => {
    const incident = await openIncident();
    const token = viewToken(incident.id);

    for (let i = 0; i < 2; i++) {
      const response = await request('GET', `/i/${token}`);
      expect(response.status).toBe(200);
      expect(response.outcome).toBe('page');
      expect(response.headers).toMatchObject({
        'content-security-policy': INCIDENT_PAGE_CSP,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
      expect(response.html).toContain(`<h1>${incident.id}: ${incident.title}</h1>`);
      expect(response.html).toContain('<dt>On call</dt><dd>alice-ng</dd>');
      expect(response.html).toContain('href="https://runbooks.example.com/checkout"');
      const timeline = response.html.slice(response.html.indexOf('<h2>Timeline</h2>'));
      for (const entry of incident.timeline) expect(timeline).toContain(entry.summary);
      expect(response.html).toContain('<meta http-equiv="refresh" content="30">');
      expect(response.html).toContain(`href="${ORIGIN}/i/${token}?refresh=off"`);
    }
    expect(await stored(incident.id)).toEqual(incident);
  });

  it('pauses reloading with ?refresh=off, and HEAD sends the headers without a body', async () => {
    const incident = await openIncident();
    const token = viewToken(incident.id);
    const paused = await request('GET', `/i/${token}`, { query: 'refresh=off' });
    expect(paused.html).not.toContain('http-equiv="refresh"');
    expect(paused.html).toContain(`<a href="${ORIGIN}/i/${token}">Reload it automatically</a>`);
    const head = await request('HEAD', `/i/${token}`);
    expect(head).toMatchObject({
      status: 200,
      html: '',
      headers: { 'content-security-policy': INCIDENT_PAGE_CSP },
    });
  });

  it('signs each button as a fresh single-use action link for the same recipient, expiring with the page link', async () => {
    const incident = await openIncident();
    const token = viewToken(incident.id);
    const first = buttons((await request('GET', `/i/${token}`)).html);
    const again = buttons((await request('GET', `/i/${token}`)).html);

    expect(first.map(([label]) => label)).toEqual([
      'Acknowledge',
      'Escalate to the next tier',
      'Resolve',
      'Add the note only',
    ]);
    const claims = first.map(([, t]) => verifyLink(t, SECRET, now));
    expect(claims.map((c) => [c.act, c.inc, c.to])).toEqual([
      ['ack', incident.id, 'alice-ng'],
      ['escalate', incident.id, 'alice-ng'],
      ['resolve', incident.id, 'alice-ng'],
      ['note', incident.id, 'alice-ng'],
    ]);
    for (const c of claims) expect(c.exp).toBe(now.getTime() / 1000 + 3600);
    const jtis = [...claims, ...again.map(([, t]) => verifyLink(t, SECRET, now))].map((c) => c.jti);
    expect(new Set(jtis).size).toBe(8);
  });

  it('offers Approve and Deny only while an approval is pending, and no button once resolved', async () => {
    const incident = await openIncident();
    const token = viewToken(incident.id);
    await incidents.update(incident.id, (i, at) =>
      appendEntries({ ...i, approvalToken: 'task-token-1' }, at, {
        kind: 'action',
        actor: { type: 'automation', name: 'workflow' },
        summary: 'rollback needs approval',
        details: { verdict: 'needs-approval', playbook: 'rollback' },
      }),
    );
    const waiting = await request('GET', `/i/${token}`);
    expect(buttons(waiting.html).map(([label]) => label)).toEqual([
      'Acknowledge',
      'Escalate to the next tier',
      'Resolve',
      'Approve the automatic action',
      'Deny the automatic action',
      'Add the note only',
    ]);
    expect(waiting.html).toContain('Automation waits for approval: rollback needs approval');

    const [, deny] = buttons(waiting.html)[4] ?? [];
    expect((await request('POST', `/a/${deny}`)).status).toBe(200);
    const answered = await request('GET', `/i/${token}`);
    expect(buttons(answered.html).map(([label]) => label)).toEqual([
      'Acknowledge',
      'Escalate to the next tier',
      'Resolve',
      'Add the note only',
    ]);

    const [, resolve] = buttons(answered.html)[2] ?? [];
    expect((await request('POST', `/a/${resolve}`)).status).toBe(200);
    const after = await request('GET', `/i/${token}`);
    expect(after.status).toBe(200);
    // Resolved, a note can still be added (for the review), and nothing else.
    expect(buttons(after.html).map(([label]) => label)).toEqual(['Add the note only']);
    expect((await stored(incident.id)).status).toBe('RESOLVED');
  });

  it('adds a note alone through Add the note only: on the timeline as the recipient, nothing else changes; an empty note is a 409', async () => {
    const incident = await openIncident();
    const token = viewToken(incident.id);
    const noteLink = async () =>
      buttons((await request('GET', `/i/${token}`)).html).find(
        ([label]) => label === 'Add the note only',
      )?.[1];
    const before = await stored(incident.id);

    const posted = await request('POST', `/a/${await noteLink()}`, {
      body: 'note=customer+reports+failed+checkouts',
    });
    expect(posted.status).toBe(200);
    const after = await stored(incident.id);
    expect(after.status).toBe(before.status);
    expect(after.acknowledgedBy).toBeUndefined();
    expect(after.timeline.at(-1)).toMatchObject({
      kind: 'note',
      actor: { type: 'human', name: 'alice-ng' },
      summary: 'alice-ng: customer reports failed checkouts',
    });

    const empty = await request('POST', `/a/${await noteLink()}`, { body: 'note=' });
    expect(empty.status).toBe(409);
    expect(empty.html).toContain('the note is empty');
    expect((await stored(incident.id)).timeline).toHaveLength(after.timeline.length);
  });

  it('acknowledges through the Acknowledge button with the note, shows it after, and the button works once', async () => {
    const incident = await openIncident();
    const token = viewToken(incident.id);
    const [, ack] = buttons((await request('GET', `/i/${token}`)).html)[0] ?? [];

    const posted = await request('POST', `/a/${ack}`, { body: 'note=looking+at+the+deploy' });
    expect(posted.status).toBe(200);
    const after = await stored(incident.id);
    expect(after).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: 'alice-ng' });
    expect(after.timeline.at(-1)).toMatchObject({ kind: 'note', summary: 'alice-ng: looking at the deploy' });

    const page = await request('GET', `/i/${token}`);
    expect(page.html).toMatch(/<dt>Acknowledged<\/dt><dd>alice-ng, after 0 min/);
    expect(page.html).toContain('<dt>Status</dt><dd>ACKNOWLEDGED</dd>');
    expect((await request('POST', `/a/${ack}`)).status).toBe(403);
    expect((await stored(incident.id)).version).toBe(after.version);
  });
});

describe('incident page links that must be refused: the generic 403, and nothing changes', () => {
  const refusals: Record<string, (incident: Incident) => string> = {
    'a tampered payload': (i) => {
      const [, sig] = viewToken(i.id).split('.');
      const other = { v: 1, inc: i.id, ro: true, to: 'someone-else', exp: now.getTime() / 1000 + 3600 };
      return `/i/${Buffer.from(JSON.stringify(other)).toString('base64url')}.${sig}`;
    },
    'another secret': (i) => `/i/${viewToken(i.id, 60, OTHER_SECRET)}`,
    'an expired link': (i) => {
      const token = viewToken(i.id, 1);
      now = new Date(now.getTime() + 61_000);
      return `/i/${token}`;
    },
    'an unknown incident': () => `/i/${viewToken('INC-20261123-999')}`,
    'an action token on the page path': (i) =>
      `/i/${linkFor({ incidentId: i.id, action: 'ack', recipient: 'alice-ng', now, ttlMinutes: 60, jti: randomUUID() }, SECRET)}`,
  };

  it.each(Object.keys(refusals))('%s', async (name) => {
    const incident = await openIncident();
    const path = refusals[name]?.(incident) ?? '';
    const response = await request('GET', path);
    expect(response).toMatchObject({ status: 403, outcome: 'rejected' });
    expect(response.html).toContain('This link cannot be used');
    expect(response.html).not.toContain(incident.id);
    expect(response.headers).toBeUndefined();
    expect(await stored(incident.id)).toEqual(incident);
  });

  it('refuses a page token used as an action link, by GET or POST', async () => {
    const incident = await openIncident();
    const token = viewToken(incident.id);
    for (const method of ['GET', 'POST']) {
      expect(await request(method, `/a/${token}`, { body: '' })).toMatchObject({
        status: 403,
        outcome: 'rejected',
      });
    }
    expect(await stored(incident.id)).toEqual(incident);
  });

  it.each(['POST', 'PUT', 'DELETE'])('%s on the page is 405 and changes nothing', async (method) => {
    const incident = await openIncident();
    expect((await request(method, `/i/${viewToken(incident.id)}`, { body: 'note=x' })).status).toBe(405);
    expect(await stored(incident.id)).toEqual(incident);
  });
});
