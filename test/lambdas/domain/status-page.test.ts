import { describe, expect, it } from 'vitest';
import { statusPageConfigSchema } from '../../../lambdas/contract/config-schema-status-page';
import {
  applyUpdate,
  type DraftInput,
  draftUpdate,
  emptyStatusPage,
  historyAtom,
  needsConfirmation,
  type PublicStatus,
  type StatusPageResult,
  type StatusPageState,
  type StatusUpdate,
  statusIndexHtml,
  statusJson,
} from '../../../lambdas/domain/status-page';

const t0 = new Date('2026-11-23T10:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

const config = statusPageConfigSchema.parse({
  title: 'Example status',
  url: 'https://status.example.com/',
  components: [
    { name: 'Checkout API', description: 'Paying for an order', services: ['checkout'] },
    { name: 'Payments', services: ['checkout', 'billing'] },
    { name: 'Search', services: ['search'] },
  ],
});

const value = <T>(result: StatusPageResult<T>): T => {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.value;
};
const reason = <T>(result: StatusPageResult<T>): string => (result.ok ? 'applied' : result.reason);

const draft = (state: StatusPageState, input: Partial<DraftInput> & { status: PublicStatus }): StatusUpdate =>
  value(draftUpdate(state, config, { incidentId: 'INC-1', severity: 'P1', service: 'checkout', ...input }));

/** A minute after the newest change on the page. */
const next = (state: StatusPageState) =>
  new Date(
    Math.max(Date.parse(state.since), ...state.incidents.map((i) => Date.parse(i.updatedAt))) + 60_000,
  );

/** Posts each status of INC-1 (a P1 on checkout) in turn, a minute apart (from t0 + 1 min on an empty page). */
const post = (state: StatusPageState, statuses: PublicStatus[], input: Partial<DraftInput> = {}) =>
  statuses.reduce((s, status) => value(applyUpdate(s, draft(s, { ...input, status }), next(s))), state);

const statusOf = (state: StatusPageState, name: string) =>
  statusJson(state, config).components.find((c) => c.name === name)?.status;

describe('draftUpdate', () => {
  it("fills the status's template with the components behind the service and the service", () => {
    const update = draft(emptyStatusPage(t0), { status: 'investigating' });
    expect(update).toEqual({
      incidentId: 'INC-1',
      name: 'Problems with Checkout API and Payments',
      severity: 'P1',
      components: ['Checkout API', 'Payments'],
      status: 'investigating',
      body: 'We are investigating problems with Checkout API and Payments.',
    });
  });

  it('refuses a first post the config does not publish, and a service no component maps', () => {
    const p1Only = statusPageConfigSchema.parse({ ...config, severities: ['P1'] });
    const input = {
      incidentId: 'INC-2',
      severity: 'P2',
      service: 'checkout',
      status: 'investigating',
    } as const;
    expect(reason(draftUpdate(emptyStatusPage(t0), p1Only, input))).toBe(
      'a P2 does not publish: statusPage.severities is P1',
    );
    expect(reason(draftUpdate(emptyStatusPage(t0), config, { ...input, service: 'ledger' }))).toBe(
      'no status page component maps service ledger',
    );
  });

  it('keeps the posted name and drafts updates of a posted incident whatever its severity became', () => {
    const state = post(emptyStatusPage(t0), ['investigating'], { name: 'Checkout is failing' });
    expect(draft(state, { status: 'monitoring', severity: 'P3' })).toMatchObject({
      name: 'Checkout is failing',
      severity: 'P3',
    });
  });
});

describe('applyUpdate', () => {
  it('moves statuses forward only, and says why it refuses a move back', () => {
    const state = post(emptyStatusPage(t0), ['investigating', 'identified', 'monitoring']);
    expect(reason(applyUpdate(state, draft(state, { status: 'identified' }), at(10)))).toBe(
      'statuses only move forward: INC-1 is monitoring, past identified',
    );
    const again = value(applyUpdate(state, draft(state, { status: 'monitoring' }), at(10)));
    expect(again.incidents[0]?.updates.map((u) => u.status)).toEqual([
      'investigating',
      'identified',
      'monitoring',
      'monitoring',
    ]);
  });

  it('refuses anything after resolved, a resolve never posted, and an update older than the latest', () => {
    const resolved = post(emptyStatusPage(t0), ['investigating', 'resolved']);
    expect(reason(applyUpdate(resolved, draft(resolved, { status: 'resolved' }), at(10)))).toBe(
      'INC-1 is resolved on the status page: post a new occurrence as a new incident',
    );
    const empty = emptyStatusPage(t0);
    expect(reason(applyUpdate(empty, draft(empty, { status: 'resolved' }), at(1)))).toBe(
      'INC-1 was never posted: there is nothing to resolve',
    );
    const open = post(emptyStatusPage(t0), ['investigating', 'identified']);
    expect(reason(applyUpdate(open, draft(open, { status: 'monitoring' }), at(1)))).toBe(
      "the update is older than INC-1's latest, 2026-11-23T10:02:00.000Z",
    );
  });

  it('refuses an update that names no component', () => {
    const update = { ...draft(emptyStatusPage(t0), { status: 'investigating' }), components: [] };
    expect(reason(applyUpdate(emptyStatusPage(t0), update, at(1)))).toBe(
      'the update of INC-1 names no component',
    );
  });

  it('never posts a P3 or a P4 first, whatever the update says', () => {
    const update = { ...draft(emptyStatusPage(t0), { status: 'investigating' }), severity: 'P3' as const };
    expect(reason(applyUpdate(emptyStatusPage(t0), update, at(1)))).toBe(
      'a P3 never publishes: only P1 and P2 go on the status page',
    );
    expect(reason(applyUpdate(emptyStatusPage(t0), { ...update, severity: 'P4' }, at(1)))).toMatch(
      /^a P4 never/,
    );
  });

  it('keeps updating an incident already posted after it is lowered to P3, so it can be resolved', () => {
    const lowered = post(post(emptyStatusPage(t0), ['investigating']), ['monitoring'], { severity: 'P3' });
    expect(statusOf(lowered, 'Checkout API')).toBe('degraded_performance');
    expect(lowered.incidents[0]?.impact).toBe('critical');
    expect(statusOf(post(lowered, ['resolved'], { severity: 'P3' }), 'Checkout API')).toBe('operational');
  });

  it('sets P1 to major outage and P2 to partial outage, or the status a person picked, with the reason', () => {
    const p1 = post(emptyStatusPage(t0), ['investigating']);
    expect(p1.incidents[0]?.componentStatus).toEqual({
      status: 'major_outage',
      reason: 'P1: the service is down for customers',
    });
    const p2 = post(emptyStatusPage(t0), ['investigating'], { severity: 'P2' });
    expect(statusOf(p2, 'Checkout API')).toBe('partial_outage');
    const pick = { status: 'degraded_performance', reason: 'slow, not failing' } as const;
    const picked = post(p1, ['monitoring'], { componentStatus: pick });
    expect(statusOf(picked, 'Payments')).toBe('degraded_performance');
    expect(picked.incidents[0]?.componentStatus).toEqual(pick);
    expect(picked.incidents[0]?.impact).toBe('critical');
  });

  it('sets the components back to operational on resolve, stamped with the time they changed', () => {
    const open = post(emptyStatusPage(t0), ['investigating', 'identified']);
    expect(statusOf(open, 'Checkout API')).toBe('major_outage');
    const resolved = post(open, ['identified', 'resolved']);
    const json = statusJson(resolved, config);
    expect(json.components.map((c) => [c.name, c.status, c.updated_at])).toEqual([
      ['Checkout API', 'operational', at(4).toISOString()],
      ['Payments', 'operational', at(4).toISOString()],
      ['Search', 'operational', t0.toISOString()],
    ]);
    expect(json.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
    expect(json.incidents).toEqual([]);
  });

  it('keeps a component shared by two open incidents at the worse until the last of them resolves', () => {
    // INC-1 (P1 on checkout) and INC-2 (P2 on billing) both affect Payments.
    const inc2 = (state: StatusPageState, status: PublicStatus) =>
      value(draftUpdate(state, config, { incidentId: 'INC-2', severity: 'P2', service: 'billing', status }));
    const inc1 = post(emptyStatusPage(t0), ['investigating']);
    const both = value(applyUpdate(inc1, inc2(inc1, 'investigating'), at(2)));
    expect(statusOf(both, 'Payments')).toBe('major_outage');
    const firstResolved = post(both, ['resolved']);
    expect(statusOf(firstResolved, 'Checkout API')).toBe('operational');
    expect(statusOf(firstResolved, 'Payments')).toBe('partial_outage');
    expect(statusJson(firstResolved, config).status.indicator).toBe('major');
    const allResolved = value(applyUpdate(firstResolved, inc2(firstResolved, 'resolved'), at(4)));
    expect(statusOf(allResolved, 'Payments')).toBe('operational');
  });

  it('asks a person to confirm only the first post, when the config wants it', () => {
    const posted = post(emptyStatusPage(t0), ['investigating']);
    expect(needsConfirmation(emptyStatusPage(t0), config, 'INC-1')).toBe(true);
    expect(needsConfirmation(posted, config, 'INC-1')).toBe(false);
    const automatic = statusPageConfigSchema.parse({ ...config, confirmFirstPost: false });
    expect(needsConfirmation(emptyStatusPage(t0), automatic, 'INC-1')).toBe(false);
  });
});

describe('statusJson', () => {
  it("is shaped like Statuspage's summary.json, with the open incidents and their updates newest first", () => {
    const state = post(emptyStatusPage(t0), ['investigating', 'identified'], { severity: 'P2' });
    expect(statusJson(state, config)).toEqual({
      page: {
        id: 'example-status',
        name: 'Example status',
        url: 'https://status.example.com/',
        updated_at: at(2).toISOString(),
      },
      status: { indicator: 'major', description: 'Partial System Outage' },
      components: [
        {
          id: 'checkout-api',
          name: 'Checkout API',
          description: 'Paying for an order',
          position: 1,
          status: 'partial_outage',
          updated_at: at(1).toISOString(),
        },
        {
          id: 'payments',
          name: 'Payments',
          description: null,
          position: 2,
          status: 'partial_outage',
          updated_at: at(1).toISOString(),
        },
        {
          id: 'search',
          name: 'Search',
          description: null,
          position: 3,
          status: 'operational',
          updated_at: t0.toISOString(),
        },
      ],
      incidents: [
        {
          id: 'INC-1',
          name: 'Problems with Checkout API and Payments',
          status: 'identified',
          impact: 'major',
          created_at: at(1).toISOString(),
          updated_at: at(2).toISOString(),
          resolved_at: null,
          components: [
            { id: 'checkout-api', name: 'Checkout API' },
            { id: 'payments', name: 'Payments' },
          ],
          incident_updates: [
            {
              id: 'INC-1-2',
              status: 'identified',
              body: 'We have found the cause of the problems with Checkout API and Payments and are working on a fix.',
              created_at: at(2).toISOString(),
            },
            {
              id: 'INC-1-1',
              status: 'investigating',
              body: 'We are investigating problems with Checkout API and Payments.',
              created_at: at(1).toISOString(),
            },
          ],
        },
      ],
      scheduled_maintenances: [],
    });
    expect(statusJson(post(emptyStatusPage(t0), ['investigating']), config).status).toEqual({
      indicator: 'critical',
      description: 'Major Service Outage',
    });
  });
});

/** A tiny well-formedness check: after the declaration, every element closes, in order, and none is left open. */
const wellFormed = (xml: string): boolean => {
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml [^?]*\?>/, '');
  if (/<[?!]/.test(body)) return false;
  for (const [, close, name = '', selfClosing] of body.matchAll(/<(\/?)([A-Za-z]+)[^<>]*?(\/?)>/g)) {
    if (close) {
      if (stack.pop() !== name) return false;
    } else if (!selfClosing) stack.push(name);
  }
  return stack.length === 0 && !/<(?![A-Za-z/])/.test(body);
};

const HOSTILE = `<script>alert(1)</script> & "quotes" 'too'`;

describe('historyAtom', () => {
  const resolved = post(emptyStatusPage(t0), ['investigating', 'resolved'], { name: HOSTILE });
  const feed = historyAtom(resolved, config);

  it('is an Atom 1.0 feed with the elements RFC 4287 requires of the feed and of each entry', () => {
    expect(feed).toMatch(
      /^<\?xml version="1\.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/,
    );
    const head = feed.slice(0, feed.indexOf('<entry>'));
    for (const element of ['id', 'title', 'updated', 'author']) {
      expect(head.match(new RegExp(`<${element}>`, 'g'))).toHaveLength(1);
    }
    expect(head).toContain(`<updated>${at(2).toISOString()}</updated>`);
    expect(head).toContain(
      '<link rel="self" type="application/atom+xml" href="https://status.example.com/history.atom"/>',
    );
    const entries = [...feed.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map((m) => m[1] ?? '');
    expect(entries).toHaveLength(1);
    for (const element of ['id', 'title', 'updated', 'content']) {
      expect(entries[0]).toMatch(new RegExp(`<${element}[ >][^<]*</${element}>`));
    }
    expect(feed.trimEnd()).toMatch(/<\/feed>$/);
    expect(wellFormed(feed)).toBe(true);
    expect(wellFormed(historyAtom(emptyStatusPage(t0), { ...config, url: undefined }))).toBe(true);
    expect(wellFormed('<feed><entry></feed></entry>')).toBe(false);
  });

  it('gives stable urn:uuid ids that do not depend on where the feed is served', () => {
    const ids = [...feed.matchAll(/<id>([^<]*)<\/id>/g)].map((m) => m[1]);
    expect(ids).toHaveLength(2);
    for (const id of ids)
      expect(id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const moved = historyAtom(resolved, { ...config, url: 'https://elsewhere.example.net/' });
    expect([...moved.matchAll(/<id>([^<]*)<\/id>/g)].map((m) => m[1])).toEqual(ids);
  });

  it('escapes every value, so the text stays text and the XML stays well-formed', () => {
    expect(feed).not.toContain('<script>');
    expect(feed).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;');
    // Outside the five entities, no bare & or < appears in text: the only tags are the feed's own.
    expect(feed.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toMatch(/&/);
    const tags = [...feed.matchAll(/<\/?([a-z]+)[\s>/]/g)].map((m) => m[1]);
    expect(new Set(tags)).toEqual(
      new Set(['feed', 'id', 'title', 'updated', 'author', 'name', 'link', 'entry', 'published', 'content']),
    );
  });
});

describe('statusIndexHtml', () => {
  const open = post(emptyStatusPage(t0), ['investigating'], { name: HOSTILE });
  const html = statusIndexHtml(open, config);

  it('escapes a hostile incident name in text and attributes', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain(
      '<h3>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;</h3>',
    );
  });

  it('has a language, one h1, headings in order, no script, and a CSP that allows its own style only', () => {
    expect(html).toMatch(/<html lang="en">/);
    const levels = [...html.matchAll(/<h([1-6])>/g)].map((m) => Number(m[1]));
    expect(levels.filter((l) => l === 1)).toHaveLength(1);
    expect(levels[0]).toBe(1);
    levels.forEach((level, i) => {
      expect(level - (levels[i - 1] ?? 0)).toBeLessThanOrEqual(1);
    });
    expect(html).not.toMatch(/<script/i);
    expect(html).toMatch(
      /content="default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; base-uri 'none'; form-action 'none'"/,
    );
  });

  it('spells each component status out, beside its colour', () => {
    expect(html).toContain('Checkout API: <span class="s major_outage">Major outage</span>');
    expect(html).toContain('Search: <span class="s operational">Operational</span>');
    expect(html).toContain('Major Service Outage');
  });
});
