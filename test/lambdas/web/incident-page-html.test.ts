import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../lambdas/domain/evidence';
import {
  acknowledge,
  appendEntries,
  type Incident,
  moveTo,
  openIncident,
} from '../../../lambdas/domain/incident';
import {
  INCIDENT_PAGE_CSP,
  type IncidentPageView,
  incidentPageHtml,
} from '../../../lambdas/web/incident-page-html';

const t0 = new Date('2026-11-23T10:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const HOSTILE = `<script>alert(1)</script> "onmouseover='x'`;
const AUTOMATION = { type: 'automation', name: 'guardrails' } as const;
const ALICE = { type: 'human', name: 'alice' } as const;

const DIAGNOSIS: Diagnosis = {
  findings: [
    { source: 'deployment', summary: 'checkout:42 deployed 2 min before the alarm' },
    { source: 'logs', summary: 'Logs Insights timed out', unavailable: true },
  ],
  suspectedCause: 'bad-deployment',
  recommended: 'rollback',
  rollbackTo: 'checkout:41',
  summary: 'checkout:42 deployed 2 min before the alarm: roll back to checkout:41',
};

/** A P1 on checkout opened at t0, diagnosed at 10:02, a rollback waiting for approval at 10:03. */
const incident = (title = 'checkout: error rate above 10%'): Incident => {
  const opened = openIncident({
    id: 'INC-20261123-001',
    dedupKey: 'service=checkout|alarm=checkout-error-rate',
    signal: { alarmName: 'checkout-error-rate', state: 'ALARM', at: t0.toISOString(), service: 'checkout' },
    severity: 'P1',
    severityReason: 'error rate about 100%: service down',
    title,
    now: t0,
  });
  const investigating = moveTo(opened, 'INVESTIGATING', AUTOMATION, at(2), 'automated diagnostics');
  return appendEntries({ ...investigating, diagnosis: DIAGNOSIS }, at(3), {
    kind: 'action',
    actor: AUTOMATION,
    summary: 'rollback to checkout:41 needs approval',
    details: { verdict: 'needs-approval', playbook: 'rollback', rollbackTo: 'checkout:41' },
  });
};

const url = (act: string) => `https://ir.example.com/a/${act}-token`;
const view = (extra: Partial<IncidentPageView> = {}): IncidentPageView => ({
  onCall: ['alice', 'bob'],
  responseMinutes: { P1: 15, P2: 60, P3: 240, P4: null },
  links: {
    runbook: 'https://runbooks.example.com/checkout',
    dashboard: 'https://console.aws.amazon.com/cloudwatch/home#dashboards:name=checkout',
  },
  actions: {
    ack: url('ack'),
    escalate: url('escalate'),
    resolve: url('resolve'),
    approve: url('approve'),
    deny: url('deny'),
  },
  refreshSeconds: 30,
  toggleRefreshUrl: 'https://ir.example.com/i/token?refresh=off',
  ...extra,
});

const render = (i: Incident = incident(), v: IncidentPageView = view(), now = at(10)) =>
  incidentPageHtml(i, v, now);

/** The text of the `<dd>` after the `<dt>` named `term`, tags stripped. */
const fact = (html: string, term: string): string =>
  (html.match(new RegExp(`<dt>${term}</dt><dd>(.*?)</dd>`))?.[1] ?? '').replace(/<[^>]+>/g, '');

describe('incidentPageHtml', () => {
  it('escapes a hostile title and attribute quotes everywhere it appears', () => {
    const { html } = render(incident(HOSTILE), view({ links: { runbook: `https://x.example/"><script>` } }));
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain(`"onmouseover='x'`);
    expect(html).toContain(
      '<title>INC-20261123-001: &lt;script&gt;alert(1)&lt;/script&gt; &quot;onmouseover=&#39;x&#39;</title>',
    );
    expect(html).toContain(
      '<h1>INC-20261123-001: &lt;script&gt;alert(1)&lt;/script&gt; &quot;onmouseover=&#39;x&#39;</h1>',
    );
    expect(html).toContain('href="https://x.example/%22%3E%3Cscript%3E"');
  });

  it('renders no link or form action that is not http(s)', () => {
    const { html } = render(
      incident(),
      view({ links: { runbook: 'javascript:alert(1)' }, actions: { ack: 'javascript:alert(2)' } }),
    );
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('<form');
    expect(html).toContain('No runbook, dashboard or report for INC-20261123-001 yet.');
  });

  it('sends a strict Content-Security-Policy that allows exactly its own inline style', () => {
    const { html, headers } = render();
    expect(headers['content-security-policy']).toBe(INCIDENT_PAGE_CSP);
    const directives = INCIDENT_PAGE_CSP.split('; ');
    expect(directives).toEqual([
      "default-src 'none'",
      expect.stringMatching(/^style-src 'sha256-[A-Za-z0-9+/]+=*'$/),
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]);
    expect(INCIDENT_PAGE_CSP).not.toMatch(/unsafe|\*/);
    const styles = [...html.matchAll(/<style>([^<]*)<\/style>/g)].map((m) => m[1] ?? '');
    expect(styles).toHaveLength(1);
    const hash = createHash('sha256')
      .update(styles[0] ?? '')
      .digest('base64');
    expect(INCIDENT_PAGE_CSP).toContain(`'sha256-${hash}'`);
    expect(html).not.toMatch(/<script|\son[a-z]+=|style="/i);
    expect(headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    });
  });

  it('gives every button a visible label and its own signed URL, in one form with the optional note', () => {
    const { html } = render();
    const forms = [...html.matchAll(/<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/g)];
    expect(forms).toHaveLength(1);
    expect(forms[0]?.[1]).toBe(url('ack'));
    const buttons = [
      ...(forms[0]?.[2] ?? '').matchAll(/<button type="submit" formaction="([^"]*)">([^<]+)<\/button>/g),
    ];
    expect(buttons.map((b) => [b[1], b[2]])).toEqual([
      [url('ack'), 'Acknowledge'],
      [url('escalate'), 'Escalate to the next tier'],
      [url('resolve'), 'Resolve'],
      [url('approve'), 'Approve the automatic action'],
      [url('deny'), 'Deny the automatic action'],
    ]);
    expect(html.match(/<button/g)).toHaveLength(5);
    expect(html).toContain(
      '<label for="note">Note for the timeline (sent with the button you press; Add the note only changes nothing else)</label>',
    );
    expect(forms[0]?.[2]).toMatch(/<textarea id="note" name="note" maxlength="500" rows="4"><\/textarea>/);
    expect(html).toContain('Automation waits for approval: rollback to checkout:41 needs approval');
  });

  it('shows only the buttons it is given, and says so when there are none', () => {
    const ackOnly = render(incident(), view({ actions: { ack: url('ack') } })).html;
    expect(ackOnly.match(/<button/g)).toHaveLength(1);
    expect(ackOnly).not.toContain('Automation waits for approval');
    expect(render(incident(), view({ actions: {} })).html).toContain(
      'Nothing to do from here: the incident is INVESTIGATING.',
    );
  });

  it('has a language, a viewport, one h1 and headings in order', () => {
    const { html } = render();
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    const headings = [...html.matchAll(/<h([1-6])>([^<]*)<\/h\1>/g)].map((m) => [Number(m[1]), m[2]]);
    expect(headings.map(([level]) => level)).toEqual([1, 2, 2, 2, 2, 2]);
    expect(headings.slice(1).map(([, text]) => text)).toEqual([
      'Respond',
      'Diagnosis',
      'Links',
      'Actions and guardrail decisions',
      'Timeline',
    ]);
  });

  it('reloads itself without JavaScript, and offers the paused view for writing a note', () => {
    const reloading = render().html;
    expect(reloading).toContain('<meta http-equiv="refresh" content="30">');
    expect(reloading).toContain(
      'reloads every 30 s. <a href="https://ir.example.com/i/token?refresh=off">Stop reloading, to write a note</a>',
    );
    const paused = render(incident(), view({ refreshSeconds: undefined })).html;
    expect(paused).not.toContain('http-equiv="refresh"');
    expect(paused).toContain('does not reload by itself. <a href=');
  });

  it('shows the facts, with the time to acknowledge against the response target', () => {
    const open = render().html;
    expect(fact(open, 'Severity')).toBe('P1');
    expect(fact(open, 'Status')).toBe('INVESTIGATING');
    expect(fact(open, 'Service')).toBe('checkout');
    expect(fact(open, 'On call')).toBe('alice, bob');
    expect(fact(open, 'Acknowledged')).toBe('Not yet, after 10 min (5 min left of the 15 min target)');
    expect(fact(open, 'Open for')).toBe('10 min');
    const late = render(incident(), view(), at(20)).html;
    expect(late).toContain('<span class="late">Not yet, after 20 min (5 min past the 15 min target)</span>');
    const acked = render(acknowledge(incident(), ALICE, at(4)), view({ onCall: [] }), at(20)).html;
    expect(fact(acked, 'Acknowledged')).toBe('alice, after 4 min (within the 15 min target)');
    expect(fact(acked, 'On call')).toBe('nobody: the fallback is paged');
    const ackedLate = render(acknowledge(incident(), ALICE, at(20)), view(), at(25)).html;
    expect(ackedLate).toContain(
      '<span class="late">alice, after 20 min (5 min past the 15 min target)</span>',
    );
    const p4 = render({ ...incident(), severity: 'P4' }).html;
    expect(fact(p4, 'Acknowledged')).toBe('Not yet, after 10 min (P4 has no response target)');
    const resolved = moveTo(incident(), 'RESOLVED', ALICE, at(30), 'rolled back');
    expect(fact(render(resolved, view(), at(90)).html, 'Lasted')).toBe('30 min');
  });

  it('shows the diagnosis, the guardrail decisions and the timeline newest first', () => {
    const { html } = render();
    expect(html).toContain('<p>checkout:42 deployed 2 min before the alarm: roll back to checkout:41</p>');
    expect(html).toContain('<dd>bad-deployment</dd>');
    expect(html).toContain('<dd>rollback to checkout:41</dd>');
    expect(html).toContain('<li>logs: Logs Insights timed out (could not be read)</li>');
    expect(html).toContain(
      '<strong>needs-approval rollback</strong> guardrails: rollback to checkout:41 needs approval',
    );
    const timeline = html.slice(html.indexOf('<h2>Timeline</h2>'));
    const kinds = [...timeline.matchAll(/<\/time> <strong>([^<]+)<\/strong>/g)].map((m) => m[1]);
    expect(kinds).toEqual(['action', 'status', 'severity', 'detected']);
    expect(timeline).toMatch(
      /^<h2>Timeline<\/h2>\n<ol reversed><li><time datetime="2026-11-23T10:03:00.000Z">10:03 UTC<\/time>/,
    );
    expect(render(incident(), view(), new Date('2026-11-24T09:00:00Z')).html).toContain(
      '<time datetime="2026-11-23T10:03:00.000Z">2026-11-23 10:03 UTC</time>',
    );
  });
});
