/**
 * The responder endpoint for the sandbox: a loopback HTTP server in front of the same request
 * handling the Lambda Function URL runs, so a page's one-click links and its incident page link work
 * on the laptop, with the headers the endpoint sends (the incident page's CSP).
 */
import { createServer } from 'node:http';
import type { ResponderRequest, ResponderResponse } from '../../lambdas/services/responder-endpoint';

/** The loopback endpoint: where links point, the request handling it serves, and its stop. */
export interface LocalResponder {
  /** `http://127.0.0.1:<port>`, the base of every link the sandbox signs. */
  readonly baseUrl: string;
  serve(handle: (request: ResponderRequest) => Promise<ResponderResponse>): void;
  stop(): Promise<void>;
}

const MAX_BODY = 16 * 1024;

/** Starts the endpoint on a free loopback port; it answers 503 until `serve` hands it the handling. */
export const startLocalResponder = async (): Promise<LocalResponder> => {
  let handle: ((request: ResponderRequest) => Promise<ResponderResponse>) | undefined;
  // Known once the server listens, before any request can arrive.
  let origin = 'http://127.0.0.1';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
      if (body.length > MAX_BODY) req.destroy();
    });
    req.on('end', () => {
      const reply = (status: number, html: string, headers: Readonly<Record<string, string>> = {}) => {
        res.writeHead(status, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          ...headers,
        });
        res.end(html);
      };
      if (!handle) return reply(503, '<p>The sandbox is starting.</p>');
      const url = new URL(req.url ?? '/', origin);
      handle({
        method: req.method ?? 'GET',
        path: url.pathname,
        ...(url.search ? { query: url.search.slice(1) } : {}),
        origin,
        body,
      }).then(
        (response) => reply(response.status, response.html, response.headers),
        () => reply(500, '<p>Something went wrong; nothing was changed that you were not told about.</p>'),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the local responder did not bind a TCP port');
  origin = `http://127.0.0.1:${address.port}`;
  return {
    baseUrl: origin,
    serve: (h) => {
      handle = h;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
