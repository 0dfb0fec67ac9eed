/**
 * Pages in the seeds' formats: seed 000's INCIDENT and RESOLVED templates, seed 004's status update
 * and ESCALATION templates, and an ACKNOWLEDGED notice so everyone paged hears who took it. Each page
 * has a plain-text body that reads well in email (what is broken, how bad, what automation found and
 * did, the runbook, and one-click links), an email subject and an SMS form.
 *
 * Subjects are printable ASCII under 100 characters (SNS refuses or rewrites anything else); SMS is at
 * most 160 characters of the GSM 7-bit alphabet, so it travels as one message (a single character
 * outside it would switch the whole SMS to UCS-2, whose limit is 70).
 *
 * Pure: the caller hands in the clock reading, the links it built and everything else it knows.
 */
import type { Incident } from './incident';
import { isOpen } from './lifecycle';
import type { ResponderAction } from './responder-actions';

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

export const SMS_LIMIT = 160;
/** SNS email subjects must be under 100 characters. */
export const SUBJECT_LIMIT = 99;
/** The newest automation lines a page shows; older ones stay on the timeline. */
export const AUTOMATION_LINES = 8;

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
const automationLines = (incident: Incident, ctx: PageContext): string[] => {
  const all =
    ctx.automation ??
    incident.timeline.filter((e) => e.kind === 'action').map((e) => `${hhmm(e.at)} ${oneLine(e.summary)}`);
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

/** The one-click links, each URL alone on its line so mail clients make the whole of it clickable. */
const linkLines = (kind: PageKind, incident: Incident, ctx: PageContext): string[] => {
  if (kind === 'RESOLVED' || !isOpen(incident.status)) return [];
  const out: string[] = [];
  if (ctx.approvalPending) {
    for (const act of ['approve', 'deny'] as const) {
      const url = ctx.links?.[act];
      const label = act === 'approve' ? `Approve (${oneLine(ctx.approvalPending)})` : LINK_LABELS.deny;
      out.push(...(url ? [`${label}:`, url] : [`${label}: incident ${act} ${incident.id} --by NAME`]));
    }
  }
  for (const act of ['ack', 'escalate', 'resolve'] as const) {
    const url = ctx.links?.[act];
    if (url) out.push(`${LINK_LABELS[act]}:`, url);
  }
  return out.length > 0 ? ['', 'Act on it (each link works once):', ...out] : [];
};

const lines = (...parts: Array<string | false | undefined>): string =>
  parts.filter((p) => p !== false && p !== undefined).join('\n');

export const renderPage = (kind: PageKind, incident: Incident, ctx: PageContext): Page => {
  const open = isOpen(incident.status);
  const title = oneLine(incident.title);
  const runbook = `Runbook: ${incident.runbookUrl ?? 'none configured'}`;
  const nextUpdate = `Next Update: ${
    ctx.nextUpdateMinutes === undefined
      ? 'as needed'
      : hhmm(new Date(ctx.now.getTime() + ctx.nextUpdateMinutes * 60_000).toISOString())
  }`;
  const diagnosis = `Diagnosis: ${
    incident.diagnosis ? oneLine(incident.diagnosis.summary) : open ? 'none yet' : 'none recorded'
  }`;
  const responder = `Current responder: ${incident.acknowledgedBy ?? 'nobody has acknowledged yet'}`;
  // Every page of an open incident carries the same state block (seed 000's INCIDENT template).
  const state = [
    `Impact: ${impactOf(incident)}`,
    `Status: ${incident.status}`,
    `Detected: ${hhmm(incident.createdAt)} (alarm ${incident.alarmName})`,
    `Duration: ${formatDuration(incident.createdAt, ctx.now)}`,
  ];
  const approval =
    open && ctx.approvalPending
      ? `Waiting for approval: ${oneLine(ctx.approvalPending)} (no answer in time means no action)`
      : undefined;
  const ackUrl = open && kind !== 'ACKNOWLEDGED' && kind !== 'RESOLVED' ? ctx.links?.ack : undefined;
  const page = (subject: string, body: string, sms: string): Page => ({
    kind,
    incidentId: incident.id,
    at: ctx.now.toISOString(),
    subject,
    body,
    sms,
  });
  const tail = [...automationLines(incident, ctx), '', runbook, ...linkLines(kind, incident, ctx)];

  switch (kind) {
    case 'INCIDENT':
    case 'UPDATE':
      return page(
        subjectOf(kind, incident),
        lines(
          `${kind}: ${title}`,
          `Incident ID: ${incident.id}`,
          `Severity: ${incident.severity}`,
          ...state,
          responder,
          nextUpdate,
          approval,
          '',
          diagnosis,
          ...tail,
        ),
        smsOf(
          `${kind === 'UPDATE' ? 'UPDATE ' : ''}${incident.severity} ${incident.id} ${incident.status}`,
          title,
          ackUrl,
        ),
      );
    case 'ESCALATION': {
      const why = ctx.why ? oneLine(ctx.why) : undefined;
      const reason = ctx.approvalPending ? `approve? ${oneLine(ctx.approvalPending)}` : why;
      return page(
        subjectOf('ESCALATION NEEDED', incident),
        lines(
          `ESCALATION NEEDED: ${title}`,
          `Incident ID: ${incident.id}`,
          `Severity: ${incident.severity}`,
          ...state,
          responder,
          approval,
          '',
          `Why escalating: ${why ?? 'not stated'}`,
          ctx.tier ? `Next person: ${ctx.tier}` : undefined,
          '',
          diagnosis,
          ...tail,
        ),
        smsOf(
          `ESCALATION ${incident.severity} ${incident.id} ${incident.status}`,
          reason ? `${clip(title, 40)} - ${reason}` : title,
          ackUrl,
        ),
      );
    }
    case 'ACKNOWLEDGED': {
      const by = oneLine(ctx.by ?? incident.acknowledgedBy ?? 'someone');
      const at = incident.statusTimestamps.ACKNOWLEDGED ?? ctx.now.toISOString();
      return page(
        clip(
          ascii(`ACKNOWLEDGED by ${clip(by, 30)}: [${incident.severity}] ${incident.id} ${title}`),
          SUBJECT_LIMIT,
        ),
        lines(
          `ACKNOWLEDGED: ${title}`,
          `Incident ID: ${incident.id}`,
          `Severity: ${incident.severity}`,
          `Acknowledged by: ${by} at ${hhmm(at)}`,
          ...state,
          nextUpdate,
          approval,
          '',
          diagnosis,
          ...tail,
        ),
        smsOf(`ACK ${incident.severity} ${incident.id} by ${clip(gsm(by), 30)}`, title, undefined),
      );
    }
    case 'RESOLVED': {
      const resolvedAt = incident.statusTimestamps.RESOLVED ?? ctx.now.toISOString();
      const duration = formatDuration(incident.createdAt, new Date(resolvedAt));
      const resolvedBy = incident.timeline.findLast(
        (e) => e.kind === 'status' && e.details?.to === 'RESOLVED',
      );
      return page(
        subjectOf('RESOLVED', incident),
        lines(
          `RESOLVED: ${title}`,
          `Incident ID: ${incident.id}`,
          `Severity: ${incident.severity}`,
          `Impact: ${impactOf(incident)}`,
          `Resolution Time: ${duration} (${hhmm(incident.createdAt)} to ${hhmm(resolvedAt)})`,
          resolvedBy ? `Resolved by: ${resolvedBy.actor.name} (${resolvedBy.actor.type})` : undefined,
          `Root Cause: ${ctx.why ? oneLine(ctx.why) : 'to be established in the post-incident review'}`,
          `Report: ${incident.report?.url ?? 'not written'}`,
          `Post-Mortem: ${postMortemLine(incident)}`,
          '',
          diagnosis,
          ...tail,
        ),
        smsOf(`RESOLVED ${incident.severity} ${incident.id} after ${duration}`, title, undefined),
      );
    }
    case 'POSTMORTEM': {
      const due = incident.postMortem?.due;
      const overdue = due !== undefined && ctx.now.toISOString() >= due;
      const when = due
        ? `${overdue ? 'OVERDUE since' : 'due'} ${due.slice(0, 16).replace('T', ' ')} UTC`
        : 'due';
      return page(
        subjectOf(overdue ? 'POST-MORTEM OVERDUE' : 'POST-MORTEM DUE', incident),
        lines(
          `POST-MORTEM ${overdue ? 'OVERDUE' : 'DUE'}: ${title}`,
          `Incident ID: ${incident.id}`,
          `Severity: ${incident.severity}`,
          `Impact: ${impactOf(incident)}`,
          `Resolved: ${hhmm(incident.statusTimestamps.RESOLVED ?? incident.updatedAt)}`,
          `Post-Mortem: ${when}, owner ${incident.postMortem?.owner ?? 'not set'}`,
          `Report: ${incident.report?.url ?? 'incident report ' + incident.id}`,
          '',
          'Post-mortem checklist (required for P1/P2):',
          '- Schedule the post-mortem meeting',
          '- Document the incident timeline (start from the report)',
          '- Identify the root cause',
          '- List action items and assign owners',
          '',
          `When done: incident postmortem ${incident.id} --done --doc URL --by NAME`,
        ),
        smsOf(
          `POST-MORTEM ${overdue ? 'OVERDUE' : 'DUE'} ${incident.severity} ${incident.id}`,
          title,
          undefined,
        ),
      );
    }
  }
};

const postMortemLine = (incident: Incident): string => {
  const pm = incident.postMortem;
  if (!pm) return 'not required';
  if (pm.doc) return pm.doc;
  return `required, due ${pm.due.slice(0, 16).replace('T', ' ')} UTC (owner ${pm.owner})`;
};
