import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { parseOrThrow } from '../domain/validation';
import { handleResponderRequest, type ResponderEndpointDeps } from '../services/responder-endpoint';

export interface ResponderHandlerDeps {
  /**
   * The endpoint's services for requests that reach it at `origin`: the pages it sends itself (an
   * acknowledgement's notice, an escalation asked for from a link) carry links back to that origin,
   * the only way a function learns its own Function URL (it cannot be in its own environment).
   */
  readonly endpointAt: (origin: string) => ResponderEndpointDeps;
  readonly clock: () => Date;
}

/** The parts of a Lambda Function URL event (payload format 2.0) the endpoint reads. */
const functionUrlEvent = z.object({
  rawPath: z.string(),
  rawQueryString: z.optional(z.string()),
  body: z.optional(z.string()),
  isBase64Encoded: z.optional(z.boolean()),
  headers: z.optional(z.record(z.string(), z.string())),
  requestContext: z.object({ domainName: z.string(), http: z.object({ method: z.string() }) }),
});

/** What the Function URL answers: always a complete HTML response (the structured form of LambdaFunctionURLResult). */
export interface ResponderResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Where the request arrived: always `https://<domainName>` on AWS (a Function URL serves HTTPS only,
 * and Lambda sets `x-forwarded-proto: https`). Plain http is taken only on loopback, where the
 * sandbox serves the same bundle; links refuse plain http anywhere else (domain/links.ts).
 */
export const requestOrigin = (domainName: string, forwardedProto: string | undefined): string =>
  forwardedProto === 'http' && /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(domainName)
    ? `http://${domainName}`
    : `https://${domainName}`;

const HEADERS = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } as const;

/** The only text a failure shows: what went wrong stays in the log. */
const ERROR_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="robots" content="noindex, nofollow"><title>Something went wrong</title></head>
<body><h1>Something went wrong</h1><p>The action may not have been applied. Check the incident with the incident CLI.</p></body>
</html>
`;

const reply = (
  statusCode: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): ResponderResult => ({
  statusCode,
  headers: { ...HEADERS, ...headers },
  body,
});

/**
 * The responder endpoint as a Lambda Function URL: one-click page links and incident page links land
 * here. The response carries the endpoint's headers over the defaults (the incident page's CSP).
 * Failures are logged with their error and answered with a generic 500 page that never carries error
 * text.
 */
export const createResponderHandler = (deps: ResponderHandlerDeps, logger: Logger) =>
  middy<unknown, ResponderResult, Error, Context>()
    .use(injectLambdaContext(logger))
    .use({
      onError: async (request) => {
        logger.error('responder request failed', request.error ?? 'unknown error');
        request.response = reply(500, ERROR_PAGE);
      },
    })
    .handler(async (raw) => {
      const event = parseOrThrow(functionUrlEvent, raw, 'Function URL event');
      const body =
        event.body !== undefined && event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body;
      // The Function URL's own domain (set by Lambda, not the client's Host header).
      const origin = requestOrigin(event.requestContext.domainName, event.headers?.['x-forwarded-proto']);
      const response = await handleResponderRequest(
        deps.endpointAt(origin),
        {
          method: event.requestContext.http.method,
          path: event.rawPath,
          ...(event.rawQueryString ? { query: event.rawQueryString } : {}),
          origin,
          body,
        },
        deps.clock(),
      );
      logger.info('responder request', {
        method: event.requestContext.http.method,
        status: response.status,
        outcome: response.outcome,
        ...(response.reason ? { reason: response.reason } : {}),
      });
      return reply(response.status, response.html, response.headers);
    });
