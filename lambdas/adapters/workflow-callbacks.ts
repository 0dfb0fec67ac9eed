/**
 * Resumes a workflow task that waits for a callback (`.waitForTaskToken`). In AWS this is Step
 * Functions' SendTaskSuccess/SendTaskFailure; the sandbox's task-token broker implements the same
 * interface.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';

export interface WorkflowCallbacks {
  succeed(token: string, output: unknown): Promise<void>;
  fail(token: string, error: string, cause: string): Promise<void>;
}

/** Errors that mean the task no longer waits: it finished, timed out, or its execution ended. */
export const STALE_TOKEN_ERRORS = ['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken'] as const;

export const isStaleToken = (error: unknown): boolean =>
  STALE_TOKEN_ERRORS.includes((error as { name?: string })?.name as (typeof STALE_TOKEN_ERRORS)[number]);

export class SfnCallbacks implements WorkflowCallbacks {
  constructor(private readonly sfn: SFNClient) {}

  async succeed(token: string, output: unknown): Promise<void> {
    await this.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
  }

  async fail(token: string, error: string, cause: string): Promise<void> {
    await this.sfn.send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
  }
}
