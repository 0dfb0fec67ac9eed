import type { Logger } from '@aws-lambda-powertools/logger';
import { type LifecycleInput, lifecycleInputSchema } from '../contract/steps';
import { parseOrThrow } from '../domain/validation';
import type { LifecycleDeps } from '../services/lifecycle/deps';
import { continueEscalation, fireEscalation, planEscalation } from '../services/lifecycle/escalation';
import { escalate } from '../services/lifecycle/failure';
import { planPostMortem, postIncident, remindPostMortem } from '../services/lifecycle/post-mortem';
import { announce, awaitApproval, awaitRecovery, close, resolve } from '../services/lifecycle/steps';
import { endSuppression } from '../services/lifecycle/suppression';
import { withMiddleware } from './middleware';

export { type LifecycleInput, lifecycleInputSchema } from '../contract/steps';

export const runLifecycleStep = (deps: LifecycleDeps, input: LifecycleInput): Promise<unknown> => {
  switch (input.step) {
    case 'announce':
      return announce(deps, input.incidentId);
    case 'await-approval':
      return awaitApproval(deps, input.incidentId, input.taskToken, input.decision);
    case 'await-recovery':
      return awaitRecovery(deps, input.incidentId, input.taskToken);
    case 'resolve':
      return resolve(deps, input.incidentId);
    case 'post-incident':
      return postIncident(deps, input.incidentId);
    case 'close':
      return close(deps, input.incidentId);
    case 'end-suppression':
      return endSuppression(deps, input.incidentId, input.until, input.execution);
    case 'postmortem-plan':
      return planPostMortem(deps, input.incidentId, input.epoch);
    case 'postmortem-remind':
      return remindPostMortem(deps, input.incidentId);
    case 'escalation-plan':
      return planEscalation(deps, input.incidentId, input.epoch, input.after);
    case 'escalation-continue':
      return continueEscalation(deps, input.incidentId, input.epoch, input.generation, input.after);
    case 'escalation-fire':
      return fireEscalation(deps, input.incidentId, input.epoch, input.entry);
    case 'escalate':
      return escalate(deps, {
        step: input.failedStep,
        reason: input.reason,
        error: input.error,
        state: input.state,
      });
  }
};

export const createLifecycleHandler = (deps: LifecycleDeps, logger: Logger) =>
  withMiddleware(logger, (event: unknown) =>
    runLifecycleStep(deps, parseOrThrow(lifecycleInputSchema, event, 'lifecycle step input')),
  );
