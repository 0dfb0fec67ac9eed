import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../../lambdas/adapters/incident-store';
import type { WorkflowCallbacks } from '../../../lambdas/adapters/workflow-callbacks';
import type { EscalationPolicies } from '../../../lambdas/domain/escalation';
import { appendEntries, type Incident } from '../../../lambdas/domain/incident';
import { linkFor } from '../../../lambdas/domain/links';
import type { LinkClaims, ResponderAction } from '../../../lambdas/domain/responder-actions';
import { IncidentService } from '../../../lambdas/services/incident-service';
import {
  handleResponderRequest,
  type ResponderEndpointDeps,
  type ResponderRequest,
} from '../../../lambdas/services/responder-endpoint';
import {
  acknowledgeIncident,
  escalateIncident,
  type ResponderDeps,
  resolveIncident,
} from '../../../lambdas/services/responders';
import { useLocalDynamo } from '../../support/local-dynamo';

const SECRET = 'test-signing-secret-0123456789-abcdefghijklmnop';
const OPTIONS = { dedupFields: ['service', 'alarm'] as const, reopenWindowMinutes: 30, resolveOnOk: true };
const POLICY: EscalationPolicies = {
  P1: { steps: [{ afterMinutes: 0, notify: ['on-call'] }] },
  P2: {
    steps: [
      { afterMinutes: 0, notify: ['on-call'] },
      { afterMinutes: 15, notify: ['devops-lead'] },
      { afterMinutes: 60, notify: ['engineering-manager'] },
    ],
  },
  P3: { steps: [] },
  P4: { steps: [] },
};

type Call =
  | { kind: 'succeed'; token: string; output: unknown }
  | { kind: 'fail'; token: string; error: string; cause: string };

/** Records every callback; `failWith` makes the next calls throw that error. */
class FakeCallbacks implements WorkflowCallbacks {
  readonly calls: Call[] = [];
  failWith: Error | undefined;

  async succeed(token: string, output: unknown): Promise<void> {
    this.calls.push({ kind: 'succeed', token, output });
    if (this.failWith) throw this.failWith;
  }

  async fail(token: string, error: string, cause: string): Promise<void> {
    this.calls.push({ kind: 'fail', token, error, cause });
    if (this.failWith) throw this.failWith;
  }
}

const awsError = (name: string): Error => Object.assign(new Error(`${name} from Step Functions`), { name });

const dynamo = useLocalDynamo();
let now: Date;
let incidents: IncidentService;
let callbacks: FakeCallbacks;
let pages: Array<{ incidentId: string; tiers: readonly string[]; why: string }>;
let deps: ResponderEndpointDeps;
let counter = 0;

beforeEach(() => {
  now = new Date('2026-11-23T10:00:00.000Z');
  incidents = new IncidentService(dynamo.store, OPTIONS, () => now);
  callbacks = new FakeCallbacks();
  pages = [];
  deps = {
    incidents,
    callbacks,
    store: dynamo.store,
    escalation: POLICY,
    secret: async () => SECRET,
    pageEscalation: async (incidentId, tiers, why) => {
      pages.push({ incidentId, tiers, why });
    },
    pageFacts: async () => ({
      onCall: [],
      responseMinutes: { P1: 15, P2: 60, P3: null, P4: null },
      links: {},
    }),
    newId: randomUUID,
  };
});

const ORIGIN = 'https://ir.example.com';

/** A fresh open P2 incident on its own service, so tests share the server without sharing incidents. */
const openIncident = async (title = 'checkout: error rate high'): Promise<Incident> => {
  const service = `svc-${++counter}`;
  const result = await incidents.recordAlarm({
    signal: { alarmName: `${service}-errors`, state: 'ALARM', at: now.toISOString(), service },
    severity: 'P2',
    severityReason: 'configured P2',
    title,
  });
  if (!result.incident) throw new Error('no incident opened');
  return result.incident;
};

const withChange = (id: string, change: Partial<Incident>) =>
  incidents.update(id, (i, at) =>
    appendEntries({ ...i, ...change }, at, {
      kind: 'action',
      actor: { type: 'automation', name: 'workflow' },
      summary: 'waiting for approval: roll back checkout to checkout:41',
    }),
  );

