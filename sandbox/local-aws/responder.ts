/**
 * The responder endpoint for the sandbox: a loopback HTTP server standing in for the Lambda Function
 * URL. It turns each request into the Function URL's event (payload format 2.0) and hands it to the
 * responder function's bundle, as Lambda would, so a page's one-click links and its incident page link
 * work on the laptop through the code `cdk deploy` ships, with the headers it sends (the incident
 * page's CSP).
 *
 * Where it differs from a Function URL, on purpose:
 * - Plain http on 127.0.0.1, announced as `x-forwarded-proto: http`; the handler takes http only on
 *   loopback (handlers/responder.ts requestOrigin), and links refuse it anywhere else.
 * - Every request body is sent base64-encoded (`isBase64Encoded: true`), as a Function URL sends
 *   non-text bodies and, reportedly, form posts: the handler's decoding is always exercised.
 * - No 6 MB payload limit, no throttling, one request at a time per invocation scope.
 */
import { createServer } from 'node:http';

/** The Function URL event (payload format 2.0), with the fields Lambda always sets. */
export interface FunctionUrlEvent {
  readonly version: '2.0';
  readonly routeKey: '$default';
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly queryStringParameters?: Readonly<Record<string, string>>;
  readonly requestContext: {
    readonly accountId: 'anonymous';
    readonly apiId: string;
    readonly domainName: string;
    readonly domainPrefix: string;
    readonly http: {
      readonly method: string;
      readonly path: string;
      readonly protocol: string;
      readonly sourceIp: string;
      readonly userAgent: string;
    };
    readonly requestId: string;
    readonly routeKey: '$default';
    readonly stage: '$default';
    readonly time: string;
    readonly timeEpoch: number;
  };
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

/** What the function answers (LambdaFunctionURLResult in its structured form). */
export interface FunctionUrlResult {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The loopback endpoint: where links point, the function it invokes, and its stop. */
export interface LocalResponder {
  /** `http://127.0.0.1:<port>`, the base of every link the sandbox signs. */
  readonly baseUrl: string;
  serve(invoke: (event: FunctionUrlEvent) => Promise<FunctionUrlResult>): void;
  stop(): Promise<void>;
}

const MAX_BODY = 16 * 1024;
let requests = 0;

/** Starts the endpoint on a free loopback port; it answers 503 until `serve` hands it the function. */
export const startLocalResponder = async (): Promise<LocalResponder> => {
  let invoke: ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>) | undefined;
  // Known once the server listens, before any request can arrive.
  let host = '127.0.0.1';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const reply = (status: number, body: string, headers: Readonly<Record<string, string>> = {}) => {
        res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
        res.end(body);
      };
      if (!invoke) return reply(503, '<p>The sandbox is starting.</p>');
      const url = new URL(req.url ?? '/', `http://${host}`);
      const now = new Date();
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
      Object.assign(headers, { host, 'x-forwarded-proto': 'http', 'x-forwarded-for': '127.0.0.1' });
      const query = url.search.slice(1);
      requests += 1;
      invoke({
        version: '2.0',
        routeKey: '$default',
        rawPath: url.pathname,
        rawQueryString: query,
        headers,
        ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
        requestContext: {
          accountId: 'anonymous',
          apiId: 'sandbox',
          domainName: host,
          domainPrefix: 'sandbox',
          http: {
            method: req.method ?? 'GET',
            path: url.pathname,
            protocol: `HTTP/${req.httpVersion}`,
            sourceIp: '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
          requestId: `sandbox-${requests}`,
          routeKey: '$default',
          stage: '$default',
          time: now.toUTCString(),
          timeEpoch: now.getTime(),
        },
        ...(body.length > 0 ? { body: body.toString('base64') } : {}),
        isBase64Encoded: body.length > 0,
      }).then(
        (result) => reply(result.statusCode, result.body ?? '', result.headers),
        // The function's own failure page is its handler's; this is the invocation itself failing.
        () => reply(502, '<p>The responder function failed to run; see the sandbox function log.</p>'),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the local responder did not bind a TCP port');
  host = `127.0.0.1:${address.port}`;
  return {
    baseUrl: `http://${host}`,
    serve: (fn) => {
      invoke = fn;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
