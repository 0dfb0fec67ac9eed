/**
 * Lambda's Invoke API on 127.0.0.1 for the sandbox's `lambda` custom actions (issue 15), answered by
 * the simulated functions (sim-functions.ts), in Lambda's REST-JSON shapes, to the automation
 * bundle's real @aws-sdk/client-lambda (AWS_ENDPOINT_URL_LAMBDA points here):
 * - `POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=]`, the name given as a name,
 *   `NAME:QUALIFIER`, a partial ARN or a full ARN;
 * - 200 with the function's result; a function that throws is 200 with `X-Amz-Function-Error:
 *   Unhandled` and `{errorType, errorMessage, trace}`, as Lambda reports it;
 * - errors as Lambda's (`x-amzn-errortype`, `{Type, Message}`): ResourceNotFoundException for an
 *   unknown function, and for an ARN of another region than the request was signed for (Lambda's
 *   endpoints are regional); InvalidParameterValueException when the name's qualifier and
 *   `Qualifier` differ; InvalidRequestContentException for a payload that is not JSON;
 *   RequestTooLargeException over the 6 MB synchronous payload.
 * Where it differs from Lambda, written here: only RequestResponse is served (the actions use
 * nothing else); a request is checked for a SigV4 header and its region, not its signature; and
 * functions have no versions, so `X-Amz-Executed-Version` is a numeric qualifier itself, else
 * `$LATEST` (Lambda names the version an alias points to).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SimulatedFunctions } from '../sim-functions';
import { listenOnLoopback } from './loopback';

/** Lambda's synchronous invocation payload limit (request and response): 6 MB. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

const PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export interface LambdaEndpoint {
  /** `http://127.0.0.1:<port>`: AWS_ENDPOINT_URL_LAMBDA. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

class LambdaError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The region a SigV4 request was signed for: `Credential=AKID/DATE/REGION/lambda/aws4_request`. */
const signingRegion = (req: IncomingMessage): string => {
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\/lambda\/aws4_request/.exec(
    req.headers.authorization ?? '',
  );
  if (!match?.[1])
    throw new LambdaError(
      403,
      'UnrecognizedClientException',
      'The request is not signed with SigV4 for lambda',
    );
  return match[1];
};

/** The function's unqualified ARN and the qualifier, from the path's FunctionName and `Qualifier`. */
const resolveName = (
  functionName: string,
  queryQualifier: string | null,
  region: string,
  account: string,
): { arn: string; qualifier?: string } => {
  const parts = functionName.split(':');
  let arnRegion = region;
  let arnAccount = account;
  let rest: string[];
  if (parts[0] === 'arn') {
    if (parts[2] !== 'lambda' || parts[5] !== 'function')
      throw new LambdaError(400, 'InvalidParameterValueException', `${functionName} is not a function ARN`);
    arnRegion = parts[3] ?? '';
    arnAccount = parts[4] ?? '';
    rest = parts.slice(6);
  } else if (parts[1] === 'function') {
    arnAccount = parts[0] ?? '';
    rest = parts.slice(2);
  } else rest = parts;
  const [name, nameQualifier] = rest;
  if (!name)
    throw new LambdaError(400, 'InvalidParameterValueException', `${functionName} names no function`);
  if (arnRegion !== region)
    throw new LambdaError(
      404,
      'ResourceNotFoundException',
      `Functions from '${arnRegion}' are not reachable in this region ('${region}')`,
    );
  if (nameQualifier && queryQualifier && nameQualifier !== queryQualifier)
    throw new LambdaError(
      400,
      'InvalidParameterValueException',
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  const qualifier = nameQualifier ?? queryQualifier ?? undefined;
  return {
    arn: `arn:aws:lambda:${region}:${arnAccount}:function:${name}`,
    ...(qualifier ? { qualifier } : {}),
  };
};

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const answer = async (
  req: IncomingMessage,
  res: ServerResponse,
  functions: SimulatedFunctions,
  account: string,
) => {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const path = PATH.exec(url.pathname);
  if (req.method !== 'POST' || !path?.[1])
    throw new LambdaError(
      404,
      'UnknownOperationException',
      `${req.method} ${url.pathname} is not served here`,
    );
  const region = signingRegion(req);
  const invocationType = req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
  if (invocationType !== 'RequestResponse')
    throw new LambdaError(
      400,
      'InvalidParameterValueException',
      `the sandbox serves InvocationType RequestResponse only, not ${String(invocationType)}`,
    );
  const { arn, qualifier } = resolveName(
    decodeURIComponent(path[1]),
    url.searchParams.get('Qualifier'),
    region,
    account,
  );
  const body = await readBody(req);
  if (body.length > MAX_PAYLOAD_BYTES)
    throw new LambdaError(
      413,
      'RequestTooLargeException',
      `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
    );
  if (!functions.has(arn))
    throw new LambdaError(404, 'ResourceNotFoundException', `Function not found: ${arn}`);
  let payload: unknown = null;
  if (body.length > 0) {
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new LambdaError(
        400,
        'InvalidRequestContentException',
        `Could not parse request body into json: ${(error as Error).message}`,
      );
    }
  }
  const result = functions.invoke(arn, qualifier, payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amz-executed-version': qualifier && /^\d+$/.test(qualifier) ? qualifier : '$LATEST',
  };
  if (result.ok) {
    res.writeHead(200, headers);
    res.end(JSON.stringify(result.result));
    return;
  }
  res.writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' });
  res.end(JSON.stringify({ errorType: result.errorType, errorMessage: result.errorMessage, trace: [] }));
};

/** Serves Lambda's Invoke for `functions` on a free loopback port; `account` is the simulated account. */
export const startLambdaEndpoint = async (
  functions: SimulatedFunctions,
  account: string,
): Promise<LambdaEndpoint> => {
  const server = createServer((req, res) => {
    answer(req, res, functions, account).catch((error: unknown) => {
      const e =
        error instanceof LambdaError
          ? error
          : new LambdaError(500, 'ServiceException', (error as Error).message);
      req.resume();
      res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.type });
      res.end(JSON.stringify({ Type: e.status >= 500 ? 'Service' : 'User', Message: e.message }));
    });
  });
  const { baseUrl, stop } = await listenOnLoopback(server);
  return { endpoint: baseUrl, stop };
};
