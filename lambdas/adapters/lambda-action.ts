/**
 * The `lambda` custom action over @aws-sdk/client-lambda (issue 15): one synchronous Invoke
 * (RequestResponse) of the configured function with the rendered payload, abandoned at the action's
 * timeout. A function error (the response's `FunctionError`, with the payload Lambda returns for it:
 * `errorType`, `errorMessage`) is an answer, not an exception: the service records it as a failure.
 */
import type { InvokeCommand, InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { regionOfArn } from './regional-clients';

/**
 * The Lambda client for a region and its Invoke command, loaded when first needed: the automation
 * function imports @aws-sdk/client-lambda only once a `lambda` action runs, not at every cold start.
 * Lambda's endpoints are regional, so a function is invoked through a client of its ARN's region.
 */
export type LambdaSdkLoader = (region: string) => Promise<{
  readonly client: LambdaClient;
  readonly InvokeCommand: typeof InvokeCommand;
}>;

/** What an invocation came back with. */
export interface LambdaActionAnswer {
  readonly statusCode: number;
  /** `Unhandled` (or the function's own), when the function failed. */
  readonly functionError?: string;
  /** The function's error message, when it failed and said one. */
  readonly errorMessage?: string;
}

/** What the automation asks of a `lambda` action. */
export interface LambdaActionApi {
  invoke(
    functionArn: string,
    payload: Readonly<Record<string, unknown>>,
    timeoutMs: number,
  ): Promise<LambdaActionAnswer>;
}

const errorMessageOf = (payload: Uint8Array | undefined): string | undefined => {
  if (!payload || payload.length === 0) return undefined;
  try {
    const body = JSON.parse(new TextDecoder().decode(payload)) as { errorMessage?: unknown };
    return typeof body.errorMessage === 'string' ? body.errorMessage.slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
};

/** Attempts at a throttled invocation, and the pause before the second and third. */
const THROTTLE_ATTEMPTS = 3;
const THROTTLE_PAUSE_MS = 1000;

const isThrottle = (error: unknown): boolean =>
  error instanceof Error && error.name === 'TooManyRequestsException';

export class InvokeLambdaAction implements LambdaActionApi {
  constructor(
    private readonly sdk: LambdaSdkLoader,
    private readonly pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /**
   * One invocation. The client makes one attempt (a retry after a 5xx or a lost answer could run the
   * remediation twice); only a throttle (429 TooManyRequestsException: Lambda ran nothing) is tried
   * again, twice at most, 1 s and 2 s later, within the same `timeoutMs`.
   */
  async invoke(functionArn: string, payload: Readonly<Record<string, unknown>>, timeoutMs: number) {
    const { client, InvokeCommand } = await this.sdk(regionOfArn(functionArn));
    const signal = AbortSignal.timeout(timeoutMs);
    const command = new InvokeCommand({
      FunctionName: functionArn,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    });
    let response: InvokeCommandOutput | undefined;
    for (let attempt = 1; response === undefined; attempt++) {
      try {
        response = await client.send(command, { abortSignal: signal });
      } catch (error) {
        if (!isThrottle(error) || attempt >= THROTTLE_ATTEMPTS || signal.aborted) throw error;
        await this.pause(THROTTLE_PAUSE_MS * attempt);
      }
    }
    const errorMessage = response.FunctionError ? errorMessageOf(response.Payload) : undefined;
    return {
      statusCode: response.StatusCode ?? 0,
      ...(response.FunctionError ? { functionError: response.FunctionError } : {}),
      ...(errorMessage ? { errorMessage } : {}),
    };
  }
}
