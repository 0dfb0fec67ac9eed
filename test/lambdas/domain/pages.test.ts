import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../lambdas/domain/evidence';
import {
  acknowledge,
  appendEntries,
  type Incident,
  moveTo,
  type NewEntry,
  openIncident,
  requirePostMortem,
} from '../../../lambdas/domain/incident';
import {
  AUTOMATION_LINES,
  CHAT_DESCRIPTION_LIMIT,
  CHAT_FIELD_LIMIT,
  CHAT_NEXT_STEPS_LIMIT,
  CHAT_TITLE_LIMIT,
  type ChatPage,
  chatNotification,
  chatOf,
  formatDuration,
  INCIDENT_PAGE_KINDS,
  type IncidentPageKind,
  type Page,
  type PageContext,
  type PageKind,
  renderPage,
  SMS_LIMIT,
  SUBJECT_LIMIT,
} from '../../../lambdas/domain/pages';
import type { ResponderAction } from '../../../lambdas/domain/responder-actions';

const t0 = new Date('2026-11-23T10:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const ID = 'INC-20261123-001';
const TITLE = 'checkout: error rate above 10%';
const RUNBOOK = 'https://runbooks.example.com/checkout/high-error-rate';
const AUTOMATION = { type: 'automation', name: 'diagnose' } as const;
const ALICE = { type: 'human', name: 'alice' } as const;

const DIAGNOSIS: Diagnosis = {
  findings: [],
  suspectedCause: 'bad-deployment',
  recommended: 'rollback',
  rollbackTo: 'checkout:41',
  summary: 'checkout:42 deployed 2 min before the alarm; error rate 12%: roll back to checkout:41',
};

/** A long token, as real signed links are (~200 characters). */
const TOKEN = `${'e'.repeat(140)}.${'s'.repeat(43)}`;
const url = (act: ResponderAction) => `https://ir.example.com/a/${act}-${TOKEN}`;
const LINKS: Record<Exclude<ResponderAction, 'publish' | 'note'>, string> = {
  ack: url('ack'),
  escalate: url('escalate'),
  resolve: url('resolve'),
  approve: url('approve'),
  deny: url('deny'),
};

const action = (summary: string): NewEntry => ({ kind: 'action', actor: AUTOMATION, summary });

const opened = (title = TITLE): Incident =>
  openIncident({
    id: ID,
    dedupKey: 'service=checkout|alarm=checkout-error-rate',
    signal: {
      alarmName: 'checkout-error-rate',
      state: 'ALARM',
      at: t0.toISOString(),
      service: 'checkout',
    },
    severity: 'P2',
    severityReason: 'configured P2',
    title,
    runbookUrl: RUNBOOK,
    now: t0,
  });

/** Diagnosed at 10:02, rollback decided and started at 10:04: the bad-deploy drill's shape. */
const mitigating = (title = TITLE): Incident => {
  const investigating = moveTo(opened(title), 'INVESTIGATING', AUTOMATION, at(2), 'automated diagnostics');
  const diagnosed = appendEntries(investigating, at(2), {
    kind: 'diagnosis',
    actor: AUTOMATION,
    summary: `diagnosis: ${DIAGNOSIS.summary}`,
  });
  return appendEntries(
    { ...diagnosed, diagnosis: DIAGNOSIS },
    at(4),
    action('decision: act rollback: guardrails passed'),
    action('started: roll back checkout to checkout:41'),
  );
};

const resolved = (): Incident =>
  moveTo(
    mitigating(),
    'RESOLVED',
    { type: 'alarm', name: 'checkout-error-rate' },
    at(7),
    'alarm returned to OK',
  );

const ctx = (extra: Partial<PageContext> = {}): PageContext => ({
  now: at(25),
  nextUpdateMinutes: 30,
  links: LINKS,
  ...extra,
});

const bodyLines = (body: string): string[] => body.split('\n');

/** The URL on its own line, right after its label line. */
const linkAfter = (body: string, label: string): string | undefined => {
  const lines = bodyLines(body);
  const i = lines.indexOf(label);
  return i < 0 ? undefined : lines[i + 1];
};

const urlsIn = (text: string): string[] => text.match(/https:\/\/ir\.example\.com\/a\/\S+/g) ?? [];

const GSM_SAFE = /^[A-Za-z0-9 @$_!"#%&'()*+,\-./:;<=>?\n]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

describe('INCIDENT', () => {
  const page = renderPage('INCIDENT', mitigating(), ctx());
  const lines = bodyLines(page.body);

  it('names the page, incident and time', () => {
    expect(page.kind).toBe('INCIDENT');
    expect(page.incidentId).toBe(ID);
    expect(page.at).toBe('2026-11-23T10:25:00.000Z');
    expect(page.subject).toBe(`INCIDENT: [P2] ${ID} ${TITLE}`);
  });

  it("fills seed 000's incident template, line by line", () => {
    expect(lines.slice(0, 9)).toEqual([
      `INCIDENT: ${TITLE}`,
      `Incident ID: ${ID}`,
      'Severity: P2',
      `Impact: ${TITLE}`,
      'Status: INVESTIGATING',
      'Detected: 10:00 UTC (alarm checkout-error-rate)',
      'Duration: 25 min',
      'Current responder: nobody has acknowledged yet',
      'Next Update: 10:55 UTC',
    ]);
  });

  it('carries the diagnosis summary, what automation did with its times, and the runbook', () => {
    expect(lines).toContain(`Diagnosis: ${DIAGNOSIS.summary}`);
    const actions = lines.indexOf('Actions taken:');
    expect(lines.slice(actions + 1, actions + 3)).toEqual([
      '- 10:04 UTC decision: act rollback: guardrails passed',
      '- 10:04 UTC started: roll back checkout to checkout:41',
    ]);
    // Diagnosis findings and status moves are not "actions": only the summary line stands for them.
    expect(page.body).not.toContain('- 10:02 UTC');
    expect(lines).toContain(`Runbook: ${RUNBOOK}`);
  });

  it('gives Acknowledge, Escalate and Resolve, each URL alone on the line after its label', () => {
    expect(linkAfter(page.body, 'Acknowledge (take ownership):')).toBe(LINKS.ack);
    expect(linkAfter(page.body, 'Escalate (page the next tier now):')).toBe(LINKS.escalate);
    expect(linkAfter(page.body, 'Resolve (it is fixed):')).toBe(LINKS.resolve);
    expect(urlsIn(page.body)).toEqual([LINKS.ack, LINKS.escalate, LINKS.resolve]);
  });

  it('puts the links after the runbook, so the facts come first', () => {
    expect(lines.indexOf(LINKS.ack)).toBeGreaterThan(lines.indexOf(`Runbook: ${RUNBOOK}`));
    expect(lines.indexOf(`Runbook: ${RUNBOOK}`)).toBeGreaterThan(lines.indexOf('Actions taken:'));
  });

  it('sends an SMS with severity, id, status and title; the long ack link does not fit', () => {
    expect(page.sms).toBe(`P2 ${ID} INVESTIGATING: ${TITLE}`);
  });

  it('adds a short ack link to the SMS when it fits', () => {
    const short = 'https://ir.example.com/a/x.y';
    const sms = renderPage('INCIDENT', mitigating(), ctx({ links: { ack: short } })).sms;
    expect(sms).toBe(`P2 ${ID} INVESTIGATING: ${TITLE} Ack: ${short}`);
  });

  it('says "as needed" without a cadence and "none yet" before any diagnosis', () => {
    const early = renderPage('INCIDENT', opened(), { now: at(1) });
    expect(bodyLines(early.body)).toEqual(
      expect.arrayContaining(['Next Update: as needed', 'Diagnosis: none yet', 'Status: DETECTED']),
    );
    expect(early.body).not.toContain('Actions taken:');
    expect(urlsIn(early.body)).toEqual([]);
  });

  it('says where the runbook is missing', () => {
    const { runbookUrl: _, ...noRunbook } = mitigating();
    expect(bodyLines(renderPage('INCIDENT', noRunbook, ctx()).body)).toContain('Runbook: none configured');
  });

  it('names the service in Impact when the title does not', () => {
    const page = renderPage('INCIDENT', mitigating('Error rate above 10%'), ctx());
    expect(bodyLines(page.body)).toContain('Impact: checkout: Error rate above 10%');
  });
});

describe('automation lines', () => {
  it('shows the newest AUTOMATION_LINES actions and counts the rest', () => {
    const busy = appendEntries(
      mitigating(),
      at(10),
      ...Array.from({ length: 10 }, (_, i) => action(`step ${i + 1}`)),
    );
    const lines = bodyLines(renderPage('UPDATE', busy, ctx()).body);
    const start = lines.indexOf('Actions taken:');
    expect(lines[start + 1]).toBe('- (4 earlier on the incident timeline)');
    expect(lines.slice(start + 2, start + 2 + AUTOMATION_LINES)).toEqual(
      [3, 4, 5, 6, 7, 8, 9, 10].map((n) => `- 10:10 UTC step ${n}`),
    );
  });

  it("uses the caller's lines instead of the timeline when given", () => {
    const lines = bodyLines(
      renderPage('UPDATE', mitigating(), ctx({ automation: ['restarted checkout'] })).body,
    );
    const start = lines.indexOf('Actions taken:');
    expect(lines.slice(start + 1, start + 3)).toEqual(['- restarted checkout', '']);
  });
});

describe('UPDATE', () => {
  const acked = acknowledge(mitigating(), ALICE, at(5));
  const page = renderPage('UPDATE', acked, ctx({ nextUpdateMinutes: 15 }));
  const lines = bodyLines(page.body);

  it('reports status, owner, duration and the next update time from the cadence', () => {
    expect(page.subject).toBe(`UPDATE: [P2] ${ID} ${TITLE}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        `UPDATE: ${TITLE}`,
        'Status: INVESTIGATING',
        'Current responder: alice',
        'Duration: 25 min',
        'Next Update: 10:40 UTC',
        `Diagnosis: ${DIAGNOSIS.summary}`,
      ]),
    );
    expect(page.sms).toBe(`UPDATE P2 ${ID} INVESTIGATING: ${TITLE}`);
  });

  it('still offers the links while open, and none once the incident is no longer open', () => {
    expect(urlsIn(page.body)).toEqual([LINKS.ack, LINKS.escalate, LINKS.resolve]);
    expect(urlsIn(renderPage('UPDATE', resolved(), ctx()).body)).toEqual([]);
  });
});

describe('approval pending', () => {
  const pending = 'roll back checkout to checkout:41';

  it('adds Approve and Deny first, and states what waits and what silence means', () => {
    const page = renderPage('ESCALATION', mitigating(), ctx({ approvalPending: pending }));
    expect(bodyLines(page.body)).toContain(
      `Waiting for approval: ${pending} (no answer in time means no action)`,
    );
    expect(linkAfter(page.body, `Approve (${pending}):`)).toBe(LINKS.approve);
    expect(linkAfter(page.body, 'Deny (no automatic action):')).toBe(LINKS.deny);
    expect(urlsIn(page.body)).toEqual([LINKS.approve, LINKS.deny, LINKS.ack, LINKS.escalate, LINKS.resolve]);
    expect(page.sms).toBe(`ESCALATION P2 ${ID} INVESTIGATING: ${TITLE} - approve? ${pending}`);
  });

  it('never shows Approve or Deny links when nothing waits, even if the caller passed them', () => {
    for (const kind of INCIDENT_PAGE_KINDS) {
      const body = renderPage(kind, mitigating(), ctx()).body;
      expect(body).not.toContain(LINKS.approve);
      expect(body).not.toContain(LINKS.deny);
      expect(body).not.toContain('Waiting for approval');
    }
  });

  it('falls back to the CLI command for an answer it has no link for', () => {
    const page = renderPage(
      'ESCALATION',
      mitigating(),
      ctx({ approvalPending: pending, links: { deny: LINKS.deny } }),
    );
    expect(bodyLines(page.body)).toContain(`Approve (${pending}): incident approve ${ID} --by NAME`);
    expect(linkAfter(page.body, 'Deny (no automatic action):')).toBe(LINKS.deny);
  });
});

describe('ESCALATION', () => {
  const acked = acknowledge(mitigating(), ALICE, at(5));
  const why = 'not recovered: the alarm did not return to OK within 60 min';
  const page = renderPage('ESCALATION', acked, ctx({ now: at(65), why, tier: 'devops-lead' }));
  const lines = bodyLines(page.body);

  it("fills seed 004's escalation template", () => {
    expect(page.subject).toBe(`ESCALATION NEEDED: [P2] ${ID} ${TITLE}`);
    expect(lines.slice(0, 9)).toEqual([
      `ESCALATION NEEDED: ${TITLE}`,
      `Incident ID: ${ID}`,
      'Severity: P2',
      `Impact: ${TITLE}`,
      'Status: INVESTIGATING',
      'Detected: 10:00 UTC (alarm checkout-error-rate)',
      'Duration: 1 h 5 min',
      'Current responder: alice',
      '',
    ]);
    expect(lines).toEqual(
      expect.arrayContaining([
        `Why escalating: ${why}`,
        'Next person: devops-lead',
        `Diagnosis: ${DIAGNOSIS.summary}`,
        '- 10:04 UTC started: roll back checkout to checkout:41',
        `Runbook: ${RUNBOOK}`,
      ]),
    );
    expect(urlsIn(page.body)).toEqual([LINKS.ack, LINKS.escalate, LINKS.resolve]);
  });

  it('puts the reason in the SMS after a shortened title', () => {
    expect(page.sms).toBe(`ESCALATION P2 ${ID} INVESTIGATING: ${TITLE} - ${why}`);
  });

  it('says when no reason was given', () => {
    expect(bodyLines(renderPage('ESCALATION', acked, ctx()).body)).toContain('Why escalating: not stated');
  });
});

describe('ACKNOWLEDGED', () => {
  const acked = acknowledge(mitigating(), ALICE, at(5));
  const page = renderPage('ACKNOWLEDGED', acked, ctx({ by: 'alice' }));

  it('tells everyone paged who took it and when', () => {
    expect(page.subject).toBe(`ACKNOWLEDGED by alice: [P2] ${ID} ${TITLE}`);
    expect(bodyLines(page.body)).toEqual(
      expect.arrayContaining([
        `ACKNOWLEDGED: ${TITLE}`,
        `Incident ID: ${ID}`,
        'Severity: P2',
        'Acknowledged by: alice at 10:05 UTC',
        'Status: INVESTIGATING',
        'Duration: 25 min',
        `Diagnosis: ${DIAGNOSIS.summary}`,
        `Runbook: ${RUNBOOK}`,
      ]),
    );
    expect(page.sms).toBe(`ACK P2 ${ID} by alice: ${TITLE}`);
  });

  it('still lets others escalate or resolve, and keeps the SMS free of an ack link', () => {
    expect(linkAfter(page.body, 'Escalate (page the next tier now):')).toBe(LINKS.escalate);
    expect(linkAfter(page.body, 'Resolve (it is fixed):')).toBe(LINKS.resolve);
    const short = renderPage('ACKNOWLEDGED', acked, ctx({ links: { ack: 'https://ir.example.com/a/x.y' } }));
    expect(short.sms).not.toContain('https://');
  });

  it("falls back to the incident's owner when `by` is not given", () => {
    expect(bodyLines(renderPage('ACKNOWLEDGED', acked, ctx()).body)).toContain(
      'Acknowledged by: alice at 10:05 UTC',
    );
  });
});

describe('RESOLVED', () => {
  const page = renderPage('RESOLVED', resolved(), ctx({ now: at(8), links: LINKS }));
  const lines = bodyLines(page.body);

  it("fills seed 000's resolution template", () => {
    expect(page.subject).toBe(`RESOLVED: [P2] ${ID} ${TITLE}`);
    expect(lines.slice(0, 7)).toEqual([
      `RESOLVED: ${TITLE}`,
      `Incident ID: ${ID}`,
      'Severity: P2',
      `Impact: ${TITLE}`,
      'Resolution Time: 7 min (10:00 UTC to 10:07 UTC)',
      'Resolved by: checkout-error-rate (alarm)',
      'Root Cause: to be established in the post-incident review',
    ]);
    expect(lines).toEqual(
      expect.arrayContaining([
        `Diagnosis: ${DIAGNOSIS.summary}`,
        '- 10:04 UTC started: roll back checkout to checkout:41',
        `Runbook: ${RUNBOOK}`,
      ]),
    );
    expect(page.sms).toBe(`RESOLVED P2 ${ID} after 7 min: ${TITLE}`);
  });

  it('has no action links at all, nor "Next Update"', () => {
    expect(urlsIn(page.body)).toEqual([]);
    expect(page.body).not.toContain('Act on it');
    expect(page.body).not.toContain('Next Update');
    const withApproval = renderPage('RESOLVED', resolved(), ctx({ approvalPending: 'restart' }));
    expect(urlsIn(withApproval.body)).toEqual([]);
    expect(withApproval.body).not.toContain('incident approve');
    // Even rendered before the status write lands (the incident still open), a RESOLVED page offers nothing.
    const early = renderPage('RESOLVED', mitigating(), ctx({ approvalPending: 'restart' }));
    expect(urlsIn(early.body)).toEqual([]);
    expect(early.sms).not.toContain('https://');
  });

  it('takes the root cause from `why` when the caller knows it', () => {
    const known = renderPage('RESOLVED', resolved(), ctx({ why: 'bad config in checkout:42' }));
    expect(bodyLines(known.body)).toContain('Root Cause: bad config in checkout:42');
  });
});

describe('limits, for every kind', () => {
  const longTitle = `checkout: ${'très long message d’erreur “quoted” [with] {braces} | pipes ~ \\ ^ `tick` '.repeat(8)}\nsecond line`;
  const incidentFor = (kind: PageKind): Incident => {
    const open = acknowledge(mitigating(longTitle), { type: 'human', name: 'x'.repeat(80) }, at(5));
    return kind === 'RESOLVED' ? moveTo(open, 'RESOLVED', ALICE, at(30)) : open;
  };

  it.each(INCIDENT_PAGE_KINDS)(
    '%s: subject < 100 chars of printable ASCII, still naming severity and id',
    (kind) => {
      const page = renderPage(kind, incidentFor(kind), ctx({ why: 'w'.repeat(300), by: 'y'.repeat(80) }));
      expect(page.subject.length).toBeLessThanOrEqual(SUBJECT_LIMIT);
      expect(page.subject).toMatch(PRINTABLE_ASCII);
      expect(page.subject).toContain(`[P2] ${ID}`);
      expect(page.subject.endsWith('...')).toBe(true);
    },
  );

  it.each(INCIDENT_PAGE_KINDS)('%s: SMS <= 160 GSM-7 characters, still naming severity and id', (kind) => {
    for (const extra of [{}, { why: 'w'.repeat(300) }, { approvalPending: 'p'.repeat(300) }]) {
      const page = renderPage(kind, incidentFor(kind), ctx({ ...extra, by: 'y'.repeat(80) }));
      expect(page.sms.length).toBeLessThanOrEqual(SMS_LIMIT);
      expect(page.sms).toMatch(GSM_SAFE);
      expect(page.sms).toContain(`P2 ${ID}`);
    }
  });

  it('truncates the title, not the link, when a short ack link fits', () => {
    const short = 'https://ir.example.com/a/x.y';
    const sms = renderPage('INCIDENT', incidentFor('INCIDENT'), ctx({ links: { ack: short } })).sms;
    expect(sms.length).toBeLessThanOrEqual(SMS_LIMIT);
    expect(
      sms.startsWith(`P2 ${ID} INVESTIGATING: checkout: tres long message d'erreur "quoted" (with)`),
    ).toBe(true);
    expect(sms.endsWith(`... Ack: ${short}`)).toBe(true);
  });

  it('drops a link too long to fit rather than cutting it, and fills the 160 with the title', () => {
    const sms = renderPage('INCIDENT', incidentFor('INCIDENT'), ctx()).sms;
    expect(sms).not.toContain('https://');
    expect(sms).toHaveLength(SMS_LIMIT);
    expect(sms.endsWith('...')).toBe(true);
  });

  it('keeps the body on one line per field even when the title has line breaks', () => {
    const lines = bodyLines(renderPage('INCIDENT', incidentFor('INCIDENT'), ctx()).body);
    expect(lines[0]?.startsWith('INCIDENT: checkout: très long')).toBe(true);
    expect(lines[0]?.endsWith('second line')).toBe(true);
    expect(lines[1]).toBe(`Incident ID: ${ID}`);
  });
});

/** The chat form of a rendered page (every rendered page has one). */
const chatFor = (kind: IncidentPageKind, incident: Incident, context: PageContext): ChatPage => {
  const chat = renderPage(kind, incident, context).chat;
  if (!chat) throw new Error(`${kind} rendered no chat form`);
  return chat;
};
const descLines = (chat: ChatPage): string[] => chat.description.split('\n');

describe('chat form', () => {
  it('INCIDENT: the subject as title, the facts in markdown, the three links as next steps', () => {
    const chat = chatFor('INCIDENT', mitigating(), ctx());
    expect(chat.title).toBe(`INCIDENT: [P2] ${ID} ${TITLE}`);
    expect(descLines(chat)).toEqual([
      `*Impact:* ${TITLE}`,
      '*Status:* INVESTIGATING',
      '*Detected:* 10:00 UTC (alarm checkout-error-rate)',
      '*Duration:* 25 min',
      '*Current responder:* nobody has acknowledged yet',
      '*Next Update:* 10:55 UTC',
      '',
      `*Diagnosis:* ${DIAGNOSIS.summary}`,
      '',
      `*Runbook:* ${RUNBOOK}`,
      '_Each link in the next steps works once._',
      '',
      '*Actions taken:*',
      '• 10:04 UTC decision: act rollback: guardrails passed',
      '• 10:04 UTC started: roll back checkout to checkout:41',
    ]);
    expect(chat.nextSteps).toEqual([
      `Acknowledge (take ownership): ${LINKS.ack}`,
      `Escalate (page the next tier now): ${LINKS.escalate}`,
      `Resolve (it is fixed): ${LINKS.resolve}`,
    ]);
  });

  it('UPDATE: the same facts; no links and no link note once the incident is no longer open', () => {
    const open = chatFor('UPDATE', acknowledge(mitigating(), ALICE, at(5)), ctx());
    expect(open.title).toBe(`UPDATE: [P2] ${ID} ${TITLE}`);
    expect(descLines(open)).toContain('*Current responder:* alice');
    expect(open.nextSteps).toHaveLength(3);
    const closed = chatFor('UPDATE', resolved(), ctx());
    expect(closed.nextSteps).toEqual([]);
    expect(closed.description).not.toContain('works once');
  });

  it('ESCALATION: why and who next; a pending approval comes first, a missing link as its CLI command', () => {
    const pending = 'roll back checkout to checkout:41';
    const chat = chatFor(
      'ESCALATION',
      mitigating(),
      ctx({
        why: 'Diagnose failed: ThrottlingException',
        tier: 'devops-lead',
        approvalPending: pending,
        links: { ...LINKS, deny: undefined },
      }),
    );
    expect(chat.title).toBe(`ESCALATION NEEDED: [P2] ${ID} ${TITLE}`);
    expect(descLines(chat)).toEqual(
      expect.arrayContaining([
        `*Waiting for approval:* ${pending} (no answer in time means no action)`,
        '*Why escalating:* Diagnose failed: ThrottlingException',
        '*Next person:* devops-lead',
      ]),
    );
    expect(chat.nextSteps).toEqual([
      `Approve (${pending}): ${LINKS.approve}`,
      `Deny (no automatic action): \`incident deny ${ID} --by NAME\``,
      `Acknowledge (take ownership): ${LINKS.ack}`,
      `Escalate (page the next tier now): ${LINKS.escalate}`,
      `Resolve (it is fixed): ${LINKS.resolve}`,
    ]);
  });

  it('ACKNOWLEDGED: who took it, in the title and the facts', () => {
    const chat = chatFor('ACKNOWLEDGED', acknowledge(mitigating(), ALICE, at(5)), ctx({ by: 'alice' }));
    expect(chat.title).toBe(`ACKNOWLEDGED by alice: [P2] ${ID} ${TITLE}`);
    expect(descLines(chat)[0]).toBe('*Acknowledged by:* alice at 10:05 UTC');
  });

  it('RESOLVED: how long and why, and nothing left to click', () => {
    const chat = chatFor('RESOLVED', resolved(), ctx({ now: at(8), why: 'bad config in checkout:42' }));
    expect(chat.title).toBe(`RESOLVED: [P2] ${ID} ${TITLE}`);
    expect(descLines(chat)).toEqual(
      expect.arrayContaining([
        '*Resolution Time:* 7 min (10:00 UTC to 10:07 UTC)',
        '*Resolved by:* checkout-error-rate (alarm)',
        '*Root Cause:* bad config in checkout:42',
        '*Post-Mortem:* not required',
      ]),
    );
    expect(chat.nextSteps).toEqual([]);
    expect(chat.description).not.toContain('works once');
  });

  it('POSTMORTEM: when it is due and who owns it; the checklist and the CLI command as next steps', () => {
    const owed = requirePostMortem(resolved(), at(60 * 24 * 5), 'devops-lead', AUTOMATION, at(8));
    const chat = chatFor('POSTMORTEM', owed, ctx({ now: at(60 * 24 * 6) }));
    expect(chat.title).toBe(`POST-MORTEM OVERDUE: [P2] ${ID} ${TITLE}`);
    expect(descLines(chat)).toContain('*Post-Mortem:* OVERDUE since 2026-11-28 10:00 UTC, owner devops-lead');
    expect(chat.description).not.toContain('Runbook');
    expect(chat.nextSteps).toEqual([
      'Schedule the post-mortem meeting',
      'Document the incident timeline (start from the report)',
      'Identify the root cause',
      'List action items and assign owners',
      `When done: \`incident postmortem ${ID} --done --doc URL --by NAME\``,
    ]);
  });

  it('keeps the newest actions that fit, and counts the older ones, as email does', () => {
    const busy = appendEntries(
      mitigating(),
      at(10),
      ...Array.from({ length: 10 }, (_, i) => action(`step ${i + 1}`)),
    );
    const lines = descLines(chatFor('UPDATE', busy, ctx()));
    const start = lines.indexOf('*Actions taken:*');
    expect(lines.slice(start + 1)).toEqual([
      '• (4 earlier on the incident timeline)',
      ...[3, 4, 5, 6, 7, 8, 9, 10].map((n) => `• 10:10 UTC step ${n}`),
    ]);
  });
});

describe('chat limits, for every kind', () => {
  const huge = 'h'.repeat(2000);
  const busy = (kind: PageKind): Incident => {
    const base = acknowledge(
      mitigating(`checkout: ${'very long title '.repeat(30)}`),
      { type: 'human', name: 'x'.repeat(80) },
      at(5),
    );
    const withDiagnosis = { ...base, diagnosis: { ...DIAGNOSIS, summary: huge } };
    const withActions = appendEntries(
      withDiagnosis,
      at(10),
      ...Array.from({ length: 20 }, (_, i) => action(`${i}: ${huge}`)),
    );
    if (kind === 'RESOLVED') return moveTo(withActions, 'RESOLVED', ALICE, at(30));
    if (kind === 'POSTMORTEM')
      return requirePostMortem(
        moveTo(withActions, 'RESOLVED', ALICE, at(30)),
        at(999),
        'x'.repeat(500),
        AUTOMATION,
        at(30),
      );
    return withActions;
  };

  it.each(INCIDENT_PAGE_KINDS)(
    '%s: title, description and next steps within the limits, no URL cut',
    (kind) => {
      const chat = chatFor(kind, busy(kind), ctx({ why: huge, approvalPending: huge, by: huge, tier: huge }));
      expect(chat.title.length).toBeLessThanOrEqual(CHAT_TITLE_LIMIT);
      expect(chat.title).not.toContain('\n');
      expect(chat.title).toContain(`[P2] ${ID}`);
      expect(chat.description.length).toBeLessThanOrEqual(CHAT_DESCRIPTION_LIMIT);
      for (const line of descLines(chat)) expect(line.length).toBeLessThanOrEqual(CHAT_FIELD_LIMIT + 30);
      expect(chat.nextSteps.join('\n').length).toBeLessThanOrEqual(CHAT_NEXT_STEPS_LIMIT);
      for (const url of urlsIn(chat.nextSteps.join('\n'))) expect(Object.values(LINKS)).toContain(url);
      if (kind === 'POSTMORTEM') return;
      expect(chat.description).toContain(`*Runbook:* ${RUNBOOK}`);
      // The newest actions that fit stay; the rest are counted.
      expect(chat.description).toMatch(
        /\*Actions taken:\*\n• \(\d+ earlier on the incident timeline\)\n(• 10:10 UTC \d+: h+\.\.\.\n)+• 10:10 UTC 19: h+\.\.\.$/,
      );
    },
  );

  it('drops whole next steps, never part of a URL, when the links alone pass the limit', () => {
    const long = (act: ResponderAction) => `https://ir.example.com/a/${act}-${'z'.repeat(1000)}`;
    const links = {
      ack: long('ack'),
      escalate: long('escalate'),
      resolve: long('resolve'),
      approve: long('approve'),
    };
    const chat = chatFor('ESCALATION', mitigating(), ctx({ links, approvalPending: 'restart' }));
    expect(chat.nextSteps.map((s) => urlsIn(s)[0] ?? s.split(': ')[1])).toEqual([
      links.approve,
      `\`incident deny ${ID} --by NAME\``,
      links.ack,
    ]);
  });
});

describe('the incident page link, for every kind', () => {
  /** As long as a real signed view link (~180 characters) under a staged base. */
  const PAGE_URL = `https://ir.example.com/prod/i/${'v'.repeat(130)}.${'s'.repeat(43)}`;
  const count = (text: string, part: string): number => text.split(part).length - 1;
  const incidentFor = (kind: PageKind): Incident => {
    const open = acknowledge(mitigating(), ALICE, at(5));
    if (kind === 'RESOLVED') return moveTo(open, 'RESOLVED', ALICE, at(30));
    if (kind === 'POSTMORTEM')
      return requirePostMortem(moveTo(open, 'RESOLVED', ALICE, at(30)), at(999), 'alice', AUTOMATION, at(30));
    return open;
  };

  it.each(INCIDENT_PAGE_KINDS)('%s: once in the email body and once in chat, never in the SMS', (kind) => {
    for (const extra of [{}, { approvalPending: 'restart checkout' }]) {
      const page = renderPage(kind, incidentFor(kind), ctx({ ...extra, incidentPage: PAGE_URL }));
      expect(count(page.body, PAGE_URL)).toBe(1);
      // Alone on its line, so a mail client makes the whole of it clickable.
      expect(bodyLines(page.body)).toContain(PAGE_URL);
      const chat = page.chat;
      expect(chat).toBeDefined();
      expect(count(`${chat?.title}\n${chat?.description}\n${chat?.nextSteps.join('\n')}`, PAGE_URL)).toBe(1);
      expect(chat?.nextSteps[0]).toBe(`Incident page: ${PAGE_URL}`);
      expect(page.sms).not.toContain('/i/');
      expect(page.subject).not.toContain('/i/');
    }
  });

  it.each(INCIDENT_PAGE_KINDS)('%s: no incident page line when the caller has no link for it', (kind) => {
    const page = renderPage(kind, incidentFor(kind), ctx());
    expect(page.body).not.toContain('Incident page');
    expect(page.chat?.nextSteps.some((s) => s.startsWith('Incident page'))).toBe(false);
  });

  it.each(INCIDENT_PAGE_KINDS)('%s: every limit still holds with it', (kind) => {
    const long = `checkout: ${'very long title '.repeat(30)}`;
    const base = acknowledge(mitigating(long), { type: 'human', name: 'x'.repeat(80) }, at(5));
    const incident = kind === 'RESOLVED' || kind === 'POSTMORTEM' ? incidentFor(kind) : base;
    const huge = 'h'.repeat(2000);
    const page = renderPage(
      kind,
      incident,
      ctx({ incidentPage: PAGE_URL, why: huge, approvalPending: huge, by: huge, tier: huge }),
    );
    expect(page.subject.length).toBeLessThanOrEqual(SUBJECT_LIMIT);
    expect(page.subject).toMatch(PRINTABLE_ASCII);
    expect(page.sms.length).toBeLessThanOrEqual(SMS_LIMIT);
    expect(page.sms).toMatch(GSM_SAFE);
    const chat = page.chat;
    expect(chat?.title.length).toBeLessThanOrEqual(CHAT_TITLE_LIMIT);
    expect(chat?.description.length).toBeLessThanOrEqual(CHAT_DESCRIPTION_LIMIT);
    expect(chat?.nextSteps.join('\n').length).toBeLessThanOrEqual(CHAT_NEXT_STEPS_LIMIT);
    expect(chat?.nextSteps[0]).toBe(`Incident page: ${PAGE_URL}`);
  });

  it('says which chat links work once when both kinds are there', () => {
    const chat = chatFor('INCIDENT', mitigating(), ctx({ incidentPage: PAGE_URL }));
    expect(chat.description).toContain(
      '_Each action link in the next steps works once; the incident page until it expires._',
    );
  });
});

describe('chatOf and chatNotification', () => {
  const bare: Page = {
    kind: 'ESCALATION',
    incidentId: 'none',
    at: at(1).toISOString(),
    subject: 'ESCALATION NEEDED: incident workflow Intake failed',
    body: `ESCALATION NEEDED: the incident workflow failed.\n${'detail '.repeat(600)}`,
    sms: 'ESCALATION incident workflow Intake failed',
  };

  it('gives a page built without a chat form its subject and body, cut to fit', () => {
    const chat = chatOf(bare);
    expect(chat.title).toBe(bare.subject);
    expect(chat.description).toHaveLength(CHAT_DESCRIPTION_LIMIT);
    expect(chat.description.startsWith('ESCALATION NEEDED: the incident workflow failed.\ndetail')).toBe(
      true,
    );
    expect(chat.nextSteps).toEqual([]);
  });

  it('wraps the chat form in the custom notification schema, threaded by incident', () => {
    const page = renderPage('INCIDENT', mitigating(), ctx());
    expect(chatNotification(page)).toEqual({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: page.chat?.title,
        description: page.chat?.description,
        nextSteps: page.chat?.nextSteps,
        keywords: ['INCIDENT', 'P2', 'checkout'],
      },
      metadata: {
        threadId: ID,
        summary: page.subject,
        eventType: 'INCIDENT',
        additionalContext: {
          incidentId: ID,
          kind: 'INCIDENT',
          severity: 'P2',
          service: 'checkout',
          at: '2026-11-23T10:25:00.000Z',
        },
      },
    });
    expect(chatNotification(bare).content).not.toHaveProperty('nextSteps');
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [-5, '0 min'],
    [0, '0 min'],
    [59, '59 min'],
    [60, '1 h'],
    [95, '1 h 35 min'],
    [26 * 60, '26 h'],
  ])('%d min -> %s', (minutes, text) => {
    expect(formatDuration(t0.toISOString(), at(minutes))).toBe(text);
  });
});