const stored = async (id: string): Promise<Incident> => {
  const incident = await dynamo.store.getIncident(id);
  if (!incident) throw new Error(`${id} is gone`);
  return incident;
};

const tokenFor = (incidentId: string, action: ResponderAction, ttlMinutes = 60) =>
  linkFor({ incidentId, action, recipient: 'on-call', now, ttlMinutes, jti: randomUUID() }, SECRET);

const get = (token: string) =>
  handleResponderRequest(deps, { method: 'GET', path: `/a/${token}`, origin: ORIGIN }, now);
const post = (token: string, body = '') =>
  handleResponderRequest(deps, { method: 'POST', path: `/a/${token}`, body, origin: ORIGIN }, now);

/** Re-encodes a token's payload with `change` applied, keeping the original signature. */
const alter = (token: string, change: Partial<LinkClaims>): string => {
  const [payload, sig] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as LinkClaims;
  return `${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.${sig}`;
};

describe('links that must be refused: 403, and nothing changes', () => {
  const refusals: Record<string, (incident: Incident) => Promise<string>> = {
    'a changed signature': async (i) => {
      const token = tokenFor(i.id, 'ack');
      const [payload, sig = ''] = token.split('.');
      const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
      return `${payload}.${flipped}`;
    },
    'a link signed with another secret': async (i) =>
      linkFor(
        { incidentId: i.id, action: 'ack', recipient: 'on-call', now, ttlMinutes: 60, jti: randomUUID() },
        'another-secret-0123456789-abcdefghijklmnopq',
      ),
    'an expired link': async (i) => {
      const token = tokenFor(i.id, 'ack', 5);
      now = new Date(now.getTime() + 5 * 60_000);
      return token;
    },
    'a replayed link': async (i) => {
      const token = tokenFor(i.id, 'resolve');
      expect((await post(token)).status).toBe(200);
      return token;
    },
    'a link whose action was altered (ack -> resolve)': async (i) =>
      alter(tokenFor(i.id, 'ack'), { act: 'resolve' }),
    'a link altered to another incident': async (i) =>
      alter(tokenFor((await openIncident()).id, 'resolve'), { inc: i.id }),
    'a link to an incident that does not exist': async () => tokenFor('INC-20261123-999', 'ack'),
    'a link that is not a token': async () => 'not-a-token',
  };

  const pagesSeen = new Set<string>();

  it('altering a token re-encodes only what changed: unaltered, it is the same token and works', async () => {
    const incident = await openIncident();
    const token = tokenFor(incident.id, 'ack');
    expect(alter(token, {})).toBe(token);
    expect((await post(alter(token, {}))).status).toBe(200);
  });

  for (const [what, make] of Object.entries(refusals)) {
    it(`POST with ${what}`, async () => {
      const incident = await openIncident();
      const token = await make(incident);
      const before = await stored(incident.id);

      const response = await post(token);

      expect(response.status).toBe(403);
      expect(await stored(incident.id)).toEqual(before);
      expect(callbacks.calls).toEqual([]);
      expect(response.html).not.toContain(SECRET);
      expect(response.html).not.toContain(incident.id);
      pagesSeen.add(response.html);
    });
  }

  it('every refusal shows the same page, so it tells an attacker nothing about why', () => {
    expect(pagesSeen.size).toBe(1);
    expect([...pagesSeen][0]).toContain('This link cannot be used');
  });

  it('an altered incident id leaves both incidents as they were', async () => {
    const target = await openIncident();
    const signedFor = await openIncident();
    const token = alter(tokenFor(signedFor.id, 'resolve'), { inc: target.id });
    const before = [await stored(target.id), await stored(signedFor.id)];

    expect((await post(token)).status).toBe(403);
    expect((await get(token)).status).toBe(403);
    expect([await stored(target.id), await stored(signedFor.id)]).toEqual(before);
  });

  it('an expired link is refused on GET as well', async () => {
    const incident = await openIncident();
    const token = tokenFor(incident.id, 'ack', 1);
    expect((await get(token)).status).toBe(200);
    now = new Date(now.getTime() + 60_000);
    expect((await get(token)).status).toBe(403);
  });
});

