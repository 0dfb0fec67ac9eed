/**
 * A GitHub- and Jira-shaped ticket API on 127.0.0.1 (a free port) for the sandbox and the tests of
 * the ticket adapters (issue 15). It records every request, keeps the issues it was asked to make,
 * and answers in the real APIs' shapes, trimmed to the fields the adapters read plus their neighbours:
 *
 * - GitHub REST: `POST /repos/{o}/{r}/issues` → 201 issue (number, html_url, state, labels...),
 *   `GET /search/issues?q=` (repo:, is:issue and one quoted phrase matched in the body),
 *   `POST .../issues/{n}/comments` → 201, `PATCH .../issues/{n}` → 200. No `Authorization: Bearer` → 401.
 * - Jira Cloud v3: `POST /rest/api/3/issue` → 201 {id, key, self}, `POST /rest/api/3/search/jql`
 *   (`project = "K"` and `labels = "x"`), `POST .../issue/{key}/comment` (an ADF body) → 201,
 *   `GET`/`POST .../issue/{key}/transitions` (To Do 11, In Progress 21, Done 31) → 200 / 204.
 *   No `Authorization: Basic` → 401.
 *
 * Faults for tests: `failNext(n, { status, retryAfter, afterEffect })` answers the next n requests
 * with that status (and Retry-After seconds); with `afterEffect` the request is carried out first,
 * as when a response is lost after the write. `dropNext(n, { afterEffect })` closes the connection
 * instead of answering.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback';

/** One request as the server received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON (undefined when empty). */
  readonly body: unknown;
  /** The status sent, or `dropped` when the connection was closed instead. */
  readonly answered: number | 'dropped';
}

/** A GitHub issue the server holds. */
export interface StoredGitHubIssue {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly labels: readonly string[];
  state: 'open' | 'closed';
  stateReason: string | null;
  readonly comments: string[];
}

/** A Jira issue the server holds, with the fields it was created with. */
export interface StoredJiraIssue {
  readonly id: string;
  readonly key: string;
  readonly fields: Readonly<Record<string, unknown>>;
  status: JiraStatus;
  readonly comments: unknown[];
}

type JiraStatus = 'To Do' | 'In Progress' | 'Done';

/** A failure to inject into the next matching request. */
export interface Fault {
  readonly status: number;
  /** Sent as Retry-After (seconds). */
  readonly retryAfter?: number;
  /** Carry the request out before failing it (the write happened, its answer is lost). @default false */
  readonly afterEffect?: boolean;
  /** Only requests of this method and path, such as `POST /rest/api/3/issue`. @default any request */
  readonly on?: string;
}

