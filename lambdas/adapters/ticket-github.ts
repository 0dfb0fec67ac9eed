/**
 * Incident tickets as GitHub issues, over the REST API (version 2022-11-28) with a token from
 * Secrets Manager (a fine-grained token with Issues: read and write on the one repository).
 *
 * Endpoints, as documented:
 * - create: `POST /repos/{owner}/{repo}/issues` {title, body, labels} → 201 with the issue
 *   (`number`, `html_url`, `state`): https://docs.github.com/en/rest/issues/issues#create-an-issue
 * - find by marker: `GET /search/issues?q=repo:{owner}/{repo} is:issue in:body "incident-id: ID"`
 *   → {total_count, incomplete_results, items[]}; the search index lags writes by a little, so the
 *   marker is also checked in each item's body: https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests
 * - comment: `POST /repos/{owner}/{repo}/issues/{issue_number}/comments` {body} → 201:
 *   https://docs.github.com/en/rest/issues/comments#create-an-issue-comment
 * - close: `PATCH /repos/{owner}/{repo}/issues/{issue_number}` {state: closed, state_reason: completed};
 *   reopen: the same with {state: open, state_reason: reopened}
 *   → 200 (state_reason only counts with a state change): https://docs.github.com/en/rest/issues/issues#update-an-issue
 *
 * Headers: `Authorization: Bearer`, `Accept: application/vnd.github+json`, `X-GitHub-Api-Version`, and
 * the `User-Agent` GitHub requires of every request.
 * A secondary rate limit may come as 403 with Retry-After or with `x-ratelimit-remaining: 0`; it is
 * treated as the 429 it means.
 */
import {
  githubIssueBody,
  githubMarkerComment,
  type TicketAdapter,
  TicketApiError,
  type TicketIncident,
  type TicketRef,
  ticketMarker,
  ticketTitle,
} from '../domain/tickets';
import { asRecord, sendTicketRequest, type TicketHttpClient, type TicketHttpOptions } from './ticket-http';

/** The public API's base URL (GitHub Enterprise Server: `https://HOST/api/v3`). */
export const GITHUB_API_URL = 'https://api.github.com';
/** Sent as X-GitHub-Api-Version: the REST version the shapes above are read in. */
export const GITHUB_API_VERSION = '2022-11-28';

/** A GitHub API call that failed; names the status and the endpoint, never the token. */
export class GitHubTicketError extends TicketApiError {}

/** The repository and the token (read from Secrets Manager by the caller). */
export interface GitHubTicketOptions extends TicketHttpOptions {
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  /** Labels every incident issue gets. @default none */
  readonly labels?: readonly string[];
}

interface GitHubIssue {
  readonly number: number;
  readonly html_url: string;
  readonly body: string;
}

const issueOf = (value: unknown): GitHubIssue | undefined => {
  const issue = asRecord(value);
  if (typeof issue?.number !== 'number' || typeof issue.html_url !== 'string') return undefined;
  return {
    number: issue.number,
    html_url: issue.html_url,
    body: typeof issue.body === 'string' ? issue.body : '',
  };
};

/**
 * One repository's incident issues. Reads, comments and the close are retried on 5xx, 429 and network
 * errors (a comment retried after a lost answer can show twice: harmless, unlike a second issue); the
 * create only on 429, ensureTicket looking for the marker before any other retry.
 */
export class GitHubTicketAdapter implements TicketAdapter {
  readonly provider = 'github';
  private readonly client: TicketHttpClient;

  constructor(private readonly options: GitHubTicketOptions) {
    this.client = {
      ...options,
      headers: {
        Authorization: `Bearer ${options.token}`,
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': GITHUB_API_VERSION,
        'User-Agent': 'incident-response-as-code',
      },
      error: (message, endpoint, outcome, cause) =>
        new GitHubTicketError(`GitHub ${message}`, endpoint, outcome, { cause }),
      rateLimited: (response) =>
        response.status === 403 &&
        (response.headers.has('retry-after') || response.headers.get('x-ratelimit-remaining') === '0'),
    };
  }

  private get repoPath(): string {
    return `/repos/${encodeURIComponent(this.options.owner)}/${encodeURIComponent(this.options.repo)}`;
  }

  private ref(issue: GitHubIssue): TicketRef {
    return { provider: 'github', key: String(issue.number), url: issue.html_url };
  }

  async findByIncident(incidentId: string): Promise<TicketRef | undefined> {
    const q = `repo:${this.options.owner}/${this.options.repo} is:issue in:body "${ticketMarker(incidentId)}"`;
    const answer = asRecord(
      await sendTicketRequest(this.client, {
        method: 'GET',
        path: `/search/issues?q=${encodeURIComponent(q)}&per_page=20`,
        expect: [200],
        retry: 'transient',
      }),
    );
    if (!Array.isArray(answer?.items)) {
      throw new GitHubTicketError(
        'GitHub GET /search/issues answered without items',
        'GET /search/issues',
        undefined,
      );
    }
    const marker = githubMarkerComment(incidentId);
    const matches = answer.items
      .map(issueOf)
      .filter((issue): issue is GitHubIssue => issue?.body.includes(marker) === true)
      .sort((a, b) => a.number - b.number);
    const oldest = matches[0];
    return oldest === undefined ? undefined : this.ref(oldest);
  }

  async create(incident: TicketIncident): Promise<TicketRef> {
    const path = `${this.repoPath}/issues`;
    const issue = issueOf(
      await sendTicketRequest(this.client, {
        method: 'POST',
        path,
        body: {
          title: ticketTitle(incident),
          body: githubIssueBody(incident),
          labels: this.options.labels ?? [],
        },
        expect: [201],
        retry: 'rate-limit',
      }),
    );
    if (issue === undefined) {
      throw new GitHubTicketError(
        `GitHub POST ${path} answered without an issue number`,
        `POST ${path}`,
        undefined,
      );
    }
    return this.ref(issue);
  }

  async comment(ticket: TicketRef, text: string): Promise<void> {
    await sendTicketRequest(this.client, {
      method: 'POST',
      path: `${this.repoPath}/issues/${encodeURIComponent(ticket.key)}/comments`,
      body: { body: text },
      expect: [201],
      retry: 'transient',
    });
  }

  async close(ticket: TicketRef): Promise<void> {
    await this.setState(ticket, { state: 'closed', state_reason: 'completed' });
  }

  async reopen(ticket: TicketRef): Promise<void> {
    await this.setState(ticket, { state: 'open', state_reason: 'reopened' });
  }

  private async setState(ticket: TicketRef, body: { state: string; state_reason: string }): Promise<void> {
    await sendTicketRequest(this.client, {
      method: 'PATCH',
      path: `${this.repoPath}/issues/${encodeURIComponent(ticket.key)}`,
      body,
      expect: [200],
      retry: 'transient',
    });
  }
}