describe('GET: a confirmation page that changes nothing', () => {
  it('shows the action, the incident and a POST button, writes nothing and leaves the link usable', async () => {
    const incident = await openIncident();
    const token = tokenFor(incident.id, 'ack');
    const before = await stored(incident.id);

    const first = await get(token);
    const second = await get(token);

    expect(first.status).toBe(200);
    expect(first.html).toContain(`Acknowledge ${incident.id}`);
    expect(first.html).toContain('checkout: error rate high');
    expect(first.html).toContain('P2');
    expect(first.html).toContain('DETECTED');
    expect(first.html).toMatch(/<form method="post">[\s\S]*<button type="submit">Acknowledge<\/button>/);
    expect(second.html).toBe(first.html);
    expect(await stored(incident.id)).toEqual(before);
    expect(callbacks.calls).toEqual([]);
    // The scanner's GETs did not spend the link: the person's click still works.
    expect((await post(token)).status).toBe(200);
  });

  it('escapes every value it shows', async () => {
    const incident = await openIncident('<script>alert("x")</script> & <b>co</b>');
    const page = (await get(tokenFor(incident.id, 'resolve'))).html;

    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<b>');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;');
  });

  it('says when the action no longer applies, with no button (409)', async () => {
    const incident = await openIncident();
    const before = await stored(incident.id);
    const response = await get(tokenFor(incident.id, 'approve'));

    expect(response.status).toBe(409);
    expect(response.html).toContain('waiting for approval');
    expect(response.html).not.toContain('<form');
    expect(await stored(incident.id)).toEqual(before);
  });
});

describe('POST: the action, as the recipient', () => {
  it('ack moves the incident to ACKNOWLEDGED with the person on the timeline', async () => {
    const incident = await openIncident();
    const response = await post(tokenFor(incident.id, 'ack'));

    expect(response.status).toBe(200);
    expect(response.html).toContain(`${incident.id} acknowledged by on-call`);
    const after = await stored(incident.id);
    expect(after).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: 'on-call' });
    expect(after.statusTimestamps.ACKNOWLEDGED).toBe(now.toISOString());
    expect(after.timeline.slice(incident.timeline.length)).toEqual([
      expect.objectContaining({ kind: 'acknowledged', actor: { type: 'human', name: 'on-call' } }),
      expect.objectContaining({ kind: 'status', actor: { type: 'human', name: 'on-call' } }),
    ]);
  });

  it('keeps the note from the form on the timeline', async () => {
    const incident = await openIncident();
    await post(
      tokenFor(incident.id, 'ack'),
      new URLSearchParams({ note: 'looking at the deploy' }).toString(),
    );

    const last = (await stored(incident.id)).timeline.at(-1);
    expect(last).toMatchObject({ kind: 'note', summary: 'on-call: looking at the deploy' });
  });

  it('resolve resumes the workflow waiting for recovery and clears its token', async () => {
    const incident = await openIncident();
    await incidents.update(incident.id, (i) => ({ ...i, recoveryToken: 'recovery-token-1' }));

    const response = await post(tokenFor(incident.id, 'resolve'));

    expect(response.status).toBe(200);
    expect(callbacks.calls).toEqual([
      { kind: 'succeed', token: 'recovery-token-1', output: { recovered: true, by: 'on-call' } },
    ]);
    const after = await stored(incident.id);
    expect(after.status).toBe('RESOLVED');
    expect(after.recoveryToken).toBeUndefined();
    expect(after.timeline.at(-1)).toMatchObject({
      kind: 'status',
      actor: { type: 'human', name: 'on-call' },
      details: { from: 'DETECTED', to: 'RESOLVED' },
    });
  });

  it('approve resumes the workflow with the approver; the link cannot answer twice', async () => {
    const incident = await openIncident();
    await withChange(incident.id, { approvalToken: 'approval-token-1' });

    const response = await post(tokenFor(incident.id, 'approve'));

    expect(response.status).toBe(200);
    expect(callbacks.calls).toEqual([
      { kind: 'succeed', token: 'approval-token-1', output: { approvedBy: 'on-call' } },
    ]);
    const after = await stored(incident.id);
    expect(after.approvalToken).toBeUndefined();
    expect(after.timeline.at(-1)).toMatchObject({ summary: 'approved by on-call' });
  });

  it('deny fails the waiting task with ApprovalDenied', async () => {
    const incident = await openIncident();
    await withChange(incident.id, { approvalToken: 'approval-token-2' });

    const response = await post(tokenFor(incident.id, 'deny'), 'note=not+during+the+sale');

    expect(response.status).toBe(200);
    expect(callbacks.calls).toEqual([
      {
        kind: 'fail',
        token: 'approval-token-2',
        error: 'ApprovalDenied',
        cause: 'denied by on-call: not during the sale',
      },
    ]);
  });

  it('approve with nothing waiting is a 409 that says so, and changes nothing', async () => {
    const incident = await openIncident();
    const before = await stored(incident.id);

    const response = await post(tokenFor(incident.id, 'approve'));

    expect(response.status).toBe(409);
    expect(response.html).toContain('No automatic action on');
    expect(callbacks.calls).toEqual([]);
    expect(await stored(incident.id)).toEqual(before);
  });

  it('ack of a resolved incident is a 409', async () => {
    const incident = await openIncident();
    await resolveIncident(deps, incident.id, 'alice');
    const before = await stored(incident.id);

    const response = await post(tokenFor(incident.id, 'ack'));

    expect(response.status).toBe(409);
    expect(response.html).toContain(`${incident.id} is already RESOLVED`);
    expect(await stored(incident.id)).toEqual(before);
  });

  it('escalate records the request and pages the next tier of the policy', async () => {
    const incident = await openIncident();
    await incidents.update(incident.id, (i) => ({ ...i, pagedTiers: ['on-call'] }));

    const response = await post(tokenFor(incident.id, 'escalate'));

    expect(response.status).toBe(200);
    expect(response.html).toContain('Paged: devops-lead.');
    expect(pages).toEqual([
      { incidentId: incident.id, tiers: ['devops-lead'], why: 'escalation requested by on-call' },
    ]);
    expect((await stored(incident.id)).timeline.at(-1)).toMatchObject({
      kind: 'note',
      actor: { type: 'human', name: 'on-call' },
      summary: 'escalation requested by on-call (devops-lead)',
    });
  });
});