/** The running server, what it has seen and holds, and its fault switches. */
export interface TicketServer {
  /** `http://127.0.0.1:<port>`: the base URL of both APIs. */
  readonly baseUrl: string;
  readonly requests: readonly RecordedRequest[];
  readonly githubIssues: readonly StoredGitHubIssue[];
  readonly jiraIssues: readonly StoredJiraIssue[];
  failNext(count: number, fault: Fault): void;
  dropNext(count: number, options?: Omit<Fault, 'status' | 'retryAfter'>): void;
  stop(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

const JIRA_WORKFLOW: readonly { id: string; name: JiraStatus; category: string }[] = [
  { id: '11', name: 'To Do', category: 'new' },
  { id: '21', name: 'In Progress', category: 'indeterminate' },
  { id: '31', name: 'Done', category: 'done' },
];

const MAX_BODY = 256 * 1024;

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/** Starts the server; `stop()` closes it. */
export const startTicketServer = async (): Promise<TicketServer> => {
  const requests: RecordedRequest[] = [];
  const githubIssues: StoredGitHubIssue[] = [];
  const jiraIssues: StoredJiraIssue[] = [];
  /** Queued faults; `status: 'dropped'` closes the connection instead of answering. */
  const faults: (Omit<Fault, 'status'> & { readonly status: number | 'dropped' })[] = [];
  /** The first queued fault for this request, taken off the queue. */
  const takeFault = (request: string) => {
    const index = faults.findIndex((f) => f.on === undefined || f.on === request);
    return index === -1 ? undefined : faults.splice(index, 1)[0];
  };
  let baseUrl = '';

  const githubJson = (issue: StoredGitHubIssue) => ({
    id: 1_000_000 + issue.number,
    node_id: `I_${issue.number}`,
    url: `${baseUrl}/repos/${issue.owner}/${issue.repo}/issues/${issue.number}`,
    html_url: `${baseUrl}/${issue.owner}/${issue.repo}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    labels: issue.labels.map((name, i) => ({ id: i + 1, name })),
    comments: issue.comments.length,
  });

  const github = (method: string, path: string, query: Record<string, string>, body: unknown): Reply => {
    const search = path === '/search/issues' && method === 'GET';
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)\/issues(?:\/(\d+)(\/comments)?)?$/.exec(path);
    if (search) {
      const q = query.q ?? '';
      const repo = /repo:(\S+)/.exec(q)?.[1];
      const phrase = /"([^"]+)"/.exec(q)?.[1]?.toLowerCase() ?? '';
      const items = githubIssues
        .filter((i) => repo === undefined || `${i.owner}/${i.repo}` === repo)
        .filter((i) => i.body.toLowerCase().includes(phrase))
        .map((i) => ({ ...githubJson(i), score: 1 }));
      return { status: 200, body: { total_count: items.length, incomplete_results: false, items } };
    }
    if (repoMatch === null) return { status: 404, body: { message: 'Not Found', status: '404' } };
    const [, owner = '', repo = '', numberText, comments] = repoMatch;
    const fields = record(body);
    if (numberText === undefined && method === 'POST') {
      if (typeof fields.title !== 'string' || fields.title === '') {
        return {
          status: 422,
          body: { message: 'Validation Failed', errors: [{ field: 'title', code: 'missing_field' }] },
        };
      }
      const issue: StoredGitHubIssue = {
        owner,
        repo,
        number: githubIssues.length + 1,
        title: fields.title,
        body: typeof fields.body === 'string' ? fields.body : '',
        labels: Array.isArray(fields.labels) ? fields.labels.map(String) : [],
        state: 'open',
        stateReason: null,
        comments: [],
      };
      githubIssues.push(issue);
      return { status: 201, body: githubJson(issue) };
    }
    const issue = githubIssues.find(
      (i) => i.owner === owner && i.repo === repo && String(i.number) === numberText,
    );
    if (issue === undefined) return { status: 404, body: { message: 'Not Found', status: '404' } };
    if (comments !== undefined && method === 'POST') {
      issue.comments.push(String(fields.body ?? ''));
      return {
        status: 201,
        body: {
          id: issue.comments.length,
          body: fields.body,
          html_url: `${githubJson(issue).html_url}#issuecomment-${issue.comments.length}`,
        },
      };
    }
    if (comments === undefined && method === 'PATCH') {
      if (fields.state === 'closed' || fields.state === 'open') issue.state = fields.state;
      if (typeof fields.state_reason === 'string') issue.stateReason = fields.state_reason;
      return { status: 200, body: githubJson(issue) };
    }
    return { status: 404, body: { message: 'Not Found', status: '404' } };
  };

  const jiraError = (status: number, message: string): Reply => ({
    status,
    body: { errorMessages: [message], errors: {} },
  });

