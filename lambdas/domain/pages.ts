/**
 * Pages in the seeds' formats: seed 000's INCIDENT and RESOLVED templates, seed 004's status update
 * and ESCALATION templates, and an ACKNOWLEDGED notice so everyone paged hears who took it. Each page
 * has a plain-text body that reads well in email (what is broken, how bad, what automation found and
 * did, the runbook, and one-click links), an email subject, an SMS form and a chat form.
 *
 * Subjects are printable ASCII under 100 characters (SNS refuses or rewrites anything else); SMS is at
 * most 160 characters of the GSM 7-bit alphabet, so it travels as one message (a single character
 * outside it would switch the whole SMS to UCS-2, whose limit is 70). The chat form is the content of an
 * AWS Chatbot (Amazon Q Developer in chat applications) custom notification, see {@link chatNotification}.
 *
 * Pure: the caller hands in the clock reading, the links it built and everything else it knows.
 */
import type { Incident } from './incident';
import { isOpen } from './lifecycle';
import type { ResponderAction } from './responder-actions';
import type { Severity } from './severity';
import { lastResolution } from './timeline';

export const PAGE_KINDS = [
  'INCIDENT',
  'UPDATE',
  'ESCALATION',
  'RESOLVED',
  'ACKNOWLEDGED',
  'POSTMORTEM',
] as const;
export type PageKind = (typeof PAGE_KINDS)[number];

export interface Page {
  readonly kind: PageKind;
  readonly incidentId: string;
  /** When it was rendered and sent (ISO-8601). */
  readonly at: string;
  readonly subject: string;
  readonly body: string;
  readonly sms: string;
  /** Set on every rendered page; optional so a page built without an incident can still be sent. */
  readonly severity?: Severity;
  readonly service?: string;
  /** The chat form. @default built from `subject` and `body` by {@link chatOf} */
  readonly chat?: ChatPage;
}

/**
 * A page as chat shows it: a title, the key facts in markdown and the next steps, each one-click link a
 * step of its own. URLs stay bare, as Slack and Teams both make a bare URL clickable while each has its
 * own link syntax; `*label:*` is bold in Slack and still reads well where it is not.
 */
export interface ChatPage {
  /** At most {@link CHAT_TITLE_LIMIT} characters, one line. */
  readonly title: string;
  /** At most {@link CHAT_DESCRIPTION_LIMIT} characters. */
  readonly description: string;
  /** Joined by newlines, at most {@link CHAT_NEXT_STEPS_LIMIT} characters; a URL is never cut. */
  readonly nextSteps: readonly string[];
}

export interface PageContext {
  readonly now: Date;
  /** Minutes until the next status update, from the severity's cadence; undefined = as needed. */
  readonly nextUpdateMinutes?: number;
  /** ESCALATION: why a person is being called, e.g. "Diagnose failed: ThrottlingException". RESOLVED: the root cause, when known. */
  readonly why?: string;
  /** ESCALATION: who is being called. */
  readonly tier?: string;
  /**
   * What automation did, one line each, shown instead of the incident's `action` timeline entries.
   * @default the `action` entries of the incident's timeline, each with its time
   */
  readonly automation?: readonly string[];
  /**
   * One-click URLs, already signed for this recipient. Acknowledge, Escalate and Resolve are shown
   * while the incident is open; Approve and Deny only when `approvalPending` is set; none on RESOLVED.
   * @default no links
   */
  readonly links?: Readonly<Partial<Record<ResponderAction, string>>>;
  /** The automatic action waiting for a person's yes, e.g. "roll back checkout to checkout:41". */
  readonly approvalPending?: string;
  /** ACKNOWLEDGED: who took it. @default the incident's `acknowledgedBy` */
  readonly by?: string;
}

/**
 * The pages topics' display name. SNS starts every SMS from a topic with it, upper-cased, and `> `,
 * so it is short and counts against the 160 characters of one GSM segment.
 */
export const SMS_SENDER = 'INCIDENT';
/** One GSM-7 segment (160 characters) less the sender prefix SNS adds: a page is one SMS. */
export const SMS_LIMIT = 160 - `${SMS_SENDER}> `.length;
/** SNS email subjects must be under 100 characters. */
export const SUBJECT_LIMIT = 99;
/** The newest automation lines a page shows; older ones stay on the timeline. */
export const AUTOMATION_LINES = 8;
/**
 * Chat length limits. The custom notification schema states none, so these are the tightest limits of
 * the blocks Slack renders it into (a header holds 150 characters, a section's text 3,000); Teams allows
 * more. A free-text field (title, diagnosis, reason, one automation line) is cut at CHAT_FIELD_LIMIT
 * first, so one long value cannot push the rest of the facts out.
 */
