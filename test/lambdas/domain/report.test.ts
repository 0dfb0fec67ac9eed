import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../lambdas/domain/evidence';
import {
  type Actor,
  acknowledge,
  advance,
  appendEntries,
  completePostMortem,
  type Incident,
  moveTo,
  openIncident,
  requirePostMortem,
} from '../../../lambdas/domain/incident';
import { parseReportTimeline, renderReport, reportKey } from '../../../lambdas/domain/report';

const t0 = new Date('2026-11-23T10:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const alice: Actor = { type: 'human', name: 'alice' };
const automation: Actor = { type: 'automation', name: 'automation' };
const generatedAt = new Date('2026-11-23T12:00:00.000Z');

const diagnosis: Diagnosis = {
  findings: [
    { source: 'alarm', summary: 'checkout-error-rate (errorRate) fired at 2026-11-23T09:59:30.000Z' },
    {
      source: 'deployment',
      summary: 'checkout:42 began 6 min before the alarm;\nprevious checkout:41 completed',
    },
    { source: 'logs', summary: 'unavailable: AccessDeniedException', unavailable: true },
  ],
  suspectedCause: 'bad-deployment',
  recommended: 'rollback',
  rollbackTo: 'checkout:41',
  summary: 'checkout:42 deployed 6 min before errors rose: roll back to checkout:41',
};

const opened = (): Incident =>
  openIncident({
    id: 'INC-20261123-007',
    dedupKey: 'service=checkout|alarm=checkout-error-rate',
    signal: {
      alarmName: 'checkout-error-rate',
      state: 'ALARM',
      at: '2026-11-23T09:59:30.000Z',
      service: 'checkout',
    },
    severity: 'P2',
    severityReason: 'configured P2',
    title: 'checkout: error rate above 10%',
    runbookUrl: 'https://runbooks.example.com/checkout',
    now: t0,
  });

/** Detected, acknowledged at +4, diagnosed, rolled back at +9, resolved by the alarm at +21, post-mortem owed. */
const resolved = (): Incident => {
  let i = acknowledge(opened(), alice, at(4));
  i = advance(i, 'INVESTIGATING', automation, at(5), 'automated diagnostics');
  i = appendEntries(
    { ...i, diagnosis },
    at(6),
    { kind: 'diagnosis', actor: automation, summary: `diagnosis: ${diagnosis.summary}` },
    {
      kind: 'action',
      actor: automation,
      summary: 'decision: act rollback: roll back to checkout:41: every guardrail passed',
      details: { verdict: 'act', playbook: 'rollback' },
    },
  );
  i = appendEntries(i, at(9), {
    kind: 'action',
    actor: automation,
    summary: 'started: roll back checkout to checkout:41',
    details: { playbook: 'rollback', executed: true },
  });
  i = advance(i, 'MITIGATING', automation, at(9), 'roll back checkout to checkout:41');
  i = moveTo(i, 'RESOLVED', { type: 'alarm', name: 'checkout-error-rate' }, at(21), 'alarm returned to OK');
  return requirePostMortem(i, new Date('2026-11-25T10:21:00.000Z'), 'on-call', automation, at(21));
};

describe('renderReport', () => {
  it('has every section of seed 000 template, in order', () => {
    const md = renderReport(resolved(), { generatedAt });
    const headings = md.split('\n').filter((l) => l.startsWith('#'));
    expect(headings).toEqual([
      '# Incident Report: checkout: error rate above 10%',
      '## Timeline',
      '## Impact',
      '## Root Cause',
      '## Resolution',
      '## Prevention',
      '## Action Items',
      '## Post-Mortem',
    ]);
    expect(md).toContain('**Incident ID:** INC-20261123-007');
    expect(md).toContain('**Severity:** P2');
    expect(md).toContain('**Status:** RESOLVED');
    expect(md).toContain('**Service:** checkout');
    expect(md).toContain('| Time (UTC) | Event | Actor |');
    expect(md).toContain('_Generated at 2026-11-23T12:00:00.000Z from the incident record');
    expect(md).not.toContain('**Ticket:**');
  });

  it('links the incident ticket when one was opened', () => {
    const url = 'https://github.com/acme/incidents/issues/7';
    const ticket = { provider: 'github', claimedAt: at(1).toISOString(), key: '7', url } as const;
    expect(renderReport({ ...resolved(), ticket }, { generatedAt })).toContain(`**Ticket:** <${url}>`);
  });

  it('impact: the duration from detection to resolution, the alarm, and what a person must fill in', () => {
    const md = renderReport(resolved(), { generatedAt });
    expect(md).toContain('**Duration:** 2026-11-23T10:00:00.000Z to 2026-11-23T10:21:00.000Z (21 min)');
    expect(md).toContain('**Services Affected:** checkout');
    expect(md).toContain('**Alarm:** checkout-error-rate');
    expect(md).toContain('**Affected Users:** not measured by the workflow — fill in');
    expect(md).toContain('**Time to acknowledge:** 4 min (by alice)');
    expect(md).toContain('**Time to mitigate:** 9 min');
  });

  it('an open incident is ongoing, measured to the generation time', () => {
    const md = renderReport(acknowledge(opened(), alice, at(4)), { generatedAt });
    expect(md).toContain('**Duration:** 2026-11-23T10:00:00.000Z to ongoing (2 h so far');
    expect(md).toContain('Not resolved yet: the incident is ACKNOWLEDGED.');
  });

  it('root cause and prevention come from the diagnosis; its findings are listed', () => {
    const md = renderReport(resolved(), { generatedAt });
    expect(md).toContain(
      'Automated diagnosis (suspected cause: bad-deployment; recommended: rollback): checkout:42 deployed 6 min before errors rose: roll back to checkout:41',
    );
    expect(md).toContain(
      '- deployment: checkout:42 began 6 min before the alarm; previous checkout:41 completed',
    );
    expect(md).toContain('- logs (unavailable): unavailable: AccessDeniedException');
    expect(md).toContain('Suggested from the automated diagnosis (bad-deployment): A deployment caused this');
    expect(md).toContain('Update the runbook with what was learned: https://runbooks.example.com/checkout');
  });

  it('without a diagnosis it says so and asks for the root cause and prevention', () => {
    const md = renderReport(opened(), { generatedAt });
    expect(md).toContain('No automated diagnosis exists for this incident');
    expect(md).toContain('What will be done to prevent this in the future (fill in).');
    expect(md).toContain('- No action was recorded by automation or by a person.');
  });

  it('resolution lists what was done and who resolved it', () => {
    const md = renderReport(resolved(), { generatedAt });
    expect(md).toContain(
      '- 2026-11-23T10:09:00.000Z automation (automation): started: roll back checkout to checkout:41',
    );
    expect(md).toContain(
      'Resolved at 2026-11-23T10:21:00.000Z by checkout-error-rate (alarm): MITIGATING -> RESOLVED: alarm returned to OK. Brought about by an automatic action.',
    );
  });

  it('an owed post-mortem is an action item with owner and due date', () => {
    const md = renderReport(resolved(), { generatedAt });
    expect(md).toContain('- [ ] Write the post-mortem - Owner: on-call - Due: 2026-11-25T10:21:00.000Z');
    expect(md).toMatch(/## Post-Mortem\n\nRequired, due 2026-11-25T10:21:00.000Z \(owner: on-call\)\./);
  });

  it('a done post-mortem is ticked with its document', () => {
    const done = completePostMortem(resolved(), 'https://wiki.example.com/pm/7', alice, at(600));
    const md = renderReport(done, { generatedAt });
    expect(md).toContain('**Status:** CLOSED');
    expect(md).toContain('- [x] Write the post-mortem - Owner: alice - Due: 2026-11-25T10:21:00.000Z');
    expect(md).toContain('Done by alice at 2026-11-23T20:00:00.000Z: https://wiki.example.com/pm/7');
  });

  it('without a post-mortem owed, says it is not required', () => {
    expect(renderReport(opened(), { generatedAt })).toMatch(/## Post-Mortem\n\nNot required\./);
  });
});

describe('timeline round trip', () => {
  it('one row per timeline entry, in order, equal to the record', () => {
    const incident = resolved();
    const rows = parseReportTimeline(renderReport(incident, { generatedAt }));
    expect(rows).toEqual(
      incident.timeline.map((e) => ({
        at: e.at,
        event: `${e.kind}: ${e.summary}`,
        actor: `${e.actor.name} (${e.actor.type})`,
      })),
    );
    expect(rows).toHaveLength(11);
  });

  it('summaries with pipes, newlines, <br>, backslashes and entities cannot break the table', () => {
    const tricky = [
      'a | b || c',
      'line one\nline two\n\nline four',
      'literal <br> stays literal',
      'path C:\\temp\\| and \\|',
      '&amp; &lt; &#92; are text too',
      '|leading and trailing|',
    ];
    const incident = appendEntries(
      opened(),
      at(3),
      ...tricky.map((summary) => ({
        kind: 'note' as const,
        actor: { type: 'human' as const, name: 'x|y' },
        summary,
      })),
    );
    const md = renderReport(incident, { generatedAt });
    const rows = parseReportTimeline(md);
    expect(rows.slice(-tricky.length)).toEqual(
      tricky.map((summary) => ({
        at: '2026-11-23T10:03:00.000Z',
        event: `note: ${summary}`,
        actor: 'x|y (human)',
      })),
    );
    const tableLines = md.split('\n').filter((l) => l.startsWith('| 2026-'));
    expect(tableLines).toHaveLength(incident.timeline.length);
    for (const line of tableLines) expect(line.split(/(?<!\\)\|/)).toHaveLength(5);
  });

  it('finds nothing in a document without the table', () => {
    expect(parseReportTimeline('# Something else\n\n| a | b |')).toEqual([]);
  });
});

describe('reportKey', () => {
  it('files reports by the UTC year and month the incident was created', () => {
    expect(reportKey({ id: 'INC-20261123-007', createdAt: '2026-11-23T10:00:00.000Z' })).toBe(
      'reports/2026/11/INC-20261123-007.md',
    );
    expect(reportKey({ id: 'INC-20270101-001', createdAt: '2027-01-01T00:30:00+01:00' })).toBe(
      'reports/2026/12/INC-20270101-001.md',
    );
  });
});
