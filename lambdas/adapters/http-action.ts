/**
 * The `http` custom action's call: global `fetch`, bounded by `AbortSignal.timeout`, with the
 * Authorization header read from the action's secret. One attempt, no retry: a remediation call (open
 * a circuit breaker, clear a cache) is not known to be safe to repeat, and a failure goes to a person.
 * The response body is not read into the timeline: only its status is.
 */
import type { HttpActionRequest } from '../domain/custom-actions';
import { IncidentError } from '../domain/errors';

/** The call did not get an answer: refused, unreachable, or over its timeout. */
export class HttpActionError extends IncidentError {}

export interface HttpActionCall extends HttpActionRequest {
  /** The Authorization header's value. @default none */
  readonly authorization?: () => Promise<string>;
  readonly timeoutMs: number;
}

/** What the automation asks of an `http` action; the sandbox answers it on loopback. */
export interface HttpActionApi {
  call(request: HttpActionCall): Promise<{ readonly status: number }>;
}

export class FetchHttpAction implements HttpActionApi {
  constructor(private readonly fetchFn: typeof fetch = fetch) {}

  async call(request: HttpActionCall): Promise<{ readonly status: number }> {
    const headers: Record<string, string> = { 'user-agent': 'incident-response-automation' };
    if (request.authorization) headers.authorization = (await request.authorization()).trim();
    let response: Response;
    try {
      response = await this.fetchFn(request.url, {
        method: request.method,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as { name?: string })?.name === 'TimeoutError';
      throw new HttpActionError(
        timedOut
          ? `${request.method} ${request.url}: no answer within ${request.timeoutMs} ms`
          : `${request.method} ${request.url}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    await response.body?.cancel();
    return { status: response.status };
  }
}
