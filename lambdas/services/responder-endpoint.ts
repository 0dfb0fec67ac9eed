/**
 * The responder endpoint behind one-click page links (`<base>/a/<token>`).
 *
 * - GET shows what the link will do, to which incident, and a button; it changes nothing, because
 *   mail scanners and link previews follow GET links.
 * - POST (the button) spends the link (its `jti`, once) and applies the action through the same code
 *   path as the CLI (services/responders.ts).
 *
 * Any problem with the link itself (altered, expired, already used, an incident that does not exist)
 * is a 403 with one generic page that says nothing about why; the reason goes to the log only. A valid
 * link whose action no longer fits the incident (nothing waiting for approval, already resolved) is a
 * 409 that says so. The link is spent before the action runs, so two clicks can never act twice; a
 * click refused with 409 (or failing half-way) has still spent it, and the CLI remains.
 */
import type { IncidentStore } from '../adapters/incident-store';
import { IncidentNotFoundError, InvalidTransitionError } from '../domain/errors';
import type { Incident } from '../domain/incident';
import { isOpen } from '../domain/lifecycle';
import { LinkRejectedError, verifyLink } from '../domain/links';
import type { LinkClaims, ResponderAction } from '../domain/responder-actions';
import {
  acknowledgeIncident,
  answerApproval,
  type EscalateDeps,
  escalateIncident,
  NothingToApproveError,
  resolveIncident,
} from './responders';

export interface ResponderEndpointDeps extends EscalateDeps {
  readonly store: Pick<IncidentStore, 'getIncident' | 'useLinkOnce'>;
  /** The link signing secret (SecretsAdapter.signingSecret caches it). */
  readonly secret: () => Promise<string>;
  /** Pages `tiers` about an escalation a responder asked for, and records the page on the timeline. */
  readonly pageEscalation: (incidentId: string, tiers: readonly string[], why: string) => Promise<void>;
}

export interface ResponderRequest {
  readonly method: 'GET' | 'POST' | string;
  /** The request path, e.g. `/a/<token>`. */
  readonly path: string;
  /** The form-encoded POST body; its optional `note` field goes on the timeline. */
  readonly body?: string;
}

export type ResponderOutcome =
  | 'confirm'
  | 'applied'
  | 'conflict'
  | 'rejected'
  | 'not-found'
  | 'method-not-allowed';

export interface ResponderResponse {
  readonly status: number;
  readonly html: string;
  /** For the log only, never shown: what happened, and for a rejected link why. */
  readonly outcome: ResponderOutcome;
  readonly reason?: string;
}

/** Longest note kept from the form; the rest is cut. */
export const MAX_NOTE_LENGTH = 500;

const LINK_PATH = /^\/a\/([^/]+)$/;

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
};

/** Why `action` no longer fits `incident`, or undefined when it does. POST still lets the domain decide. */
const refusal = (action: ResponderAction, incident: Incident): string | undefined => {
  switch (action) {
    case 'ack':
    case 'escalate':
    case 'resolve':
      return isOpen(incident.status) ? undefined : `${incident.id} is already ${incident.status}.`;
    case 'approve':
    case 'deny':
      return incident.approvalToken
        ? undefined
        : `No automatic action on ${incident.id} is waiting for approval (any more).`;
  }
};

/** What automation asked to do, from the timeline entry written when it started waiting. */
const waitingAction = (incident: Incident): string | undefined =>
  [...incident.timeline]
    .reverse()
    .find((e) => e.kind === 'action' && e.summary.startsWith('waiting for approval'))?.summary;

const facts = (incident: Incident): Html => html`<dl>
<dt>Incident</dt><dd>${incident.id}: ${incident.title}</dd>
<dt>Severity</dt><dd>${incident.severity}</dd>
<dt>Status</dt><dd>${incident.status}</dd>
<dt>Owner</dt><dd>${incident.acknowledgedBy ?? 'nobody has acknowledged'}</dd>
</dl>`;

const heading = (claims: LinkClaims): string => `${WORDS[claims.act].title} ${claims.inc}`;

const confirmPage = (claims: LinkClaims, incident: Incident): ResponderResponse => {
  const words = WORDS[claims.act];
  const refused = refusal(claims.act, incident);
  const waiting =
    claims.act === 'approve' || claims.act === 'deny'
      ? refused
        ? undefined
        : waitingAction(incident)
      : undefined;
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
  return {
    status: refused ? 409 : 200,
    html: layout(heading(claims), body),
    outcome: refused ? 'conflict' : 'confirm',
  };
};