export const CHAT_TITLE_LIMIT = 150;
export const CHAT_DESCRIPTION_LIMIT = 3000;
export const CHAT_NEXT_STEPS_LIMIT = 3000;
export const CHAT_FIELD_LIMIT = 300;

export const formatDuration = (fromIso: string, to: Date): string => {
  const minutes = Math.max(0, Math.round((to.getTime() - Date.parse(fromIso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
};

const hhmm = (iso: string): string => `${iso.slice(11, 16)} UTC`;

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Printable ASCII only: accents dropped, typographic punctuation made plain, anything else `?`. */
const ascii = (text: string): string =>
  oneLine(text)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/…/g, '...')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[–—]/g, '-')
    .replace(/[^\x20-\x7e]/g, '?');

/** ASCII characters outside the GSM 7-bit basic set, each replaced by a plain look-alike. */
const GSM_SUBSTITUTES: Readonly<Record<string, string>> = {
  '[': '(',
  ']': ')',
  '{': '(',
  '}': ')',
  '\\': '/',
  '^': "'",
  '~': '-',
  '|': '/',
  '`': "'",
};
const gsm = (text: string): string => ascii(text).replace(/[[\]{}\\^~|`]/g, (c) => GSM_SUBSTITUTES[c] ?? '?');

const clip = (text: string, limit: number): string =>
  text.length <= limit ? text : `${text.slice(0, Math.max(0, limit - 3)).trimEnd()}...`;

/** The shortest title an SMS keeps before it gives the room to a link instead. */
const SMS_MIN_TEXT = 24;

/**
 * `head: text`, at most SMS_LIMIT characters; the ack link goes at the end only when it fits whole
 * (a cut URL is worse than none) and leaves at least SMS_MIN_TEXT characters of the text.
 */
const smsOf = (head: string, text: string, ackUrl: string | undefined): string => {
  const h = gsm(head);
  const t = gsm(text);
  const linkPart = ackUrl && gsm(ackUrl) === ackUrl ? ` Ack: ${ackUrl}` : '';
  const room = SMS_LIMIT - h.length - 2 - linkPart.length;
  if (linkPart && room >= Math.min(t.length, SMS_MIN_TEXT)) return `${h}: ${clip(t, room)}${linkPart}`;
  return clip(`${h}: ${t}`, SMS_LIMIT);
};

const subjectOf = (label: string, incident: Incident): string =>
  clip(ascii(`${label}: [${incident.severity}] ${incident.id} ${incident.title}`), SUBJECT_LIMIT);

const impactOf = (incident: Incident): string => {
  const title = oneLine(incident.title);
  return title.toLowerCase().includes(incident.service.toLowerCase())
    ? title
    : `${incident.service}: ${title}`;
};

/** What automation did: the caller's lines, or the timeline's `action` entries, newest last. */
const automationOf = (incident: Incident, ctx: PageContext): readonly string[] =>
  ctx.automation ??
  incident.timeline.filter((e) => e.kind === 'action').map((e) => `${hhmm(e.at)} ${oneLine(e.summary)}`);

/** The newest AUTOMATION_LINES of it for email, counting the ones left out. */
const automationLines = (all: readonly string[]): string[] => {
  if (all.length === 0) return [];
  const shown = all.slice(-AUTOMATION_LINES).map((a) => `- ${a}`);
  const hidden = all.length - shown.length;
  return [
    '',
    'Actions taken:',
    ...(hidden > 0 ? [`- (${hidden} earlier on the incident timeline)`] : []),
    ...shown,
  ];
};

const LINK_LABELS: Readonly<Record<ResponderAction, string>> = {
  approve: 'Approve',
  deny: 'Deny (no automatic action)',
  ack: 'Acknowledge (take ownership)',
  escalate: 'Escalate (page the next tier now)',
  resolve: 'Resolve (it is fixed)',
};

interface LinkItem {
  readonly label: string;
  readonly url?: string;
  /** What to do instead when there is no link for this answer. */
  readonly fallback?: string;
}

/** The one-click links, in the order a responder weighs them: the pending approval first. */
const linkItems = (kind: PageKind, incident: Incident, ctx: PageContext): LinkItem[] => {
  if (kind === 'RESOLVED' || !isOpen(incident.status)) return [];
  const out: LinkItem[] = [];
  if (ctx.approvalPending) {
    for (const act of ['approve', 'deny'] as const) {
      const url = ctx.links?.[act];
      const label = act === 'approve' ? `Approve (${oneLine(ctx.approvalPending)})` : LINK_LABELS.deny;
      out.push(url ? { label, url } : { label, fallback: `incident ${act} ${incident.id} --by NAME` });
    }
  }
  for (const act of ['ack', 'escalate', 'resolve'] as const) {
    const url = ctx.links?.[act];
    if (url) out.push({ label: LINK_LABELS[act], url });
  }
  return out;
};

/** The links for email, each URL alone on its line so mail clients make the whole of it clickable. */
const linkLines = (items: readonly LinkItem[]): string[] =>
  items.length > 0
    ? [
        '',
        'Act on it (each link works once):',
        ...items.flatMap((i) => (i.url ? [`${i.label}:`, i.url] : [`${i.label}: ${i.fallback}`])),
      ]
    : [];

/** One `Label: value` line of a page; '' separates groups. */
type Fact = readonly [label: string, value: string];
type FactLine = Fact | '' | undefined;

/** What each kind says, before it is laid out for email and chat. */
interface Rendered {
  /** Subject and chat title label, e.g. `ESCALATION NEEDED`. */
  readonly label: string;
  /** The email's first line label. @default `label` */
  readonly head?: string;
  readonly subject: string;
  readonly sms: string;
  readonly facts: readonly FactLine[];
  /** Automation, runbook and links follow the facts (every kind but POSTMORTEM). */
  readonly tail: boolean;
  /** Email lines after the facts, and the chat steps they stand for. */
  readonly closing?: { readonly email: readonly string[]; readonly steps: readonly string[] };
}

const emailBody = (r: Rendered, title: string, tail: () => string[]): string =>
  [
    `${r.head ?? r.label}: ${title}`,
    ...r.facts.flatMap((f) => (f === undefined ? [] : f === '' ? [''] : [`${f[0]}: ${f[1]}`])),
    ...(r.tail ? tail() : []),
    ...(r.closing?.email ?? []),
  ].join('\n');

const URL_ONLY = /^https?:\/\/\S+$/;
/** Facts the chat title already states. */
const IN_CHAT_TITLE: ReadonlySet<string> = new Set(['Incident ID', 'Severity']);
/** A free-text value cut for chat; a URL is kept whole (a cut link is worse than a long one). */
const chatValue = (value: string): string => (URL_ONLY.test(value) ? value : clip(value, CHAT_FIELD_LIMIT));

/** Shows the newest automation lines that fit in `room` characters, counting the ones left out. */
const chatActions = (all: readonly string[], room: number): string[] => {
  for (let shown = Math.min(all.length, AUTOMATION_LINES); shown > 0; shown--) {
    const hidden = all.length - shown;
    const block = [
      '*Actions taken:*',
      ...(hidden > 0 ? [`• (${hidden} earlier on the incident timeline)`] : []),
      ...all.slice(-shown).map((a) => `• ${clip(a, CHAT_FIELD_LIMIT)}`),
    ];
    if (block.join('\n').length + 2 <= room) return block;
  }
  const count = `*Actions taken:* ${all.length}, on the incident timeline`;
  return all.length > 0 && count.length + 2 <= room ? [count] : [];
};

/** Next steps in order, as many as fit the limit; a step is never cut. */
const fitSteps = (steps: readonly string[]): string[] => {
  const out: string[] = [];
  let used = 0;
  for (const step of steps) {
    const cost = step.length + (out.length > 0 ? 1 : 0);
    if (used + cost > CHAT_NEXT_STEPS_LIMIT) break;
    out.push(step);
    used += cost;
  }
  return out;
};

const chatPage = (
  r: Rendered,
  incident: Incident,
  title: string,
  automation: readonly string[],
  links: readonly LinkItem[],
): ChatPage => {
  const facts = r.facts
    .filter((f): f is Fact | '' => f !== undefined && !(f !== '' && IN_CHAT_TITLE.has(f[0])))
    .map((f) => (f === '' ? '' : `*${f[0]}:* ${chatValue(f[1])}`));
  const closing = r.tail
    ? [
        '',
        `*Runbook:* ${incident.runbookUrl ?? 'none configured'}`,
        ...(links.length > 0 ? ['_Each link in the next steps works once._'] : []),
      ]
    : [];
  const head = clip([...facts, ...closing].join('\n'), CHAT_DESCRIPTION_LIMIT);
  const actions = r.tail ? chatActions(automation, CHAT_DESCRIPTION_LIMIT - head.length) : [];
  const steps = r.tail
    ? links.map((l) =>
        l.url
          ? `${clip(l.label, CHAT_FIELD_LIMIT)}: ${l.url}`
          : `${clip(l.label, CHAT_FIELD_LIMIT)}: \`${l.fallback}\``,
      )
    : (r.closing?.steps ?? []);
  return {
    title: clip(`${r.label}: [${incident.severity}] ${incident.id} ${title}`, CHAT_TITLE_LIMIT),
    description: actions.length > 0 ? `${head}\n\n${actions.join('\n')}` : head,
    nextSteps: fitSteps(steps),
  };
};

export const renderPage = (kind: PageKind, incident: Incident, ctx: PageContext): Page => {
  const open = isOpen(incident.status);
  const title = oneLine(incident.title);
  const nextUpdate: Fact = [
    'Next Update',
    ctx.nextUpdateMinutes === undefined
      ? 'as needed'
      : hhmm(new Date(ctx.now.getTime() + ctx.nextUpdateMinutes * 60_000).toISOString()),
  ];
  const diagnosis: Fact = [
    'Diagnosis',
    incident.diagnosis ? oneLine(incident.diagnosis.summary) : open ? 'none yet' : 'none recorded',
  ];
  const responder: Fact = ['Current responder', incident.acknowledgedBy ?? 'nobody has acknowledged yet'];
  const id: Fact = ['Incident ID', incident.id];
  const severity: Fact = ['Severity', incident.severity];
  const impact: Fact = ['Impact', impactOf(incident)];
  // Every page of an open incident carries the same state block (seed 000's INCIDENT template).
  const state: Fact[] = [
    impact,
    ['Status', incident.status],
    ['Detected', `${hhmm(incident.createdAt)} (alarm ${incident.alarmName})`],
    ['Duration', formatDuration(incident.createdAt, ctx.now)],
  ];
  const approval: Fact | undefined =
    open && ctx.approvalPending
      ? ['Waiting for approval', `${oneLine(ctx.approvalPending)} (no answer in time means no action)`]
      : undefined;
  const ackUrl = open && kind !== 'ACKNOWLEDGED' && kind !== 'RESOLVED' ? ctx.links?.ack : undefined;
  const rendered = ((): Rendered => {
    switch (kind) {
      case 'INCIDENT':
      case 'UPDATE':
        return {
          label: kind,
          subject: subjectOf(kind, incident),
          sms: smsOf(
            `${kind === 'UPDATE' ? 'UPDATE ' : ''}${incident.severity} ${incident.id} ${incident.status}`,
            title,
            ackUrl,
          ),
          facts: [id, severity, ...state, responder, nextUpdate, approval, '', diagnosis],
          tail: true,
        };
      case 'ESCALATION': {
        const why = ctx.why ? oneLine(ctx.why) : undefined;
        const reason = ctx.approvalPending ? `approve? ${oneLine(ctx.approvalPending)}` : why;
        return {
          label: 'ESCALATION NEEDED',
          subject: subjectOf('ESCALATION NEEDED', incident),
          sms: smsOf(
            `ESCALATION ${incident.severity} ${incident.id} ${incident.status}`,
            reason ? `${clip(title, 40)} - ${reason}` : title,
            ackUrl,
          ),
          facts: [
            id,
            severity,
            ...state,
            responder,
            approval,
            '',
            ['Why escalating', why ?? 'not stated'],
            ctx.tier ? ['Next person', ctx.tier] : undefined,
            '',
            diagnosis,
          ],
          tail: true,
        };
      }
      case 'ACKNOWLEDGED': {
        const by = oneLine(ctx.by ?? incident.acknowledgedBy ?? 'someone');
        const at = incident.statusTimestamps.ACKNOWLEDGED ?? ctx.now.toISOString();
        return {
          label: `ACKNOWLEDGED by ${clip(by, 30)}`,
          head: 'ACKNOWLEDGED',
          subject: clip(
            ascii(`ACKNOWLEDGED by ${clip(by, 30)}: [${incident.severity}] ${incident.id} ${title}`),
            SUBJECT_LIMIT,
          ),
          sms: smsOf(`ACK ${incident.severity} ${incident.id} by ${clip(gsm(by), 30)}`, title, undefined),
          facts: [
            id,
            severity,
            ['Acknowledged by', `${by} at ${hhmm(at)}`],
            ...state,
            nextUpdate,
            approval,
            '',
            diagnosis,
          ],
          tail: true,
        };
      }
      case 'RESOLVED': {
        const resolvedAt = incident.statusTimestamps.RESOLVED ?? ctx.now.toISOString();
        const duration = formatDuration(incident.createdAt, new Date(resolvedAt));
        const resolvedBy = lastResolution(incident)?.entry;
        return {
          label: 'RESOLVED',
          subject: subjectOf('RESOLVED', incident),
          sms: smsOf(`RESOLVED ${incident.severity} ${incident.id} after ${duration}`, title, undefined),
          facts: [
            id,
            severity,
            impact,
            ['Resolution Time', `${duration} (${hhmm(incident.createdAt)} to ${hhmm(resolvedAt)})`],
            resolvedBy ? ['Resolved by', `${resolvedBy.actor.name} (${resolvedBy.actor.type})`] : undefined,
            ['Root Cause', ctx.why ? oneLine(ctx.why) : 'to be established in the post-incident review'],
            ['Report', incident.report?.url ?? 'not written'],
            ['Post-Mortem', postMortemLine(incident)],
            '',
            diagnosis,
          ],
          tail: true,
        };
      }
      case 'POSTMORTEM': {
        const due = incident.postMortem?.due;
        const overdue = due !== undefined && ctx.now.toISOString() >= due;
        const when = due
          ? `${overdue ? 'OVERDUE since' : 'due'} ${due.slice(0, 16).replace('T', ' ')} UTC`
          : 'due';
        const checklist = [
          'Schedule the post-mortem meeting',
          'Document the incident timeline (start from the report)',
          'Identify the root cause',
          'List action items and assign owners',
        ];
        const done = `incident postmortem ${incident.id} --done --doc URL --by NAME`;
        return {
          label: overdue ? 'POST-MORTEM OVERDUE' : 'POST-MORTEM DUE',
          subject: subjectOf(overdue ? 'POST-MORTEM OVERDUE' : 'POST-MORTEM DUE', incident),
          sms: smsOf(
            `POST-MORTEM ${overdue ? 'OVERDUE' : 'DUE'} ${incident.severity} ${incident.id}`,
            title,
            undefined,
          ),
          facts: [
            id,
            severity,
            impact,
            ['Resolved', hhmm(incident.statusTimestamps.RESOLVED ?? incident.updatedAt)],
            ['Post-Mortem', `${when}, owner ${incident.postMortem?.owner ?? 'not set'}`],
            ['Report', incident.report?.url ?? `incident report ${incident.id}`],
          ],
          tail: false,
          closing: {
            email: [
              '',
              'Post-mortem checklist (required for P1/P2):',
              ...checklist.map((c) => `- ${c}`),
              '',
              `When done: ${done}`,
            ],
            steps: [...checklist, `When done: \`${done}\``],
          },
        };
      }
    }
  })();
  const automation = automationOf(incident, ctx);
  const links = linkItems(kind, incident, ctx);
  return {
    kind,
    incidentId: incident.id,
    at: ctx.now.toISOString(),
    subject: rendered.subject,
    body: emailBody(rendered, title, () => [
      ...automationLines(automation),
      '',
      `Runbook: ${incident.runbookUrl ?? 'none configured'}`,
      ...linkLines(links),
    ]),
    sms: rendered.sms,
    severity: incident.severity,
    service: incident.service,
    chat: chatPage(rendered, incident, title, automation, links),
  };
};

const postMortemLine = (incident: Incident): string => {
  const pm = incident.postMortem;
  if (!pm) return 'not required';
  if (pm.doc) return pm.doc;
  return `required, due ${pm.due.slice(0, 16).replace('T', ' ')} UTC (owner ${pm.owner})`;
};

/** The chat form of `page`: its own, or, for a page built without one, its subject and body cut to fit. */
export const chatOf = (page: Page): ChatPage =>
  page.chat ?? {
    title: clip(oneLine(page.subject), CHAT_TITLE_LIMIT),
    description: clip(page.body, CHAT_DESCRIPTION_LIMIT),
    nextSteps: [],
  };

/**
 * An AWS Chatbot (Amazon Q Developer in chat applications) custom notification: what a chat channel
 * subscribed to a tier's topic renders as a card rather than dropping. Pages of one incident share a
 * `threadId`, so a channel that allows threads keeps each incident in one thread.
 * @see https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 */
export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps?: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: PageKind;
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

export const chatNotification = (page: Page): ChatNotification => {
  const chat = chatOf(page);
  const context = {
    incidentId: page.incidentId,
    kind: page.kind,
    severity: page.severity,
    service: page.service,
    at: page.at,
  };
  return {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: chat.title,
      description: chat.description,
      ...(chat.nextSteps.length > 0 ? { nextSteps: chat.nextSteps } : {}),
      keywords: [page.kind, page.severity, page.service].filter((k) => k !== undefined),
    },
    metadata: {
      threadId: page.incidentId,
      summary: page.subject,
      eventType: page.kind,
      additionalContext: Object.fromEntries(
        Object.entries(context).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    },
  };
};
