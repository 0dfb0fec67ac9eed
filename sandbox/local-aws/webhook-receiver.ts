/**
 * A webhook receiver on 127.0.0.1 (a free port) for the sandbox and the delivery tests (issue 15):
 * it records every POST (path, headers, raw body), checks its signature with the keys it holds the
 * way a receiver should (domain/webhook-signature.ts verifySignature, against the simulated clock),
 * and answers 204, or what it was told to: `answerNext(n, status)` answers the next n requests with
 * that status (a 4xx to refuse, a 5xx to fail), `hangNext(n)` holds them without an answer until
 * the caller gives up.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type VerifyResult,
  verifySignature,
} from '../../lambdas/domain/webhook-signature';
import { listenOnLoopback } from './loopback';

/** One delivery as the receiver got it. */
export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  readonly body: string;
  /** The receiver's check of the signature with its keys. */
  readonly verified: VerifyResult;
  /** The status sent, or `hung` when no answer was sent. */
  readonly answered: number | 'hung';
  /** When it arrived, by the receiver's clock. */
  readonly at: Date;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`: each webhook is delivered to `${baseUrl}/<webhook name>`. */
  readonly baseUrl: string;
  readonly received: readonly ReceivedWebhook[];
  /** The parsed bodies of the deliveries it answered 2xx. */
  accepted(): unknown[];
  answerNext(count: number, status: number): void;
  hangNext(count: number): void;
  stop(): Promise<void>;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
};

/** Starts the receiver; `keys` are the signing keys it accepts, `now` its clock. */
export const startWebhookReceiver = async (
  keys: readonly string[],
  now: () => Date = () => new Date(),
): Promise<WebhookReceiver> => {
  const received: ReceivedWebhook[] = [];
  const scripted: (number | 'hung')[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verified = verifySignature({
        secrets: keys,
        timestamp: header(req.headers, TIMESTAMP_HEADER),
        signature: header(req.headers, SIGNATURE_HEADER),
        body,
        now: now(),
      });
      const answer = scripted.shift() ?? (req.method === 'POST' ? (verified.ok ? 204 : 401) : 405);
      received.push({
        path: req.url ?? '/',
        headers: req.headers,
        body,
        verified,
        answered: answer,
        at: now(),
      });
      if (answer === 'hung') return;
      res.writeHead(answer).end();
    });
  });
  const { baseUrl, stop } = await listenOnLoopback(server);
  return {
    baseUrl,
    received,
    accepted: () =>
      received
        .filter((r) => typeof r.answered === 'number' && r.answered >= 200 && r.answered < 300)
        .map((r) => JSON.parse(r.body) as unknown),
    answerNext: (count, status) => {
      for (let i = 0; i < count; i++) scripted.push(status);
    },
    hangNext: (count) => {
      for (let i = 0; i < count; i++) scripted.push('hung');
    },
    stop,
  };
};
