/**
 * The `ssm-automation` custom action over @aws-sdk/client-ssm (issue 15): StartAutomationExecution of
 * the configured runbook with its rendered parameters and `AutomationAssumeRole`, GetAutomationExecution
 * for its status, and StopAutomationExecution (type Cancel) at the action's timeout. Shapes as in the
 * SSM API reference (API_StartAutomationExecution, API_GetAutomationExecution, API_StopAutomationExecution).
 */

import { createHash } from 'node:crypto';
import {
  GetAutomationExecutionCommand,
  type SSMClient,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { IncidentError } from '../domain/errors';

/** A UUID-shaped digest of `key` (ClientToken must be a UUID). */
const uuidOf = (key: string): string => {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** GetAutomationExecution answered without a status, or StartAutomationExecution without an id. */
export class AutomationResponseError extends IncidentError {}

export interface AutomationStart {
  readonly documentName: string;
  readonly documentVersion?: string;
  readonly parameters: Readonly<Record<string, string[]>>;
  /** Passed as the runbook's AutomationAssumeRole parameter. */
  readonly roleArn: string;
  /** The run's own key (incident and start time): the ClientToken is derived from it, so a repeated start is refused rather than run twice. */
  readonly idempotencyKey: string;
}

/** What the automation asks of SSM Automation; the sandbox simulates it behind the same client. */
export interface AutomationApi {
  start(request: AutomationStart): Promise<string>;
  status(executionId: string): Promise<{ readonly status: string; readonly failureMessage?: string }>;
  stop(executionId: string): Promise<void>;
}

export class SsmAutomationAdapter implements AutomationApi {
  constructor(private readonly ssm: SSMClient) {}

  async start(request: AutomationStart): Promise<string> {
    const { AutomationExecutionId } = await this.ssm.send(
      new StartAutomationExecutionCommand({
        DocumentName: request.documentName,
        ...(request.documentVersion ? { DocumentVersion: request.documentVersion } : {}),
        Parameters: { ...request.parameters, AutomationAssumeRole: [request.roleArn] },
        ClientToken: uuidOf(request.idempotencyKey),
      }),
    );
    if (!AutomationExecutionId)
      throw new AutomationResponseError(`StartAutomationExecution of ${request.documentName} returned no id`);
    return AutomationExecutionId;
  }

  async status(executionId: string) {
    const { AutomationExecution } = await this.ssm.send(
      new GetAutomationExecutionCommand({ AutomationExecutionId: executionId }),
    );
    const status = AutomationExecution?.AutomationExecutionStatus;
    if (!status)
      throw new AutomationResponseError(`GetAutomationExecution of ${executionId} returned no status`);
    return {
      status,
      ...(AutomationExecution.FailureMessage ? { failureMessage: AutomationExecution.FailureMessage } : {}),
    };
  }

  async stop(executionId: string): Promise<void> {
    await this.ssm.send(
      new StopAutomationExecutionCommand({ AutomationExecutionId: executionId, Type: 'Cancel' }),
    );
  }
}
