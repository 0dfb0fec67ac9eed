/**
 * The teams' own Lambda functions in the simulated environment (issue 15): what the `lambda` custom
 * actions invoke (warm a cache, restart a connection pool). A scenario defines a function by its ARN
 * and what it does with the payload; the loopback Lambda endpoint (local-aws/lambda-invoke.ts)
 * answers Invoke through it, and every invocation is recorded, so a drill shows what automation
 * invoked and how it ended.
 */

/** What a function does with one payload: change the environment and return, or throw (a function error). */
export type FunctionBehaviour = (payload: unknown) => unknown;

/** One invocation the functions received. */
export interface FunctionCall {
  readonly at: string;
  /** The function's unqualified ARN. */
  readonly functionArn: string;
  /** The alias or version invoked, if any (`function:NAME:QUALIFIER` or `?Qualifier=`). */
  readonly qualifier?: string;
  readonly payload: unknown;
  /** `ok`, or the function's error message. */
  readonly outcome: string;
}

/** A function's answer: its result, or the error Lambda reports with `X-Amz-Function-Error: Unhandled`. */
export type FunctionAnswer =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

export class SimulatedFunctions {
  private readonly functions = new Map<string, FunctionBehaviour>();
  readonly calls: FunctionCall[] = [];

  constructor(private readonly clock: () => Date) {}

  /** Defines the function at `functionArn` (unqualified; any alias or version of it runs the same code). */
  define(functionArn: string, behaviour: FunctionBehaviour): void {
    this.functions.set(functionArn, behaviour);
  }

  /** Whether `functionArn` (unqualified) is defined. */
  has(functionArn: string): boolean {
    return this.functions.has(functionArn);
  }

  /** Runs a defined function once and records the call. */
  invoke(functionArn: string, qualifier: string | undefined, payload: unknown): FunctionAnswer {
    const behaviour = this.functions.get(functionArn);
    if (!behaviour) throw new Error(`no simulated function ${functionArn}`);
    let answer: FunctionAnswer;
    try {
      answer = { ok: true, result: behaviour(payload) ?? null };
    } catch (error) {
      answer = {
        ok: false,
        errorType: error instanceof Error ? error.name : 'Error',
        errorMessage: error instanceof Error ? error.message : String(error),
      };
    }
    this.calls.push({
      at: this.clock().toISOString(),
      functionArn,
      ...(qualifier ? { qualifier } : {}),
      payload,
      outcome: answer.ok ? 'ok' : answer.errorMessage,
    });
    return answer;
  }
}
