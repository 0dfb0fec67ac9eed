/**
 * Incident tickets (issue 15): what a GitHub issue or a Jira issue says about an incident, the marker
 * that finds it again, the comments on acknowledge and resolve, and the port the ticket adapters
 * implement.
 *
 * Every ticket carries the marker `incident-id: <id>`: GitHub as an HTML comment in the body (searched
 * for) and as a visible line, Jira as the label `incident-<id in lower case>` (labels cannot hold
 * spaces or colons) and a visible line. A create whose response was lost (a timeout, a 5xx after the
 * write) is then found by its marker rather than made twice.
 *
 * Pure: no SDK, no env, no clock.
 */
import { IncidentError } from './errors';
import type { Status } from './lifecycle';
import type { Severity } from './severity';
import type { CallOutcome } from './webhook-signature';

/** What a ticket is written from: the incident as the ticket step has it. */
export interface TicketIncident {
  readonly id: string;
  readonly title: string;
  readonly service: string;
  readonly severity: Severity;
  readonly status: Status;
  readonly createdAt: string;
  readonly runbookUrl?: string;
  /** The latest diagnosis's one-line summary. */
  readonly diagnosisSummary?: string;
}

/** The ticket systems there are adapters for. */
export type TicketProvider = 'github' | 'jira';

/** A ticket as the incident record keeps it. */
export interface TicketRef {
  readonly provider: TicketProvider;
  /** The GitHub issue number (as a string) or the Jira issue key such as `OPS-42`. */
  readonly key: string;
  /** Where a person opens it. */
  readonly url: string;
}

/** A ticket system, as the ticket steps use it; one implementation per provider in lambdas/adapters. */
export interface TicketAdapter {
  readonly provider: TicketProvider;
  /** The incident's ticket found by its marker (the oldest, should there be more than one), if any. */
  findByIncident(incidentId: string): Promise<TicketRef | undefined>;
  create(incident: TicketIncident): Promise<TicketRef>;
  comment(ticket: TicketRef, text: string): Promise<void>;
  /** Closes (GitHub) or transitions (Jira) the ticket as resolved. */
  close(ticket: TicketRef): Promise<void>;
  /** Opens a closed ticket again (GitHub), or transitions it back (Jira's reopenTransition). */
  reopen(ticket: TicketRef): Promise<void>;
}

/**
 * A ticket API call that failed, after the adapter's own retries. `outcome` is how it failed (an HTTP
 * status, or a network error or timeout), undefined when the API answered but not in a shape that can
 * be used (a missing field, no such transition): that is never retried. `endpoint` is the method and
 * path; the message never holds a credential.
 */
