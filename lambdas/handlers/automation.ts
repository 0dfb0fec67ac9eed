import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { DECISION_VERDICTS, PLAYBOOKS } from '../domain/evidence';
import { parseOrThrow } from '../domain/validation';
import {
  type AutomationDeps,
  decideAction,
  diagnoseIncident,
  mitigate,
  verify,
} from '../services/automation';
import { withMiddleware } from './middleware';

const incidentId = z.string().min(1);

const decisionSchema = z.object({
  verdict: z.enum(DECISION_VERDICTS),
  playbook: z.enum(PLAYBOOKS),
  reason: z.string(),
  rollbackTo: z.string().optional(),
  scaleTo: z.int().positive().optional(),
});

/** The workflow's automation Tasks call this function with `step` naming what to do. */
export const automationInputSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal('diagnose'), incidentId }),
  z.object({ step: z.literal('decide'), incidentId }),
  z.object({ step: z.literal('mitigate'), incidentId, decision: decisionSchema }),
  z.object({ step: z.literal('verify'), incidentId, startedAt: z.iso.datetime() }),
]);

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
    }
  });
