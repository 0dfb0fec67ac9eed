/**
 * The incident's own page, behind its read-only signed link (issue 14): the facts, the diagnosis, the
 * actions and guardrail decisions, the timeline and the links, with a button for each action that fits
 * the incident now. This module only renders; the responder endpoint verifies the link, signs a fresh
 * single-use URL for each button on every render, and decides which buttons fit.
 *
 * - Plain server-rendered HTML, usable without JavaScript: it reloads itself with `<meta refresh>`,
 *   which a person can pause to write a note (a reload would lose the text). The note is sent with the
 *   button pressed, through that action's link (no separate note endpoint).
 * - Every value interpolated is escaped with the responder pages' `escapeHtml`, and every link or form
 *   action that is not http(s) is left out, so nothing from the record reaches the page as markup.
 * - The Content-Security-Policy header allows the page's one inline style by its hash, posting to the
 *   same origin only (so the buttons' URLs must be the responder endpoint's), and no framing.
 * - Readable on a phone at 3 a.m.: large type, one column, buttons the full width and 3rem tall.
 */
import { createHash } from 'node:crypto';
import type { Incident } from '../domain/incident';
import { formatDuration } from '../domain/pages';
import { RESPONDER_ACTIONS, type ResponderAction } from '../domain/responder-actions';
import type { Severity } from '../domain/severity';
import type { ActionEntry, TimelineEntry } from '../domain/timeline';
import { escapeHtml, MAX_NOTE_LENGTH } from './responder-html';

/** What the page shows beside the incident record, gathered by the responder endpoint. */
export interface IncidentPageView {
  /** Who is on call for the incident's tiers now (empty: nobody, so the fallback is paged). */
  readonly onCall: readonly string[];
  /** Minutes to acknowledge, per severity (the config's `responseMinutes`; null: no target). */
  readonly responseMinutes: Readonly<Record<Severity, number | null>>;
  readonly links: { readonly runbook?: string; readonly dashboard?: string; readonly report?: string };
  /**
   * A signed, single-use URL per action that fits the incident now; an action left out has no button.
   * The page's one note goes with whichever button is pressed (the action link's `note` field).
   */
  readonly actions: Readonly<Partial<Record<ResponderAction, string>>>;
  /** How often the page reloads itself. @default no reload: the paused view, for writing a note */
  readonly refreshSeconds?: number;
  /** The same page with reloading switched the other way (paused when it reloads, reloading when paused). */
  readonly toggleRefreshUrl: string;
}

export interface IncidentPage {
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

const BUTTONS: Readonly<Record<ResponderAction, string>> = {
  ack: 'Acknowledge',
  escalate: 'Escalate to the next tier',
  resolve: 'Resolve',
  approve: 'Approve the automatic action',
  deny: 'Deny the automatic action',
  publish: 'Publish to the status page',
  note: 'Add the note only',
};

const STYLE =
  'body{font:1.125rem/1.5 system-ui,sans-serif;color:#111;background:#fff;max-width:40rem;margin:0 auto;padding:1rem}' +
  'h1{font-size:1.5rem;line-height:1.25}h2{margin-top:2rem;border-bottom:2px solid #111}' +
  'dt{font-weight:700}dd{margin:0 0 .75rem}ol,ul{padding-left:1.25rem}li{margin:.5rem 0}' +
  'a{color:#0b3d91}li a{display:inline-block;padding:.5rem 0}.late{color:#a1001f;font-weight:700}' +
  'button{font:inherit;font-weight:700;width:100%;min-height:3rem;margin:.25rem 0;padding:.5rem 1rem;' +
  'color:#fff;background:#0b3d91;border:2px solid #111;border-radius:.375rem}' +
  'textarea{font:inherit;width:100%;box-sizing:border-box;min-height:6rem;border:2px solid #111}' +
  ':focus{outline:3px solid #a1001f;outline-offset:2px}';

/** The header the page is served with: nothing loads, only its own style applies, forms post back only. */
export const INCIDENT_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': INCIDENT_PAGE_CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex, nofollow',
} as const;