  const jira = (method: string, path: string, body: unknown): Reply => {
    const fields = record(record(body).fields);
    if (path === '/rest/api/3/issue' && method === 'POST') {
      const project = record(fields.project).key;
      if (typeof project !== 'string' || typeof fields.summary !== 'string') {
        return {
          status: 400,
          body: { errorMessages: [], errors: { summary: 'You must specify a summary of the issue.' } },
        };
      }
      const id = String(10_000 + jiraIssues.length + 1);
      const key = `${project}-${jiraIssues.length + 1}`;
      jiraIssues.push({ id, key, fields, status: 'To Do', comments: [] });
      return { status: 201, body: { id, key, self: `${baseUrl}/rest/api/3/issue/${id}` } };
    }
    if (path === '/rest/api/3/search/jql' && method === 'POST') {
      const jql = String(record(body).jql ?? '');
      const project = /project\s*=\s*"([^"]+)"/.exec(jql)?.[1];
      const label = /labels\s*=\s*"([^"]+)"/.exec(jql)?.[1];
      const issues = jiraIssues
        .filter((i) => project === undefined || i.key.startsWith(`${project}-`))
        .filter(
          (i) => label === undefined || (Array.isArray(i.fields.labels) && i.fields.labels.includes(label)),
        )
        .map((i) => ({
          id: i.id,
          key: i.key,
          self: `${baseUrl}/rest/api/3/issue/${i.id}`,
          fields: { summary: i.fields.summary },
        }));
      return { status: 200, body: { issues, isLast: true } };
    }
    const match = /^\/rest\/api\/3\/issue\/([^/]+)\/(comment|transitions)$/.exec(path);
    const issue = jiraIssues.find((i) => i.key === match?.[1] || i.id === match?.[1]);
    if (match === null || issue === undefined)
      return jiraError(404, 'Issue does not exist or you do not have permission to see it.');
    if (match[2] === 'comment' && method === 'POST') {
      const doc = record(record(body).body);
      if (doc.version !== 1 || doc.type !== 'doc') return jiraError(400, 'Comment body is not valid.');
      issue.comments.push(doc);
      return {
        status: 201,
        body: {
          id: String(issue.comments.length),
          self: `${baseUrl}/rest/api/3/issue/${issue.id}/comment/${issue.comments.length}`,
          body: doc,
        },
      };
    }
    const available = JIRA_WORKFLOW.filter((t) => t.name !== issue.status);
    if (match[2] === 'transitions' && method === 'GET') {
      return {
        status: 200,
        body: {
          expand: 'transitions',
          transitions: available.map((t) => ({
            id: t.id,
            name: t.name,
            to: { name: t.name, statusCategory: { key: t.category } },
            hasScreen: false,
            isGlobal: true,
            isInitial: false,
            isAvailable: true,
            isConditional: false,
          })),
        },
      };
    }
    if (match[2] === 'transitions' && method === 'POST') {
      const id = record(record(body).transition).id;
      const transition = available.find((t) => t.id === id);
      if (transition === undefined)
        return jiraError(400, `Transition id '${String(id)}' is not valid for this issue.`);
      issue.status = transition.name;
      return { status: 204 };
    }
    return jiraError(404, 'Not found');
  };

  const route = (method: string, url: URL, headers: IncomingHttpHeaders, body: unknown): Reply => {
    const auth = headers.authorization ?? '';
    const query = Object.fromEntries(url.searchParams);
    if (url.pathname.startsWith('/rest/')) {
      return auth.startsWith('Basic ') ? jira(method, url.pathname, body) : jiraError(401, 'Unauthorized');
    }
    return auth.startsWith('Bearer ')
      ? github(method, url.pathname, query, body)
      : { status: 401, body: { message: 'Requires authentication', status: '401' } };
  };

  const send = (res: ServerResponse, reply: Reply, retryAfter?: number) => {
    res.writeHead(reply.status, {
      ...(reply.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
    });
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  };

  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.length > MAX_BODY) req.destroy();
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const method = req.method ?? 'GET';
      const fault = takeFault(`${method} ${url.pathname}`);
      const reply =
        fault === undefined || fault.afterEffect ? route(method, url, req.headers, body) : undefined;
      const answered = fault?.status ?? reply?.status ?? 500;
      requests.push({
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        answered,
      });
      if (answered === 'dropped') {
        req.socket.destroy();
      } else if (fault !== undefined) {
        const message = `injected ${answered}`;
        send(
          res,
          { status: answered, body: { message, errorMessages: [message], errors: {} } },
          fault.retryAfter,
        );
      } else if (reply !== undefined) {
        send(res, reply);
      }
    });
  });
  const loopback = await listenOnLoopback(server);
  baseUrl = loopback.baseUrl;

  return {
    baseUrl,
    requests,
    githubIssues,
    jiraIssues,
    failNext: (count, fault) => {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    dropNext: (count, options) => {
      for (let i = 0; i < count; i++) faults.push({ ...options, status: 'dropped' });
    },
    stop: loopback.stop,
  };
};
