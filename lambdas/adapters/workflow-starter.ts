/** Starts a lifecycle execution for one event (Step Functions StartExecution). */
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

export interface WorkflowStarter {
  start(input: unknown): Promise<string>;
}

export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: unknown): Promise<string> {
    const out = await this.sfn.send(
      new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, input: JSON.stringify(input) }),
    );
    return out.executionArn ?? '';
  }
}
