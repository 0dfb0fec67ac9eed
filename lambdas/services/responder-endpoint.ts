/**
 * The responder endpoint behind one-click page links (`<base>/a/<token>`) and the incident page's
 * read-only link (`<base>/i/<token>`).
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
 *
 * The incident page (GET or HEAD only) verifies its link without spending it, and renders the incident
 * with a button per action that fits it now, each a fresh single-use action link signed for the same
 * recipient, expiring with the page's link. Any problem with that link is the same generic 403.
 *
 * This module decides which page a request gets and its status; web/responder-html.ts and
 * web/incident-page-html.ts render them.
 */
import type { IncidentStore } from '../adapters/incident-store';
import { IncidentNotFoundError, InvalidTransitionError } from '../domain/errors';
import type { Incident } from '../domain/incident';
import { isOpen } from '../domain/lifecycle';
import {
  actionUrl,
  incidentPageUrl,
  LinkRejectedError,
  signLink,
  verifyLink,
  verifyViewLink,
} from '../domain/links';
import {
  type LinkClaims,
  RESPONDER_ACTIONS,
  type ResponderAction,
  type ViewClaims,
} from '../domain/responder-actions';
import { incidentPageHtml } from '../web/incident-page-html';
import {
  appliedHtml,
  confirmHtml,
  conflictHtml,
  MAX_NOTE_LENGTH,
  methodNotAllowedHtml,
  notFoundHtml,
  rejectedHtml,
} from '../web/responder-html';
import type { IncidentPageFacts } from './incident-page';
import { NothingToPublishError } from './lifecycle/status-page';
import {
  acknowledgeIncident,
  addNote,
  answerApproval,
  EmptyNoteError,
  type EscalateDeps,
  escalateIncident,
  NothingToApproveError,
  resolveIncident,
} from './responders';

export interface ResponderEndpointDeps extends EscalateDeps {
  readonly store: Pick<IncidentStore, 'getIncident' | 'useLinkOnce'>;
  /** The link signing secret (SecretsAdapter.value caches it). */
  readonly secret: () => Promise<string>;
  /** Pages `tiers` about an escalation a responder asked for, and records the page on the timeline. */
  readonly pageEscalation: (incidentId: string, tiers: readonly string[], why: string) => Promise<void>;
  /** What the incident page shows beside the record (services/incident-page.ts). */
  readonly pageFacts: (incident: Incident, now: Date) => Promise<IncidentPageFacts>;
  /** A fresh unique id for each button's action link. */
  readonly newId: () => string;
  /** The status page's first posts waiting for a click (lifecycle/status-page.ts). @default no status page */
  readonly statusPage?: {
    readonly waiting: (incidentId: string) => Promise<boolean>;
    /** @throws NothingToPublishError when no post of the incident waits */
    readonly publish: (incidentId: string, by: string) => Promise<void>;
  };
}

export interface ResponderRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | string;
  /** The request path, e.g. `/a/<token>` or `/i/<token>`. */
  readonly path: string;
  /** The query string without `?`; the incident page reads `refresh=off` (the paused view). @default none */
  readonly query?: string;
  /**
   * Where the endpoint answers, e.g. `https://<id>.lambda-url.<region>.on.aws`: the incident page's
   * buttons post there (its CSP allows posting to the same origin only).
   */
  readonly origin: string;
  /** The form-encoded POST body; its optional `note` field goes on the timeline. */
  readonly body?: string;
}

export type ResponderOutcome =
  | 'page'
  | 'confirm'
  | 'applied'
  | 'conflict'
  | 'rejected'
  | 'not-found'
  | 'method-not-allowed';

export interface ResponderResponse {
  readonly status: number;
  readonly html: string;
  /** Headers to send beside the defaults (the incident page's CSP among them). @default none */
  readonly headers?: Readonly<Record<string, string>>;
  /** For the log only, never shown: what happened, and for a rejected link why. */
  readonly outcome: ResponderOutcome;
  readonly reason?: string;
}

const LINK_PATH = /^\/a\/([^/]+)$/;
const PAGE_PATH = /^\/i\/([^/]+)$/;

/** How often the incident page reloads itself, unless paused with `?refresh=off`. */
export const PAGE_REFRESH_SECONDS = 30;

