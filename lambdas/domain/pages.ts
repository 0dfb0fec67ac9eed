/**
 * Pages in the runbooks' formats: the INCIDENT and RESOLVED templates, the status UPDATE and the
 * ESCALATION templates, a post-mortem reminder, and an ACKNOWLEDGED notice so everyone paged hears who
 * took it. Each page has a plain-text body that reads well in email (what is broken, how bad, what
 * automation found and did, the runbook, and one-click links), an email subject, an SMS form and a
 * chat form.
 *
 * Subjects are printable ASCII under 100 characters and an SMS is one GSM 7-bit message (page-text.ts);
 * the chat form is the content of an AWS Chatbot custom notification, see {@link chatNotification}.
 *
 * Pure: the caller hands in the clock reading, the links it built and everything else it knows.
 */
import type { Incident } from './incident';
import { isOpen } from './lifecycle';
import { chatPage } from './page-chat';
import { automationLines, emailBody, linkLines } from './page-email';
import type { Fact, IncidentPageKind, LinkItem, Page, PageContext, Rendered } from './page-model';
import {
  ascii,
  clip,
  formatDuration,
  gsm,
  hhmm,
  oneLine,
  SUBJECT_LIMIT,
  smsOf,
  subjectOf,
} from './page-text';
import type { ResponderAction } from './responder-actions';
import { lastResolution } from './timeline';

export {
  CHAT_DESCRIPTION_LIMIT,
  CHAT_FIELD_LIMIT,
  CHAT_NEXT_STEPS_LIMIT,
  CHAT_TITLE_LIMIT,
  type ChatNotification,
  chatNotification,
  chatOf,
} from './page-chat';
export {
  AUTOMATION_LINES,
  type ChatPage,
  INCIDENT_PAGE_KINDS,
  type IncidentPageKind,
  PAGE_KINDS,
  type Page,
  type PageContext,
  type PageKind,
} from './page-model';
export { formatDuration, SMS_LIMIT, SMS_SENDER, SUBJECT_LIMIT } from './page-text';

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

/** The label of each one-click link in a page; the URL follows on its own line in an email. */
export const LINK_LABELS: Readonly<Record<ResponderAction, string>> = {
  approve: 'Approve',
  deny: 'Deny (no automatic action)',
  ack: 'Acknowledge (take ownership)',
  escalate: 'Escalate (page the next tier now)',
  resolve: 'Resolve (it is fixed)',
  publish: 'Publish to the status page',
  // Only the incident page offers a note alone; pages carry the other links.
  note: 'Add a note',
};

/** The one-click links, in the order a responder weighs them: the pending approval first. */
const linkItems = (kind: IncidentPageKind, incident: Incident, ctx: PageContext): LinkItem[] => {
  if (kind === 'RESOLVED' || !isOpen(incident.status)) return [];
  const out: LinkItem[] = [];
  if (ctx.approvalPending) {
    for (const act of ['approve', 'deny'] as const) {
      const url = ctx.links?.[act];
      const label = act === 'approve' ? `Approve (${oneLine(ctx.approvalPending)})` : LINK_LABELS.deny;
      out.push(url ? { label, url } : { label, fallback: `incident ${act} ${incident.id} --by NAME` });
    }
  }
  for (const act of ['ack', 'escalate', 'resolve', 'publish'] as const) {
    const url = ctx.links?.[act];
    if (url) out.push({ label: LINK_LABELS[act], url });
  }
  return out;
};

/**
 * Renders one page of `kind` about `incident`: subject, email body, SMS and chat form. The links and
 * the incident page link are the caller's, already signed for the recipient; none reaches the SMS but
 * the acknowledge link.
 */
export const renderPage = (kind: IncidentPageKind, incident: Incident, ctx: PageContext): Page => {
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
  const paged: Fact | undefined = ctx.paged
    ? ['Paged', `${oneLine(ctx.paged.who)} (${oneLine(ctx.paged.why)})`]
    : undefined;
  const id: Fact = ['Incident ID', incident.id];
  const severity: Fact = ['Severity', incident.severity];
  const impact: Fact = ['Impact', impactOf(incident)];
  // Every page of an open incident carries the same state block: impact, status, when it was
  // detected and how long it has lasted.
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
          facts: [id, severity, ...state, responder, paged, nextUpdate, approval, '', diagnosis],
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
            ctx.paged
              ? [
                  'Next person',
                  `${oneLine(ctx.paged.who)} for ${ctx.tier ?? 'the tier'} (${oneLine(ctx.paged.why)})`,
                ]
              : ctx.tier
                ? ['Next person', ctx.tier]
                : undefined,
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
    body: emailBody(
      rendered,
      title,
      () => [
        ...automationLines(automation),
        '',
        `Runbook: ${incident.runbookUrl ?? 'none configured'}`,
        ...linkLines(links),
      ],
      ctx.incidentPage,
    ),
    sms: rendered.sms,
    severity: incident.severity,
    service: incident.service,
    chat: chatPage(rendered, incident, title, automation, links, ctx.incidentPage),
  };
};

const postMortemLine = (incident: Incident): string => {
  const pm = incident.postMortem;
  if (!pm) return 'not required';
  if (pm.doc) return pm.doc;
  return `required, due ${pm.due.slice(0, 16).replace('T', ' ')} UTC (owner ${pm.owner})`;
};