describe('requests that are not link actions', () => {
  it.each(['/', '/a', '/a/', '/a/x.y/more', '/b/x.y', '/favicon.ico'])('%s is 404', async (path) => {
    const response = await handleResponderRequest(deps, { method: 'GET', path, origin: ORIGIN }, now);
    expect(response.status).toBe(404);
  });

  it.each(['PUT', 'DELETE', 'HEAD', 'PATCH'])('%s on a link is 405 and changes nothing', async (method) => {
    const incident = await openIncident();
    const token = tokenFor(incident.id, 'resolve');
    const before = await stored(incident.id);
    const request: ResponderRequest = { method, path: `/a/${token}`, origin: ORIGIN };

    expect((await handleResponderRequest(deps, request, now)).status).toBe(405);
    expect(await stored(incident.id)).toEqual(before);
    expect((await post(token)).status).toBe(200);
  });
});

/** A store whose first save waits until `release`, after telling `reached`: a write that loses a race. */
class HeldStore extends IncidentStore {
  private held = true;
  reached!: () => void;
  release!: () => void;
  readonly atSave = new Promise<void>((resolve) => {
    this.reached = resolve;
  });
  private readonly released = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  override async saveIncident(incident: Incident): Promise<Incident | undefined> {
    if (this.held) {
      this.held = false;
      this.reached();
      await this.released;
    }
    return super.saveIncident(incident);
  }
}