export class TicketApiError extends IncidentError {
  constructor(
    message: string,
    readonly endpoint: string,
    readonly outcome: CallOutcome | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The HTTP status, when the API answered with an error. */
  get status(): number | undefined {
    return this.outcome !== undefined && 'status' in this.outcome ? this.outcome.status : undefined;
  }
}

/** The marker text every ticket of the incident carries. */
export const ticketMarker = (incidentId: string): string => `incident-id: ${incidentId}`;

/** The hidden form of the marker in a GitHub issue body: what the marker search looks for. */
export const githubMarkerComment = (incidentId: string): string => `<!-- ${ticketMarker(incidentId)} -->`;

/** The Jira label that marks the incident's issue. */
export const jiraMarkerLabel = (incidentId: string): string => `incident-${incidentId.toLowerCase()}`;

/** The ticket's title, as both providers show it. */
export const ticketTitle = (incident: TicketIncident): string =>
  `[${incident.severity}] ${incident.id}: ${incident.title}`;

/** Markdown characters escaped so an alarm name or reason shows as written and cannot add links or HTML. */
const markdown = (text: string): string => text.replace(/[\\`*_[\]<>|#!~]/g, (c) => `\\${c}`);

interface Fact {
  readonly label: string;
  readonly value: string;
}

const facts = (incident: TicketIncident): Fact[] => [
  { label: 'Incident', value: incident.id },
  { label: 'Service', value: incident.service },
  { label: 'Severity', value: incident.severity },
  { label: 'Status', value: incident.status },
  { label: 'Detected', value: incident.createdAt },
];

/** The GitHub issue body (Markdown): facts, runbook, diagnosis, and the marker both hidden and visible. */
export const githubIssueBody = (incident: TicketIncident): string => {
  const lines = [
    githubMarkerComment(incident.id),
    `## ${markdown(incident.title)}`,
    '',
    ...facts(incident).map((f) => `- **${f.label}:** ${markdown(f.value)}`),
  ];
  if (incident.runbookUrl !== undefined) lines.push(`- **Runbook:** <${incident.runbookUrl}>`);
  if (incident.diagnosisSummary !== undefined) {
    lines.push('', '### Diagnosis', '', markdown(incident.diagnosisSummary));
  }
  lines.push('', '---', `\`${ticketMarker(incident.id)}\``, '');
  return lines.join('\n');
};

/** An Atlassian Document Format inline text node; a link or bold is a mark on it. */
export interface AdfText {
  readonly type: 'text';
  readonly text: string;
  readonly marks?: readonly (
    | { readonly type: 'strong' }
    | { readonly type: 'code' }
    | { readonly type: 'link'; readonly attrs: { readonly href: string } }
  )[];
}

/** The ADF block nodes tickets use. */
export type AdfBlock =
  | { readonly type: 'paragraph'; readonly content: readonly AdfText[] }
  | {
      readonly type: 'heading';
      readonly attrs: { readonly level: 2 | 3 };
      readonly content: readonly AdfText[];
    }
  | {
      readonly type: 'bulletList';
      readonly content: readonly {
        readonly type: 'listItem';
        readonly content: readonly { readonly type: 'paragraph'; readonly content: readonly AdfText[] }[];
      }[];
    }
  | { readonly type: 'rule' };

/** An ADF v1 document, the shape Jira Cloud's REST v3 takes for descriptions and comments. */
export interface AdfDocument {
  readonly version: 1;
  readonly type: 'doc';
  readonly content: readonly AdfBlock[];
}

const text = (value: string): AdfText => ({ type: 'text', text: value });
const strong = (value: string): AdfText => ({ type: 'text', text: value, marks: [{ type: 'strong' }] });
const paragraph = (...content: AdfText[]): AdfBlock => ({ type: 'paragraph', content });

/** The Jira issue description: the same facts as on GitHub, as ADF, with the marker as the last line. */
export const jiraDescription = (incident: TicketIncident): AdfDocument => {
  const items = facts(incident).map((f) => [strong(`${f.label}: `), text(f.value)]);
  if (incident.runbookUrl !== undefined) {
    items.push([
      strong('Runbook: '),
      {
        type: 'text',
        text: incident.runbookUrl,
        marks: [{ type: 'link', attrs: { href: incident.runbookUrl } }],
      },
    ]);
  }
  const content: AdfBlock[] = [
    { type: 'heading', attrs: { level: 2 }, content: [text(incident.title)] },
    {
      type: 'bulletList',
      content: items.map((item) => ({ type: 'listItem', content: [{ type: 'paragraph', content: item }] })),
    },
  ];
  if (incident.diagnosisSummary !== undefined) {
    content.push(
      { type: 'heading', attrs: { level: 3 }, content: [text('Diagnosis')] },
      paragraph(text(incident.diagnosisSummary)),
    );
  }
  content.push(
    { type: 'rule' },
    paragraph({ type: 'text', text: ticketMarker(incident.id), marks: [{ type: 'code' }] }),
  );
  return { version: 1, type: 'doc', content };
};

/** Plain text as an ADF document: one paragraph per line that has text. */
export const adfFromText = (value: string): AdfDocument => ({
  version: 1,
  type: 'doc',
  content: value
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => paragraph(text(line))),
});

/** A lifecycle moment a ticket hears about. */
export type TicketUpdate =
  | { readonly kind: 'acknowledged'; readonly at: string; readonly by: string }
  | { readonly kind: 'resolved'; readonly at: string; readonly by?: string; readonly resolution?: string }
  | { readonly kind: 'reopened'; readonly at: string };

/** The comment text for `update` (plain text: GitHub shows it as Markdown, Jira gets it through adfFromText). */
export const ticketCommentText = (incidentId: string, update: TicketUpdate): string => {
  switch (update.kind) {
    case 'acknowledged':
      return `${incidentId} acknowledged by ${update.by} at ${update.at}.`;
    case 'resolved': {
      const by = update.by === undefined ? '' : ` by ${update.by}`;
      const how = update.resolution === undefined ? '' : `\n${update.resolution}`;
      return `${incidentId} resolved${by} at ${update.at}.${how}`;
    }
    case 'reopened':
      return `${incidentId} reopened at ${update.at}: its alarm fired again within the reopen window. The incident is open again.`;
  }
};
