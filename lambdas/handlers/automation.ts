import type { Logger } from '@aws-lambda-powertools/logger';
import { automationInputSchema } from '../contract/steps';
import { parseOrThrow } from '../domain/validation';
import { type AutomationDeps, decideAction, diagnoseIncident, verify } from '../services/automation';
import { pollAutomation } from '../services/automation-runs';
import { mitigate } from '../services/mitigation';
import { withMiddleware } from './middleware';

export { automationInputSchema } from '../contract/steps';

export const createAutomationHandler = (deps: AutomationDeps, logger: Logger) =>
  withMiddleware(logger, (event: unknown): Promise<unknown> => {
    const input = parseOrThrow(automationInputSchema, event, 'automation step input');
    switch (input.step) {
      case 'diagnose':
        return diagnoseIncident(deps, input.incidentId);
      case 'decide':
        return decideAction(deps, input.incidentId);
      case 'mitigate':
        return mitigate(deps, input.incidentId, input.decision);
      case 'verify':
        return verify(deps, input.incidentId, input.startedAt);
      case 'poll-automation':
        return pollAutomation(deps, input.incidentId, input.automation);
    }
  });
