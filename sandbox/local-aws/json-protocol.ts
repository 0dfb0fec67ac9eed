/**
 * The AWS services that have no emulator here (ECS, CloudWatch, CloudWatch Logs, SSM, Step Functions,
 * Secrets Manager), served on loopback in their own wire protocol, AWS JSON 1.0/1.1: the bundles'
 * own SDK clients reach it through `AWS_ENDPOINT_URL_<SERVICE>` and deserialize its answers as they
 * would AWS's, so a shape the SDK would not take fails here too. The operations' answers come from
 * the sandbox (the simulated environment, the task-token broker, the local workflows).
 *
 * As AWS: an operation is named by `X-Amz-Target: <service target>.<Operation>`; an error is HTTP 400
 * with `{"__type": name, "message": ...}` (the SDK turns it into an error of that name); timestamps
 * travel as epoch seconds. Unlike AWS, requests are not signature-checked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type Loopback, listenOnLoopback } from './loopback';

/** One operation: the request body in, the response body out (Dates are sent as epoch seconds). */
export type JsonOperation = (input: Record<string, unknown>) => unknown;

/** An error an operation throws to answer with AWS's error shape: `name` is the error code. */
export class AwsJsonError extends Error {
  constructor(
    name: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = name;
  }
}

export interface JsonService {
  /** The `X-Amz-Target` prefix, e.g. `AmazonEC2ContainerServiceV20141113`. */
  readonly target: string;
  /** The SDK's endpoint env var suffix, e.g. `ECS` for `AWS_ENDPOINT_URL_ECS`. */
  readonly endpointEnv: string;
  /** For error messages. */
  readonly name: string;
  readonly operations: Readonly<Record<string, JsonOperation>>;
}

/** Errors a drill can inject per operation, e.g. `{ GetMetricData: 'AccessDeniedException' }`. */
export type AwsFaults = Readonly<Record<string, string>>;

/** Dates become epoch seconds, as AWS's JSON protocols send timestamps. */
const toWire = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, function replace(this: Record<string, unknown>, key, v) {
      const raw = this[key];
      return raw instanceof Date ? raw.getTime() / 1000 : v;
    }),
  );

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export class LocalAwsJson {
  private constructor(
    private readonly loopback: Loopback,
    readonly endpoint: string,
    private readonly services: readonly JsonService[],
  ) {}

  /** Serves `services` on 127.0.0.1 (a free port); `faults` fail operations by name. */
  static async start(services: readonly JsonService[], faults: AwsFaults = {}): Promise<LocalAwsJson> {
    const byTarget = new Map(services.map((s) => [s.target, s]));
    const answer = async (req: IncomingMessage, res: ServerResponse) => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers });
        res.end(JSON.stringify(body));
      };
      const fail = (name: string, message: string, status = 400) =>
        send(status, { __type: name, message }, { 'x-amzn-errortype': name });
      const [target = '', operation = ''] = String(req.headers['x-amz-target'] ?? '').split('.');
      const service = byTarget.get(target);
      if (!service || req.method !== 'POST')
        return fail('UnknownOperationException', `the sandbox serves no ${target || 'unnamed'} service`);
      const run = service.operations[operation];
      if (!run)
        return fail(
          'UnknownOperationException',
          `the sandbox's ${service.name} does not simulate ${operation}`,
        );
      const fault = faults[operation];
      if (fault) return fail(fault, `${service.name} ${operation}: ${fault} (injected by the drill)`);
      let input: Record<string, unknown>;
      try {
        const text = await readBody(req);
        input = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        return fail('SerializationException', `${service.name} ${operation}: the body is not JSON`);
      }
      try {
        send(200, toWire((await run(input)) ?? {}));
      } catch (error) {
        if (error instanceof AwsJsonError) return fail(error.name, error.message, error.status);
        fail(
          'InternalFailure',
          `${service.name} ${operation}: ${error instanceof Error ? error.message : String(error)}`,
          500,
        );
      }
    };
    const server = createServer((req, res) => void answer(req, res));
    const loopback = await listenOnLoopback(server);
    return new LocalAwsJson(loopback, loopback.baseUrl, services);
  }

  /** `AWS_ENDPOINT_URL_<SERVICE>` for every service served here. */
  endpointEnv(): Record<string, string> {
    return Object.fromEntries(this.services.map((s) => [`AWS_ENDPOINT_URL_${s.endpointEnv}`, this.endpoint]));
  }

  stop(): Promise<void> {
    return this.loopback.stop();
  }
}