/** The URL when it is http(s), else undefined: a `javascript:` link or action is never rendered. */
const safeUrl = (url: string | undefined): string | undefined => {
  if (url === undefined || !URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
};

/** An instant in a <time>: the time of day when it is today (UTC), the date too when not. */
const timeHtml = (iso: string, now: Date): string => {
  const shown = iso.slice(0, 10) === now.toISOString().slice(0, 10) ? iso.slice(11, 16) : iso.slice(0, 16);
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(`${shown.replace('T', ' ')} UTC`)}</time>`;
};

const minutesBetween = (fromIso: string, to: Date): number => (to.getTime() - Date.parse(fromIso)) / 60_000;

/** Who acknowledged and how long it took, or how long it has waited, against the severity's response target. */
const acknowledgement = (incident: Incident, target: number | null, now: Date): string => {
  const ackAt = incident.statusTimestamps.ACKNOWLEDGED;
  const end = ackAt === undefined ? now : new Date(ackAt);
  const took = minutesBetween(incident.createdAt, end);
  const late = target !== null && took > target;
  const against =
    target === null
      ? `${incident.severity} has no response target`
      : late
        ? `${Math.ceil(took - target)} min past the ${target} min target`
        : ackAt === undefined
          ? `${Math.floor(target - took)} min left of the ${target} min target`
          : `within the ${target} min target`;
  const who = ackAt === undefined ? 'Not yet' : (incident.acknowledgedBy ?? 'Yes');
  const text = escapeHtml(`${who}, after ${formatDuration(incident.createdAt, end)} (${against})`);
  return late ? `<span class="late">${text}</span>` : text;
};

const factsHtml = (incident: Incident, view: IncidentPageView, now: Date): string => {
  const resolvedAt = incident.statusTimestamps.RESOLVED;
  const ended = incident.status === 'RESOLVED' || incident.status === 'CLOSED';
  const facts: [string, string][] = [
    ['Severity', escapeHtml(incident.severity)],
    ['Status', escapeHtml(incident.status)],
    ['Service', escapeHtml(incident.service)],
    [
      'On call',
      escapeHtml(view.onCall.length > 0 ? view.onCall.join(', ') : 'nobody: the fallback is paged'),
    ],
    ['Acknowledged', acknowledgement(incident, view.responseMinutes[incident.severity], now)],
    [
      ended ? 'Lasted' : 'Open for',
      escapeHtml(formatDuration(incident.createdAt, ended && resolvedAt ? new Date(resolvedAt) : now)),
    ],
    ['Started', timeHtml(incident.createdAt, now)],
  ];
  if (incident.reopenCount > 0) facts.push(['Reopened', escapeHtml(`${incident.reopenCount} times`)]);
  if (incident.suppressed) {
    facts.push(['Silenced', escapeHtml(`until ${incident.suppressed.until}: ${incident.suppressed.reason}`)]);
  }
  return `<dl>\n${facts.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${value}</dd>`).join('\n')}\n</dl>`;
};

/**
 * One form: the optional note, then a button per action, each posting to its own signed URL
 * (`formaction`), so the note reaches the timeline with the action through the one action mechanism.
 */
const respondHtml = (incident: Incident, view: IncidentPageView): string => {
  const waiting =
    view.actions.approve || view.actions.deny
      ? incident.timeline.findLast(
          (e): e is ActionEntry => e.kind === 'action' && e.details?.verdict === 'needs-approval',
        )
      : undefined;
  const buttons = RESPONDER_ACTIONS.flatMap((act) => {
    const url = safeUrl(view.actions[act]);
    return url
      ? [
          {
            url,
            html: `<button type="submit" formaction="${escapeHtml(url)}">${escapeHtml(BUTTONS[act])}</button>`,
          },
        ]
      : [];
  });
  const first = buttons[0];
  if (!first) return `<p>Nothing to do from here: the incident is ${escapeHtml(incident.status)}.</p>`;
  return [
    waiting ? `<p>Automation waits for approval: ${escapeHtml(waiting.summary)}</p>` : '',
    `<form method="post" action="${escapeHtml(first.url)}">`,
    `<p><label for="note">Note for the timeline (sent with the button you press; Add the note only changes nothing else)</label><br><textarea id="note" name="note" maxlength="${MAX_NOTE_LENGTH}" rows="4"></textarea></p>`,
    ...buttons.map((b) => b.html),
    '</form>',
  ]
    .filter((part) => part !== '')
    .join('\n');
};

const diagnosisHtml = (incident: Incident): string => {
  const d = incident.diagnosis;
  if (!d) return '<p>No diagnosis yet.</p>';
  const recommended = [
    d.recommended,
    d.rollbackTo ? `to ${d.rollbackTo}` : '',
    d.scaleTo ? `to ${d.scaleTo} tasks` : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
  const findings = d.findings.map(
    (f) =>
      `<li>${escapeHtml(`${f.source}: ${f.summary}${f.unavailable ? ' (could not be read)' : ''}`)}</li>`,
  );
  return `<p>${escapeHtml(d.summary)}</p>
<dl><dt>Suspected cause</dt><dd>${escapeHtml(d.suspectedCause)}</dd><dt>Recommended</dt><dd>${escapeHtml(recommended)}</dd></dl>
${findings.length > 0 ? `<ul>${findings.join('')}</ul>` : ''}`;
};

const linksHtml = (incident: Incident, view: IncidentPageView): string => {
  const links = (
    [
      ['Runbook', view.links.runbook],
      ['Dashboard', view.links.dashboard],
      ['Incident report', view.links.report],
    ] as const
  ).flatMap(([label, url]) => {
    const href = safeUrl(url);
    return href ? [`<li><a href="${escapeHtml(href)}">${escapeHtml(label)}</a></li>`] : [];
  });
  return links.length > 0
    ? `<ul>${links.join('')}</ul>`
    : `<p>No runbook, dashboard or report for ${escapeHtml(incident.id)} yet.</p>`;
};

/** What a guardrail decided or an action did, in words: "needs-approval rollback", "done restart". */
const actionWords = (entry: ActionEntry): string => {
  const d = entry.details;
  const what = d?.verdict ?? (d?.executed ? 'done' : 'action');
  return [what, d?.playbook].filter((part) => part !== undefined).join(' ');
};

const entryHtml = (entry: TimelineEntry, now: Date, label: string): string =>
  `<li>${timeHtml(entry.at, now)} <strong>${escapeHtml(label)}</strong> ${escapeHtml(
    `${entry.actor.name}: ${entry.summary}`,
  )}</li>`;

const newestFirst = (entries: readonly TimelineEntry[]): TimelineEntry[] => [...entries].reverse();

const automationHtml = (incident: Incident, now: Date): string => {
  const actions = newestFirst(incident.timeline).filter((e): e is ActionEntry => e.kind === 'action');
  return actions.length > 0
    ? `<ol>${actions.map((e) => entryHtml(e, now, actionWords(e))).join('\n')}</ol>`
    : '<p>No automatic action or guardrail decision yet.</p>';
};

/**
 * The timeline newest first: a person who opens the page (or sees it reload) reads what just happened
 * without scrolling past the start of the incident; the numbers count down to 1, the detection.
 */
const timelineHtml = (incident: Incident, now: Date): string =>
  `<ol reversed>${newestFirst(incident.timeline)
    .map((e) => entryHtml(e, now, e.kind))
    .join('\n')}</ol>`;

/** The reload period in whole seconds, at least 1 (0 would reload without pause), or undefined when paused. */
const reloadSeconds = ({ refreshSeconds }: IncidentPageView): number | undefined =>
  refreshSeconds !== undefined && refreshSeconds > 0 ? Math.max(1, Math.round(refreshSeconds)) : undefined;

const refreshHtml = (view: IncidentPageView): string => {
  const seconds = reloadSeconds(view);
  const toggle = safeUrl(view.toggleRefreshUrl);
  const link = (text: string) => (toggle ? ` <a href="${escapeHtml(toggle)}">${escapeHtml(text)}</a>` : '');
  return seconds
    ? `<p>This page reloads every ${seconds} s.${link('Stop reloading, to write a note')}</p>`
    : `<p>This page does not reload by itself.${link('Reload it automatically')}</p>`;
};

/**
 * Renders the incident page, with the headers to send it with. `now` is the clock reading for the
 * durations (how long open, how long until or past the response target).
 */
export const incidentPageHtml = (incident: Incident, view: IncidentPageView, now: Date): IncidentPage => {
  const title = `${incident.id}: ${incident.title}`;
  const seconds = reloadSeconds(view);
  const refresh = seconds ? `\n<meta http-equiv="refresh" content="${seconds}">` : '';
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">${refresh}
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${refreshHtml(view)}
${factsHtml(incident, view, now)}
<h2>Respond</h2>
${respondHtml(incident, view)}
<h2>Diagnosis</h2>
${diagnosisHtml(incident)}
<h2>Links</h2>
${linksHtml(incident, view)}
<h2>Actions and guardrail decisions</h2>
${automationHtml(incident, now)}
<h2>Timeline</h2>
${timelineHtml(incident, now)}
</main>
</body>
</html>
`;
  return { html, headers: { ...HEADERS } };
};