const rejected = (reason: string): ResponderResponse => ({
  status: 403,
  html: layout(
    'This link cannot be used',
    html`<p>The link is not valid: it may have expired, or been used already.</p>
<p>Nothing was changed. Use the incident CLI, or the newest page about the incident.</p>`,
  ),
  outcome: 'rejected',
  reason,
});

const conflict = (claims: LinkClaims, incident: Incident | undefined, why: string): ResponderResponse => ({
  status: 409,
  html: layout(
    heading(claims),
    html`<p><strong>Nothing to do:</strong> ${why}</p>${incident ? facts(incident) : ''}`,
  ),
  outcome: 'conflict',
  reason: why,
});

const notFound: ResponderResponse = {
  status: 404,
  html: layout('Not found', html`<p>There is nothing here.</p>`),
  outcome: 'not-found',
};

const methodNotAllowed: ResponderResponse = {
  status: 405,
  html: layout('Method not allowed', html`<p>Open the link from the page you received.</p>`),
  outcome: 'method-not-allowed',
};

const noteFrom = (body: string | undefined): string | undefined => {
  const note = new URLSearchParams(body ?? '').get('note')?.trim();
  return note ? note.slice(0, MAX_NOTE_LENGTH) : undefined;
};

/** Applies the link's action as `claims.to`; returns the page that says what happened. */
const apply = async (
  deps: ResponderEndpointDeps,
  claims: LinkClaims,
  note: string | undefined,
): Promise<ResponderResponse> => {
  const by = claims.to;
  let incident: Incident;
  let extra: Html | string = '';
  switch (claims.act) {
    case 'ack':
      incident = await acknowledgeIncident(deps, claims.inc, by, note);
      break;
    case 'resolve':
      incident = await resolveIncident(deps, claims.inc, by, note);
      break;
    case 'escalate': {
      const requested = await escalateIncident(deps, claims.inc, by, note);
      incident = requested.incident;
      if (requested.tiers.length > 0) {
        await deps.pageEscalation(claims.inc, requested.tiers, `escalation requested by ${by}`);
        extra = html`<p>Paged: ${requested.tiers.join(', ')}.</p>`;
      } else {
        extra = html`<p>Every tier of the escalation policy has been paged already.</p>`;
      }
      break;
    }
    case 'approve':
    case 'deny': {
      await answerApproval(deps, claims.inc, claims.act === 'approve', by, note);
      const after = await deps.store.getIncident(claims.inc);
      if (!after) throw new IncidentNotFoundError(`no incident ${claims.inc}`);
      incident = after;
      break;
    }
  }
  const words = WORDS[claims.act];
  return {
    status: 200,
    html: layout(
      `${incident.id} ${words.done}`,
      html`<p>${incident.id} ${words.done} by ${by}.</p>${extra}${facts(incident)}`,
    ),
    outcome: 'applied',
  };
};

/**
 * Answers one request to the responder endpoint (see the module comment). `now` decides expiry.
 * Errors other than a refused link or a conflict (the store, the workflow, the secret) are thrown:
 * the handler turns them into a generic 500 page.
 */
export const handleResponderRequest = async (
  deps: ResponderEndpointDeps,
  request: ResponderRequest,
  now: Date,
): Promise<ResponderResponse> => {
  const token = LINK_PATH.exec(request.path)?.[1];
  if (!token) return notFound;
  if (request.method !== 'GET' && request.method !== 'POST') return methodNotAllowed;

  let claims: LinkClaims;
  try {
    claims = verifyLink(token, await deps.secret(), now);
  } catch (error) {
    if (error instanceof LinkRejectedError) return rejected(error.reason);
    throw error;
  }
  const incident = await deps.store.getIncident(claims.inc);
  if (!incident) return rejected('unknown-incident');
  if (request.method === 'GET') return confirmPage(claims, incident);

  if (!(await deps.store.useLinkOnce(claims.jti, claims.exp))) return rejected('used');
  try {
    return await apply(deps, claims, noteFrom(request.body));
  } catch (error) {
    if (error instanceof InvalidTransitionError || error instanceof NothingToApproveError) {
      const current = await deps.store.getIncident(claims.inc);
      return conflict(claims, current, (current && refusal(claims.act, current)) ?? error.message);
    }
    throw error;
  }
};
