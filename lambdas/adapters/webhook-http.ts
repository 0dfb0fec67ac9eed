/**
 * One webhook delivery attempt over HTTPS (issue 15): a POST of the signed body with global `fetch`,
 * bounded by `AbortSignal.timeout` (5 s by default), redirects not followed (the signature is for
 * the configured URL). Only the status is kept: the response body is never read.
 */
import type { CallOutcome } from '../domain/webhook-signature';

/** The time a receiver gets to answer, connection included. */
export const WEBHOOK_TIMEOUT_MS = 5_000;

export interface WebhookPost {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** How an attempt ended: a status, or no answer (`timedOut` when it was the timeout). */
export type PostOutcome = CallOutcome & { readonly timedOut?: boolean; readonly error?: string };

export class WebhookHttp {
  constructor(
    private readonly timeoutMs: number = WEBHOOK_TIMEOUT_MS,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async post(request: WebhookPost): Promise<PostOutcome> {
    try {
      const response = await this.fetchFn(request.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...request.headers },
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.body?.cancel();
      return { status: response.status };
    } catch (error) {
      const timedOut = (error as { name?: string })?.name === 'TimeoutError';
      return {
        networkError: true,
        timedOut,
        error: timedOut
          ? `no answer within ${this.timeoutMs} ms`
          : error instanceof Error
            ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`
            : String(error),
      };
    }
  }
}
