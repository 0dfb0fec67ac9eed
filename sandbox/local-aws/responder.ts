/**
 * The responder endpoint for the sandbox: a loopback HTTP server in front of the same request
 * handling the Lambda Function URL runs, so a page's one-click links work on the laptop.
 */
import { createServer } from 'node:http';
import type { ResponderRequest, ResponderResponse } from '../../lambdas/services/responder-endpoint';

export interface LocalResponder {
  readonly baseUrl: string;
  serve(handle: (request: ResponderRequest) => Promise<ResponderResponse>): void;
  stop(): Promise<void>;
}

const MAX_BODY = 16 * 1024;

export const startLocalResponder = async (): Promise<LocalResponder> => {
  let handle: ((request: ResponderRequest) => Promise<ResponderResponse>) | undefined;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
      if (body.length > MAX_BODY) req.destroy();
    });
    req.on('end', () => {
      const reply = (status: number, html: string) => {
        res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(html);
      };
      if (!handle) return reply(503, '<p>The sandbox is starting.</p>');
      handle({
        method: req.method ?? 'GET',
        path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname,
        body,
      }).then(
        (response) => reply(response.status, response.html),
        () => reply(500, '<p>Something went wrong; nothing was changed that you were not told about.</p>'),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the local responder did not bind a TCP port');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    serve: (h) => {
      handle = h;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
