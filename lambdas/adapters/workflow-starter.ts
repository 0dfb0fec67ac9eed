/** Starts a lifecycle execution for one event (Step Functions StartExecution). */
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

export interface WorkflowStarter {
  /**
   * Starts an execution and returns its id. With `name`, starting it again is a no-op that returns
   * the same id (Step Functions refuses a second execution of that name), so a retried step that
   * starts a workflow starts it once.
   */
  start(input: unknown, name?: string): Promise<string>;
}

export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: unknown, name?: string): Promise<string> {
    try {
      const out = await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          input: JSON.stringify(input),
          ...(name ? { name } : {}),
        }),
      );
      return out.executionArn ?? '';
    } catch (error) {
      // Same name, different input: refused. Same name and input while it runs: StartExecution
      // returns it; after it ended, ExecutionAlreadyExists. Either way it was started once.
      if (name && error instanceof ExecutionAlreadyExists)
        return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      throw error;
    }
  }
}