/** Why `action` no longer fits `incident`, or undefined when it does. POST still lets the domain decide. */
const refusal = (action: ResponderAction, incident: Incident): string | undefined => {
  switch (action) {
    case 'ack':
    case 'escalate':
    case 'resolve':
    case 'publish':
      return isOpen(incident.status) ? undefined : `${incident.id} is already ${incident.status}.`;
    case 'note':
      return undefined;
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

const confirmPage = (claims: LinkClaims, incident: Incident): ResponderResponse => {
  const refused = refusal(claims.act, incident);
  const waiting =
    claims.act === 'approve' || claims.act === 'deny'
      ? refused
        ? undefined
        : waitingAction(incident)
      : undefined;
  return {
    status: refused ? 409 : 200,
    html: confirmHtml(claims, incident, { refused, waiting }),
    outcome: refused ? 'conflict' : 'confirm',
  };
};

const rejected = (reason: string): ResponderResponse => ({
  status: 403,
  html: rejectedHtml(),
  outcome: 'rejected',
  reason,
});

const conflict = (claims: LinkClaims, incident: Incident | undefined, why: string): ResponderResponse => ({
  status: 409,
  html: conflictHtml(claims, incident, why),
  outcome: 'conflict',
  reason: why,
});

const notFound: ResponderResponse = {
  status: 404,
  html: notFoundHtml(),
  outcome: 'not-found',
};

const methodNotAllowed: ResponderResponse = {
  status: 405,
  html: methodNotAllowedHtml(),
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
  let paged: readonly string[] | undefined;
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
      if (requested.tiers.length > 0)
        await deps.pageEscalation(claims.inc, requested.tiers, `escalation requested by ${by}`);
      paged = requested.tiers;
      break;
    }
    case 'note':
      incident = await addNote(deps, claims.inc, by, note);
      break;
    case 'publish':
    case 'approve':
    case 'deny': {
      if (claims.act === 'publish') {
        if (!deps.statusPage) throw new NothingToPublishError('this deployment has no status page');
        await deps.statusPage.publish(claims.inc, by);
      } else await answerApproval(deps, claims.inc, claims.act === 'approve', by, note);
      const after = await deps.store.getIncident(claims.inc);
      if (!after) throw new IncidentNotFoundError(`no incident ${claims.inc}`);
      incident = after;
      break;
    }
  }
  return { status: 200, html: appliedHtml(claims, incident, paged), outcome: 'applied' };
};

/** A single-use action link for each action that fits `incident` now, for the page link's recipient. */
const buttonLinks = async (
  deps: ResponderEndpointDeps,
  claims: ViewClaims,
  incident: Incident,
  origin: string,
): Promise<Partial<Record<ResponderAction, string>>> => {
  const secret = await deps.secret();
  const waiting = (await deps.statusPage?.waiting(incident.id)) ?? false;
  const fits = RESPONDER_ACTIONS.filter(
    (act) => refusal(act, incident) === undefined && (act !== 'publish' || waiting),
  );
  return Object.fromEntries(
    fits.map((act) => [
      act,
      actionUrl(
        origin,
        signLink({ v: 1, inc: incident.id, act, to: claims.to, exp: claims.exp, jti: deps.newId() }, secret),
      ),
    ]),
  );
};

/** GET or HEAD of the incident page: the page, or the generic refusal; never a change. */
const incidentPage = async (
  deps: ResponderEndpointDeps,
  request: ResponderRequest,
  token: string,
  now: Date,
): Promise<ResponderResponse> => {
  if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed;
  let claims: ViewClaims;
  try {
    claims = verifyViewLink(token, await deps.secret(), now);
  } catch (error) {
    if (error instanceof LinkRejectedError) return rejected(error.reason);
    throw error;
  }
  const incident = await deps.store.getIncident(claims.inc);
  if (!incident) return rejected('unknown-incident');
  const paused = new URLSearchParams(request.query ?? '').get('refresh') === 'off';
  const url = incidentPageUrl(request.origin, token);
  const page = incidentPageHtml(
    incident,
    {
      ...(await deps.pageFacts(incident, now)),
      actions: await buttonLinks(deps, claims, incident, request.origin),
      ...(paused ? {} : { refreshSeconds: PAGE_REFRESH_SECONDS }),
      toggleRefreshUrl: paused ? url : `${url}?refresh=off`,
    },
    now,
  );
  return {
    status: 200,
    html: request.method === 'HEAD' ? '' : page.html,
    headers: page.headers,
    outcome: 'page',
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
  const pageToken = PAGE_PATH.exec(request.path)?.[1];
  if (pageToken) return incidentPage(deps, request, pageToken, now);
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
    if (
      error instanceof InvalidTransitionError ||
      error instanceof NothingToApproveError ||
      error instanceof EmptyNoteError ||
      error instanceof NothingToPublishError
    ) {
      const current = await deps.store.getIncident(claims.inc);
      return conflict(claims, current, (current && refusal(claims.act, current)) ?? error.message);
    }
    throw error;
  }
};
