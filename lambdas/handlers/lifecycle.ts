import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { DECISION_VERDICTS, PLAYBOOKS } from '../domain/evidence';
import { parseOrThrow } from '../domain/validation';
import { ESCALATION_TRIGGERS } from '../domain/vocabulary';
import {
  announce,
  awaitApproval,
  awaitRecovery,
  close,
  continueEscalation,
  endSuppression,
  escalate,
  fireEscalation,
  type LifecycleDeps,
  planEscalation,
  planPostMortem,
  postIncident,
  remindPostMortem,
  resolve,
} from '../services/lifecycle';
import { withMiddleware } from './middleware';

const incidentId = z.string().min(1);

/** The workflow's Tasks call this function with `step` naming what to do. */
export const lifecycleInputSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal('announce'), incidentId }),
  z.object({ step: z.literal('await-recovery'), incidentId, taskToken: z.string().min(1) }),
  z.object({
    step: z.literal('await-approval'),
    incidentId,
    taskToken: z.string().min(1),
    decision: z.object({
      verdict: z.enum(DECISION_VERDICTS),
      playbook: z.enum(PLAYBOOKS),
      reason: z.string(),
      rollbackTo: z.string().optional(),
      scaleTo: z.int().positive().optional(),
    }),
  }),
  z.object({ step: z.literal('resolve'), incidentId }),
  z.object({ step: z.literal('post-incident'), incidentId }),
  z.object({ step: z.literal('close'), incidentId }),
  z.object({
    step: z.literal('end-suppression'),
    incidentId,
    /** The suppression end the execution waited for. */
    until: z.iso.datetime(),
    /** The execution's name: a retried step recognises its own earlier attempt. */
    execution: z.string().min(1),
  }),
  z.object({ step: z.literal('postmortem-plan'), incidentId, epoch: z.int().min(0) }),
  z.object({ step: z.literal('postmortem-remind'), incidentId }),
  z.object({
    step: z.literal('escalation-plan'),
    incidentId,
    epoch: z.int().min(0),
    // The first plan has no cursor yet (empty strings); later ones carry the last handled entry.
    after: z.object({ at: z.string(), label: z.string() }).optional(),
  }),
  z.object({
    step: z.literal('escalation-continue'),
    incidentId,
    epoch: z.int().min(0),
    generation: z.int().min(0),
    after: z.object({ at: z.string(), label: z.string() }),
  }),
  z.object({
    step: z.literal('escalation-fire'),
    incidentId,
    epoch: z.int().min(0),
    entry: z.object({
      at: z.iso.datetime(),
      kind: z.enum(['step', 'update']),
      tiers: z.array(z.string()),
      trigger: z.enum(ESCALATION_TRIGGERS),
      label: z.string(),
    }),
  }),
  z.object({
    step: z.literal('escalate'),
    failedStep: z.string().min(1),
    reason: z.string().optional(),
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
    state: z
      .object({ record: z.object({ incidentId: z.string().optional() }).optional() })
      .loose()
      .optional(),
  }),
]);
export type LifecycleInput = z.infer<typeof lifecycleInputSchema>;

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