describe('a link and the CLI at the same time', () => {
  it('resolve from the CLI loses the race to an ack link, retries, and both are on the timeline', async () => {
    const incident = await openIncident();
    const held = new HeldStore(dynamo.doc, dynamo.tableName);
    const cli: ResponderDeps = { incidents: new IncidentService(held, OPTIONS, () => now), callbacks };

    const resolving = resolveIncident(cli, incident.id, 'alice', 'rolled back by hand');
    await held.atSave; // the CLI has read the incident and is about to write it
    const acked = await post(tokenFor(incident.id, 'ack'));
    held.release();
    await resolving;

    expect(acked.status).toBe(200);
    const after = await stored(incident.id);
    expect(after).toMatchObject({ status: 'RESOLVED', acknowledgedBy: 'on-call' });
    expect(after.timeline.map((e) => e.seq)).toEqual(after.timeline.map((_, n) => n + 1));
    expect(after.timeline.slice(-4).map((e) => [e.kind, e.actor.name])).toEqual([
      ['acknowledged', 'on-call'],
      ['status', 'on-call'],
      ['status', 'alice'],
      ['note', 'alice'],
    ]);
    expect(after.statusTimestamps).toMatchObject({
      ACKNOWLEDGED: now.toISOString(),
      RESOLVED: now.toISOString(),
    });
  });

  it('run freely, they always end RESOLVED with a gapless timeline; a late ack is refused, never lost', async () => {
    for (let round = 0; round < 5; round++) {
      const incident = await openIncident();
      const cli: ResponderDeps = {
        incidents: new IncidentService(dynamo.store, OPTIONS, () => now),
        callbacks,
      };
      const [acked] = await Promise.all([
        post(tokenFor(incident.id, 'ack')),
        resolveIncident(cli, incident.id, 'alice'),
      ]);

      const after = await stored(incident.id);
      expect(after.status).toBe('RESOLVED');
      expect(after.timeline.map((e) => e.seq)).toEqual(after.timeline.map((_, n) => n + 1));
      expect(after.timeline.filter((e) => e.actor.name === 'alice')).toHaveLength(1);
      const ackEntries = after.timeline.filter((e) => e.kind === 'acknowledged');
      if (acked.status === 200) expect(ackEntries).toHaveLength(1);
      else {
        expect(acked.status).toBe(409);
        expect(ackEntries).toEqual([]);
      }
    }
  });
});

describe('responder actions (the CLI path)', () => {
  it('resolve ignores a recovery token the workflow no longer waits on', async () => {
    const incident = await openIncident();
    await incidents.update(incident.id, (i) => ({ ...i, recoveryToken: 'timed-out-token' }));
    callbacks.failWith = awsError('TaskTimedOut');

    const resolved = await resolveIncident(deps, incident.id, 'alice');

    expect(resolved.status).toBe('RESOLVED');
    expect(callbacks.calls).toHaveLength(1);
  });

  it('resolve reports any other callback failure', async () => {
    const incident = await openIncident();
    await incidents.update(incident.id, (i) => ({ ...i, recoveryToken: 'token' }));
    callbacks.failWith = awsError('ThrottlingException');

    await expect(resolveIncident(deps, incident.id, 'alice')).rejects.toThrow('ThrottlingException');
  });

  it('resolve without a waiting workflow resolves and calls nobody', async () => {
    const incident = await openIncident();
    expect((await resolveIncident(deps, incident.id, 'alice')).status).toBe('RESOLVED');
    expect(callbacks.calls).toEqual([]);
    await expect(resolveIncident(deps, incident.id, 'alice')).rejects.toThrow('cannot move from RESOLVED');
  });

  it('a second acknowledgement keeps the first owner', async () => {
    const incident = await openIncident();
    await acknowledgeIncident(deps, incident.id, 'alice');
    const again = await acknowledgeIncident(deps, incident.id, 'bob');

    expect(again.acknowledgedBy).toBe('alice');
    expect(again.timeline.at(-1)?.summary).toBe('bob acknowledged again (owner: alice)');
  });

  it('escalate walks the policy tier by tier, then says every tier was paged', async () => {
    const incident = await openIncident();
    await incidents.update(incident.id, (i) => ({ ...i, pagedTiers: ['on-call', 'devops-lead'] }));
    expect((await escalateIncident(deps, incident.id, 'alice')).tiers).toEqual(['engineering-manager']);

    await incidents.update(incident.id, (i) => ({
      ...i,
      pagedTiers: [...i.pagedTiers, 'engineering-manager'],
    }));
    const last = await escalateIncident(deps, incident.id, 'alice', 'still down');
    expect(last.tiers).toEqual([]);
    expect(last.incident.timeline.at(-1)?.summary).toBe(
      'escalation requested by alice (every tier has been paged already): still down',
    );
  });

  it('escalating a resolved incident is refused and not recorded', async () => {
    const incident = await openIncident();
    const resolved = await resolveIncident(deps, incident.id, 'alice');
    await expect(escalateIncident(deps, incident.id, 'bob')).rejects.toThrow('only an open incident');
    expect(await stored(incident.id)).toEqual(resolved);
  });
});
