/**
 * The one HTTP loop the ticket adapters (ticket-github, ticket-jira) share: global `fetch` with a
 * per-attempt timeout, JSON in and out, and retries as retryDecision says, waiting through the
 * injected `sleep`. A request that is not safe to repeat (a create, whose 5xx may come after the
 * write) is retried on 429 alone, when the server refused it before doing anything; ensureTicket
 * looks for the marker before it tries such a create again.
 */
import type { TicketApiError } from '../domain/tickets';
import {
  type CallOutcome,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  retryDecision,
} from '../domain/webhook-signature';

/** What both adapters take besides their credentials. */
export interface TicketHttpOptions {
  /** The API's base URL, e.g. `https://api.github.com`; tests point it at the loopback ticket server. */
  readonly baseUrl: string;
  /** Waits between attempts (injected so tests do not wait). */
  readonly sleep: (ms: number) => Promise<void>;
  /** @default DEFAULT_RETRY_POLICY */
  readonly policy?: RetryPolicy;
  /** Per attempt. @default 5000 ms */
  readonly timeoutMs?: number;
}

/** One provider's client: its headers, its error class, and how it tells a rate limit. */
export interface TicketHttpClient extends TicketHttpOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly error: (
    message: string,
    endpoint: string,
    outcome: CallOutcome | undefined,
    cause?: unknown,
  ) => TicketApiError;
  /** A response that is a rate limit although its status is not 429 (GitHub answers some with 403). */
  readonly rateLimited?: (response: Response) => boolean;
}

/** One API call, and which failures of it may be retried. */
export interface TicketRequest {
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** Path and query, appended to the base URL. */
  readonly path: string;
  readonly body?: unknown;
  /** The statuses that mean success. */
  readonly expect: readonly number[];
  /** `transient`: retry 5xx, 429 and network errors; `rate-limit`: retry 429 only. */
  readonly retry: 'transient' | 'rate-limit';
}

/** The error text an API put in its body (GitHub `message`, Jira `errorMessages`), cut short. */
const detail = (text: string): string => {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null) {
      const { message, errorMessages } = body as { message?: unknown; errorMessages?: unknown };
      const said =
        typeof message === 'string' ? message : Array.isArray(errorMessages) ? errorMessages.join('; ') : '';
      return said === '' ? '' : `: ${said.slice(0, 200)}`;
    }
  } catch {
    // Not JSON: say nothing of it rather than echo an HTML error page.
  }
  return '';
};

/** Sends `request`, retrying as allowed; returns the parsed JSON body (undefined when empty). */
export const sendTicketRequest = async (
  client: TicketHttpClient,
  request: TicketRequest,
): Promise<unknown> => {
  const endpoint = `${request.method} ${request.path.split('?')[0] ?? request.path}`;
  const url = `${client.baseUrl.replace(/\/+$/, '')}${request.path}`;
  const policy = client.policy ?? DEFAULT_RETRY_POLICY;
  for (let attempt = 1; ; attempt++) {
    let response: Response | undefined;
    let cause: unknown;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: {
          ...client.headers,
          ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(client.timeoutMs ?? 5000),
      });
    } catch (error) {
      cause = error;
    }
    const text = response === undefined ? '' : await response.text().catch(() => '');
    if (response !== undefined && request.expect.includes(response.status)) {
      if (text === '') return undefined;
      try {
        return JSON.parse(text);
      } catch (error) {
        throw client.error(
          `${endpoint} answered ${response.status} with a body that is not JSON`,
          endpoint,
          undefined,
          error,
        );
      }
    }
    const outcome: CallOutcome =
      response === undefined
        ? { networkError: true }
        : {
            status: client.rateLimited?.(response) ? 429 : response.status,
            retryAfter: response.headers.get('retry-after'),
          };
    const mayRetry = request.retry === 'transient' || ('status' in outcome && outcome.status === 429);
    const decision = mayRetry ? retryDecision(outcome, attempt, policy) : undefined;
    if (decision?.retry !== true) {
      const what =
        response === undefined
          ? `got no answer (${cause instanceof Error ? cause.name : 'error'})`
          : `answered ${response.status}${detail(text)}`;
      const tries = attempt === 1 ? '' : ` after ${attempt} attempts`;
      throw client.error(`${endpoint} ${what}${tries}`, endpoint, outcome, cause);
    }
    await client.sleep(decision.delayMs);
  }
};

/** `value` when it is an object; the adapters read API answers through this, field by field. */
export const asRecord = (value: unknown): Readonly<Record<string, unknown>> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
