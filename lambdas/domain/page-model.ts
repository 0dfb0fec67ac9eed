/** What a page is, and what a caller hands in to render one: the types the page modules share. */
import type { ResponderAction } from './responder-actions';
import type { Severity } from './severity';

export const PAGE_KINDS = [
  'INCIDENT',
  'UPDATE',
  'ESCALATION',
  'RESOLVED',
  'ACKNOWLEDGED',
  'POSTMORTEM',
  'HANDOFF',
] as const;
export type PageKind = (typeof PAGE_KINDS)[number];
/** The kinds about one incident (renderPage); a HANDOFF note lists several (page-handoff.ts). */
export type IncidentPageKind = Exclude<PageKind, 'HANDOFF'>;
export const INCIDENT_PAGE_KINDS = PAGE_KINDS.filter((k): k is IncidentPageKind => k !== 'HANDOFF');

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
  /** The chat form. @default built from `subject` and `body` by `chatOf` (page-chat.ts) */
  readonly chat?: ChatPage;
}

/**
 * A page as chat shows it: a title, the key facts in markdown and the next steps, each one-click link a
 * step of its own. URLs stay bare, as Slack and Teams both make a bare URL clickable while each has its
 * own link syntax; `*label:*` is bold in Slack and still reads well where it is not.
 */
export interface ChatPage {
  /** At most `CHAT_TITLE_LIMIT` characters (page-chat.ts), one line. */
  readonly title: string;
  /** At most `CHAT_DESCRIPTION_LIMIT` characters. */
  readonly description: string;
  /** Joined by newlines, at most `CHAT_NEXT_STEPS_LIMIT` characters; a URL is never cut. */
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
   * Who this page is for and why ("alice-ng", "primary of app, week of 2026-11-30"): a tier that
   * names a schedule pages the people on call, and every page says whom it reached. @default the tier
   */
  readonly paged?: { readonly who: string; readonly why: string };
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
  /**
   * The incident's own page, a read-only link signed for this recipient: every kind carries it once,
   * in the email body and the chat form, never in the SMS (it would not fit one message).
   * @default no incident page link
   */
  readonly incidentPage?: string;
  /** INCIDENT: the status page's first post waits for one click; the page carries the Publish link. */
  readonly publishPending?: boolean;
  /** The automatic action waiting for a person's yes, e.g. "roll back checkout to checkout:41". */
  readonly approvalPending?: string;
  /** ACKNOWLEDGED: who took it. @default the incident's `acknowledgedBy` */
  readonly by?: string;
}

/** The newest automation lines a page shows; older ones stay on the timeline. */
export const AUTOMATION_LINES = 8;

/** One `Label: value` line of a page; '' separates groups. */
export type Fact = readonly [label: string, value: string];
export type FactLine = Fact | '' | undefined;

/** What each kind says, before it is laid out for email and chat. */
export interface Rendered {
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

export interface LinkItem {
  readonly label: string;
  readonly url?: string;
  /** What to do instead when there is no link for this answer. */
  readonly fallback?: string;
}
