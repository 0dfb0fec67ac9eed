/**
 * SSM Automation in the simulated environment (issue 15): the runbooks a scenario defines, and the
 * executions the `ssm-automation` custom actions start. An execution is InProgress for its runbook's
 * `runSeconds` of simulated time, then ends in the runbook's final status; a runbook that succeeds
 * applies its effect on the environment once, when it ends (a cache cleared, a pool restarted). A stop
 * makes it Cancelling, then Cancelled on the next read. local-aws/ssm-automation.ts serves it in AWS's
 * shapes.
 */
import { randomUUID } from 'node:crypto';
import { AwsJsonError } from './local-aws/json-protocol';

/** How a runbook behaves when it runs. */
export interface RunbookBehaviour {
  /** Simulated seconds it runs. */
  readonly runSeconds: number;
  /** Its final status, one of AutomationExecutionStatus. @default Success */
  readonly finalStatus?: string;
  /** Applied once, when it ends in Success or CompletedWithSuccess. */
  readonly effect?: () => void;
  /** FailureMessage of a failed run. */
  readonly failureMessage?: string;
}

/** One execution, as the simulation tracks it. */
export interface SimExecution {
  readonly id: string;
  readonly documentName: string;
  readonly documentVersion: string;
  readonly parameters: Readonly<Record<string, readonly string[]>>;
  readonly startedAt: Date;
  status: string;
  endedAt?: Date;
  stoppedAt?: Date;
}

const SUCCEEDED = new Set(['Success', 'CompletedWithSuccess']);

export class SimulatedAutomation {
  private readonly runbooks = new Map<string, RunbookBehaviour>();
  readonly executions: SimExecution[] = [];

  constructor(private readonly clock: () => Date) {}

  /** A runbook executions can be started of. */
  define(documentName: string, behaviour: RunbookBehaviour): void {
    this.runbooks.set(documentName, behaviour);
  }

  start(documentName: string, documentVersion: string | undefined, parameters: Record<string, string[]>) {
    if (!this.runbooks.has(documentName))
      throw new AwsJsonError(
        'AutomationDefinitionNotFoundException',
        `Automation definition ${documentName} not found`,
      );
    const execution: SimExecution = {
      id: randomUUID(),
      documentName,
      documentVersion: documentVersion ?? '1',
      parameters,
      startedAt: this.clock(),
      status: 'InProgress',
    };
    this.executions.push(execution);
    return execution;
  }

  /** The execution as of now: it moves on with the simulated clock. */
  get(id: string): SimExecution {
    const execution = this.find(id);
    const runbook = this.runbooks.get(execution.documentName) as RunbookBehaviour;
    const now = this.clock();
    if (execution.status === 'Cancelling') {
      execution.status = 'Cancelled';
      execution.endedAt = now;
    } else if (
      execution.status === 'InProgress' &&
      now.getTime() - execution.startedAt.getTime() >= runbook.runSeconds * 1000
    ) {
      execution.status = runbook.finalStatus ?? 'Success';
      execution.endedAt = now;
      if (SUCCEEDED.has(execution.status)) runbook.effect?.();
    }
    return execution;
  }

  stop(id: string): void {
    const execution = this.get(id);
    if (execution.status !== 'InProgress')
      throw new AwsJsonError(
        'InvalidAutomationStatusUpdateException',
        `The automation execution ${id} is ${execution.status} and cannot be stopped`,
      );
    execution.status = 'Cancelling';
    execution.stoppedAt = this.clock();
  }

  failureMessage(execution: SimExecution): string | undefined {
    return SUCCEEDED.has(execution.status) || execution.status === 'InProgress'
      ? undefined
      : (this.runbooks.get(execution.documentName)?.failureMessage ??
          `Step fails when it is ${execution.status}`);
  }

  private find(id: string): SimExecution {
    const execution = this.executions.find((e) => e.id === id);
    if (!execution)
      throw new AwsJsonError('AutomationExecutionNotFoundException', `Automation execution ${id} not found`);
    return execution;
  }
}
