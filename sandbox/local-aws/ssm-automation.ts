/**
 * StartAutomationExecution, GetAutomationExecution and StopAutomationExecution for the sandbox, in
 * the shapes of the SSM API reference (API_StartAutomationExecution, API_GetAutomationExecution with
 * its AutomationExecution object, API_StopAutomationExecution), answered from the simulated runbooks
 * (sim-automation.ts) and served by LocalAwsJson beside ECS and the kill switch's GetParameter.
 */
import type { SimulatedAutomation } from '../sim-automation';
import { AwsJsonError } from './json-protocol';

type Handler = (input: Record<string, unknown>) => Record<string, unknown>;

const stringLists = (value: unknown): Record<string, string[]> => {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null)
    throw new AwsJsonError('InvalidAutomationExecutionParametersException', 'Parameters must be a map');
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => {
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
        throw new AwsJsonError(
          'InvalidAutomationExecutionParametersException',
          `Parameter ${k} must be a list of strings`,
        );
      return [k, v as string[]];
    }),
  );
};

export const automationOperations = (automation: SimulatedAutomation): Record<string, Handler> => ({
  StartAutomationExecution: (input) => {
    if (typeof input.DocumentName !== 'string')
      throw new AwsJsonError('ValidationException', 'DocumentName is required');
    const execution = automation.start(
      input.DocumentName,
      typeof input.DocumentVersion === 'string' ? input.DocumentVersion : undefined,
      stringLists(input.Parameters),
    );
    return { AutomationExecutionId: execution.id };
  },
  GetAutomationExecution: (input) => {
    const execution = automation.get(String(input.AutomationExecutionId ?? ''));
    const failure = automation.failureMessage(execution);
    return {
      AutomationExecution: {
        AutomationExecutionId: execution.id,
        DocumentName: execution.documentName,
        DocumentVersion: execution.documentVersion,
        ExecutionStartTime: execution.startedAt,
        ...(execution.endedAt ? { ExecutionEndTime: execution.endedAt } : {}),
        AutomationExecutionStatus: execution.status,
        Mode: 'Auto',
        Parameters: execution.parameters,
        Outputs: {},
        StepExecutions: [],
        ...(failure ? { FailureMessage: failure } : {}),
      },
    };
  },
  StopAutomationExecution: (input) => {
    automation.stop(String(input.AutomationExecutionId ?? ''));
    return {};
  },
});
