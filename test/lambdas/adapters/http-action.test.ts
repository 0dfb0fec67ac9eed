/** The http action's call against a real loopback server: method, path, Authorization, the timeout, no redirects followed. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchHttpAction, HttpActionError } from '../../../lambdas/adapters/http-action';

let server: Server;
let base = '';
const received: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push({ method: req.method, url: req.url, headers: req.headers });
    if (req.url === '/hang') return; // never answers
    if (req.url === '/moved') res.writeHead(302, { location: 'https://elsewhere.example.com/' });
    else res.writeHead(204);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('FetchHttpAction', () => {
  it('sends the method and path with the secret as Authorization', async () => {
    const result = await new FetchHttpAction().call({
      method: 'POST',
      url: `${base}/admin/circuit-breaker/checkout/open`,
      path: '/admin/circuit-breaker/checkout/open',
      authorization: async () => 'Bearer t0ken\n',
      timeoutMs: 2000,
    });
    expect(result).toEqual({ status: 204 });
    expect(received.at(-1)).toMatchObject({
      method: 'POST',
      url: '/admin/circuit-breaker/checkout/open',
      headers: expect.objectContaining({ authorization: 'Bearer t0ken' }),
    });
  });

  it('gives up at the timeout with an error naming the call', async () => {
    const started = Date.now();
    const call = new FetchHttpAction().call({
      method: 'POST',
      url: `${base}/hang`,
      path: '/hang',
      timeoutMs: 150,
    });
    await expect(call).rejects.toThrow(HttpActionError);
    await expect(call).rejects.toThrow(`POST ${base}/hang: no answer within 150 ms`);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('does not follow a redirect to another host: the 302 is the answer', async () => {
    const result = await new FetchHttpAction().call({
      method: 'GET',
      url: `${base}/moved`,
      path: '/moved',
      timeoutMs: 2000,
    });
    expect(result).toEqual({ status: 302 });
  });

  it('a refused connection is an HttpActionError', async () => {
    await expect(
      new FetchHttpAction().call({
        method: 'POST',
        url: 'http://127.0.0.1:9/x',
        path: '/x',
        timeoutMs: 2000,
      }),
    ).rejects.toThrow(HttpActionError);
  });
});
