/**
 * The HTML pages of the responder endpoint (services/responder-endpoint.ts decides which one a
 * request gets, and its status; these functions only render).
 *
 * - Every value interpolated into `html` is escaped, unless it is already `Html` (a fragment built
 *   the same way), so nothing from the record or the link reaches the page as markup.
 * - Every page is complete and stands alone: no script, no outside resource (the Content-Security-
 *   Policy allows inline style and posting back to the same origin only), no referrer, not indexed.
 */
import type { Incident } from '../domain/incident';
import type { LinkClaims, ResponderAction } from '../domain/responder-actions';

/** Longest note the form takes; the endpoint cuts anything longer to it. */
export const MAX_NOTE_LENGTH = 500;

/** Text inserted into a page as it is (already escaped); anything else interpolated into `html` is escaped. */
class Html {
  constructor(readonly text: string) {}
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const fragment = (value: unknown): string => {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
};

const html = (strings: TemplateStringsArray, ...values: unknown[]): Html =>
  new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? fragment(values[i]) : ''), ''));

const layout = (title: string, body: Html): string =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; form-action 'self'">
<title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.4}dt{font-weight:600}button{font-size:1.1rem;padding:.5rem 1.5rem}</style>
</head>
<body>
<h1>${title}</h1>
${body}
</body>
</html>
`.text;

interface ActionWords {
  readonly title: string;
  readonly button: string;
  readonly effect: (claims: LinkClaims) => string;
  readonly done: string;
}

const WORDS: Readonly<Record<ResponderAction, ActionWords>> = {
  ack: {
    title: 'Acknowledge',
    button: 'Acknowledge',
    effect: (c) => `records ${c.to} as the owner of ${c.inc}.`,
    done: 'acknowledged',
  },
  escalate: {
    title: 'Escalate',
    button: 'Escalate',
    effect: (c) => `pages the next tier of the escalation policy about ${c.inc}.`,
    done: 'escalated',
  },
  resolve: {
    title: 'Resolve',
    button: 'Resolve',
    effect: (c) => `marks ${c.inc} resolved; everyone paged hears about it.`,
    done: 'resolved',
  },
  approve: {
    title: 'Approve the automatic action on',
    button: 'Approve',
    effect: (c) => `lets the automatic action waiting on ${c.inc} run.`,
    done: 'approved',
  },
  deny: {
    title: 'Deny the automatic action on',
    button: 'Deny',
    effect: (c) => `stops the automatic action waiting on ${c.inc}; the workflow escalates without it.`,
    done: 'denied',
  },
  publish: {
    title: 'Publish to the status page about',
    button: 'Publish',
    effect: (c) => `posts the drafted first update about ${c.inc} on the public status page.`,
    done: 'published to the status page',
  },
  note: {
    title: 'Add a note to',
    button: 'Add the note',
    effect: (c) => `adds your note to the timeline of ${c.inc}, as ${c.to}, and changes nothing else.`,
    done: 'noted',
  },
};

const facts = (incident: Incident): Html => html`<dl>
<dt>Incident</dt><dd>${incident.id}: ${incident.title}</dd>
<dt>Severity</dt><dd>${incident.severity}</dd>
<dt>Status</dt><dd>${incident.status}</dd>
<dt>Owner</dt><dd>${incident.acknowledgedBy ?? 'nobody has acknowledged'}</dd>
</dl>`;

const heading = (claims: LinkClaims): string => `${WORDS[claims.act].title} ${claims.inc}`;

/**
 * What a GET of the link shows: what the action does, the incident, and the button (a form that
 * posts back with an optional note). With `refused` (why the action no longer fits), no button.
 * `waiting` is what automation asked to do, for an approval.
 */
export const confirmHtml = (
  claims: LinkClaims,
  incident: Incident,
  { refused, waiting }: { readonly refused?: string | undefined; readonly waiting?: string | undefined },
): string => {
  const words = WORDS[claims.act];
  const body = html`<p>${words.button} ${words.effect(claims)}</p>
${facts(incident)}
${waiting ? html`<p>Automation is ${waiting}.</p>` : ''}
${
  refused
    ? html`<p><strong>Nothing to do:</strong> ${refused}</p>`
    : html`<form method="post">
<p><label>Note for the timeline (optional)<br><input type="text" name="note" maxlength="${MAX_NOTE_LENGTH}" size="40"></label></p>
<p><button type="submit">${words.button}</button></p>
</form>
<p>Acting as ${claims.to}. This link works once, until ${new Date(claims.exp * 1000).toISOString()}.</p>`
}`;
  return layout(heading(claims), body);
};

/**
 * What a POST shows once the action is applied, by `claims.to`. For an escalation, `paged` lists
 * the tiers it paged (none: every tier had been paged already).
 */
export const appliedHtml = (claims: LinkClaims, incident: Incident, paged?: readonly string[]): string => {
  const words = WORDS[claims.act];
  const extra =
    paged === undefined
      ? ''
      : paged.length > 0
        ? html`<p>Paged: ${paged.join(', ')}.</p>`
        : html`<p>Every tier of the escalation policy has been paged already.</p>`;
  return layout(
    `${incident.id} ${words.done}`,
    html`<p>${incident.id} ${words.done} by ${claims.to}.</p>${extra}${facts(incident)}`,
  );
};

/** A valid link whose action no longer fits the incident: says why, and shows the incident when it exists. */
export const conflictHtml = (claims: LinkClaims, incident: Incident | undefined, why: string): string =>
  layout(
    heading(claims),
    html`<p><strong>Nothing to do:</strong> ${why}</p>${incident ? facts(incident) : ''}`,
  );

/** Any problem with the link itself: one page that says nothing about why. */
export const rejectedHtml = (): string =>
  layout(
    'This link cannot be used',
    html`<p>The link is not valid: it may have expired, or been used already.</p>
<p>Nothing was changed. Use the incident CLI, or the newest page about the incident.</p>`,
  );

export const notFoundHtml = (): string => layout('Not found', html`<p>There is nothing here.</p>`);

export const methodNotAllowedHtml = (): string =>
  layout('Method not allowed', html`<p>Open the link from the page you received.</p>`);
