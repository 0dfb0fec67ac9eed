/**
 * Incident tickets as Jira Cloud issues, over the platform REST API v3 with basic auth (the account's
 * email and an API token, both from Secrets Manager). Descriptions and comments are ADF documents.
 *
 * Endpoints, as documented:
 * - create: `POST /rest/api/3/issue` {fields: {project, issuetype, summary, description, labels}} →
 *   201 {id, key, self}: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post
 * - find by marker: `POST /rest/api/3/search/jql` {jql, fields, maxResults} → {issues[], nextPageToken?}
 *   (the enhanced search; recent writes may not be visible yet):
 *   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post
 * - comment: `POST /rest/api/3/issue/{key}/comment` {body: ADF} → 201:
 *   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-post
 * - close (resolveTransition) and reopen (reopenTransition): `GET /rest/api/3/issue/{key}/transitions` → {transitions: [{id, name, to}]}, then
 *   `POST /rest/api/3/issue/{key}/transitions` {transition: {id}} → 204:
 *   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-get
 * - ADF v1: https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/
 */
import {
  adfFromText,
  jiraDescription,
  jiraMarkerLabel,
  type TicketAdapter,
  TicketApiError,
  type TicketIncident,
  type TicketRef,
  ticketTitle,
} from '../domain/tickets';
import { asRecord, sendTicketRequest, type TicketHttpClient, type TicketHttpOptions } from './ticket-http';

/** A Jira API call that failed; names the status and the endpoint, never the email or token. */
export class JiraTicketError extends TicketApiError {}

/** The transition that resolves an issue in the project's workflow, by its name or its id. */
export type JiraTransition = { readonly name: string } | { readonly id: string };

/** The project, issue type, credentials (read from Secrets Manager by the caller) and resolve transition. */
export interface JiraTicketOptions extends TicketHttpOptions {
  readonly projectKey: string;
  /** @default Task (the config's default) */
  readonly issueType: string;
  readonly email: string;
  readonly token: string;
  /** Needed by close() alone. */
  readonly resolveTransition?: JiraTransition;
  /** Needed by reopen() alone. */
  readonly reopenTransition?: JiraTransition;
  /** Labels every incident issue gets beside its marker label. @default none */
  readonly labels?: readonly string[];
}

/** A JQL string literal: quotes and backslashes escaped. */
const jqlString = (value: string): string => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/**
 * One project's incident issues. Retries as the GitHub adapter does: reads, comments and transitions
 * on 5xx, 429 and network errors, the create on 429 alone. A transition that is not available from
 * the issue's status (already resolved, or a workflow without it) is an error naming those that are.
 */
export class JiraTicketAdapter implements TicketAdapter {
  readonly provider = 'jira';
  private readonly client: TicketHttpClient;

  constructor(private readonly options: JiraTicketOptions) {
    const basic = Buffer.from(`${options.email}:${options.token}`, 'utf8').toString('base64');
    this.client = {
      ...options,
      headers: { Authorization: `Basic ${basic}`, Accept: 'application/json' },
      error: (message, endpoint, outcome, cause) =>
        new JiraTicketError(`Jira ${message}`, endpoint, outcome, { cause }),
    };
  }

  private ref(key: string): TicketRef {
    return { provider: 'jira', key, url: `${this.options.baseUrl.replace(/\/+$/, '')}/browse/${key}` };
  }

  async findByIncident(incidentId: string): Promise<TicketRef | undefined> {
    const path = '/rest/api/3/search/jql';
    const answer = asRecord(
      await sendTicketRequest(this.client, {
        method: 'POST',
        path,
        body: {
          jql: `project = ${jqlString(this.options.projectKey)} AND labels = ${jqlString(jiraMarkerLabel(incidentId))} ORDER BY created ASC`,
          fields: ['summary'],
          maxResults: 10,
        },
        expect: [200],
        retry: 'transient',
      }),
    );
    if (!Array.isArray(answer?.issues)) {
      throw new JiraTicketError(`Jira POST ${path} answered without issues`, `POST ${path}`, undefined);
    }
    const key = asRecord(answer.issues[0])?.key;
    return typeof key === 'string' ? this.ref(key) : undefined;
  }

  async create(incident: TicketIncident): Promise<TicketRef> {
    const path = '/rest/api/3/issue';
    const created = asRecord(
      await sendTicketRequest(this.client, {
        method: 'POST',
        path,
        body: {
          fields: {
            project: { key: this.options.projectKey },
            issuetype: { name: this.options.issueType },
            summary: ticketTitle(incident),
            description: jiraDescription(incident),
            labels: [jiraMarkerLabel(incident.id), ...(this.options.labels ?? [])],
          },
        },
        expect: [201],
        retry: 'rate-limit',
      }),
    );
    if (typeof created?.key !== 'string') {
      throw new JiraTicketError(`Jira POST ${path} answered without an issue key`, `POST ${path}`, undefined);
    }
    return this.ref(created.key);
  }

  async comment(ticket: TicketRef, text: string): Promise<void> {
    await sendTicketRequest(this.client, {
      method: 'POST',
      path: `/rest/api/3/issue/${encodeURIComponent(ticket.key)}/comment`,
      body: { body: adfFromText(text) },
      expect: [201],
      retry: 'transient',
    });
  }

  async close(ticket: TicketRef): Promise<void> {
    await this.transition(ticket, this.options.resolveTransition, 'close', 'resolveTransition');
  }

  async reopen(ticket: TicketRef): Promise<void> {
    await this.transition(ticket, this.options.reopenTransition, 'reopen', 'reopenTransition');
  }

  private async transition(
    ticket: TicketRef,
    wanted: JiraTransition | undefined,
    what: string,
    setting: string,
  ): Promise<void> {
    const path = `/rest/api/3/issue/${encodeURIComponent(ticket.key)}/transitions`;
    if (wanted === undefined) {
      throw new JiraTicketError(
        `Jira ${what} of ${ticket.key}: no ${setting} configured`,
        `POST ${path}`,
        undefined,
      );
    }
    const answer = asRecord(
      await sendTicketRequest(this.client, { method: 'GET', path, expect: [200], retry: 'transient' }),
    );
    const transitions = (Array.isArray(answer?.transitions) ? answer.transitions : [])
      .map(asRecord)
      .filter((t) => typeof t?.id === 'string' && typeof t.name === 'string') as {
      id: string;
      name: string;
    }[];
    const match = transitions.find((t) =>
      'id' in wanted ? t.id === wanted.id : t.name.toLowerCase() === wanted.name.toLowerCase(),
    );
    if (match === undefined) {
      const available = transitions.map((t) => `${t.name} (${t.id})`).join(', ') || 'none';
      throw new JiraTicketError(
        `Jira ${ticket.key} has no transition ${'id' in wanted ? wanted.id : wanted.name} now; available: ${available}`,
        `GET ${path}`,
        undefined,
      );
    }
    await sendTicketRequest(this.client, {
      method: 'POST',
      path,
      body: { transition: { id: match.id } },
      expect: [204],
      retry: 'transient',
    });
  }
}
