/**
 * What crosses the CDK/runtime boundary inside a workflow, named once: the `step` each Task sends its
 * function, the result fields the workflow's Choices match on, and the error names its Retry and
 * Catch match. The constructs (lib/constructs/*-workflow.ts) and the handlers both read these, so a
 * renamed literal breaks the build instead of an execution. zod/mini only: bundled.
 */
import * as z from 'zod/mini';
import { DECISION_VERDICTS, PLAYBOOKS } from '../domain/evidence';
import { ESCALATION_TRIGGERS } from '../domain/vocabulary';

/** The `step` of each lifecycle-function Task (lifecycle, escalation and post-mortem workflows). */
export const LIFECYCLE_STEP = {
  announce: 'announce',
  awaitRecovery: 'await-recovery',
  awaitApproval: 'await-approval',
  resolve: 'resolve',
  postIncident: 'post-incident',
  close: 'close',
  endSuppression: 'end-suppression',
  postMortemPlan: 'postmortem-plan',
  postMortemRemind: 'postmortem-remind',
  escalationPlan: 'escalation-plan',
  escalationContinue: 'escalation-continue',
  escalationFire: 'escalation-fire',
  escalate: 'escalate',
} as const;

/** The `step` of each automation-function Task. */
export const AUTOMATION_STEP = {
  diagnose: 'diagnose',
  decide: 'decide',
  mitigate: 'mitigate',
  verify: 'verify',
  pollAutomation: 'poll-automation',
} as const;

/** `$.record.outcome`: what the intake did with the event. Opened and reopened start a lifecycle. */
export const RECORD_OUTCOMES = ['opened', 'duplicate', 'reopened', 'updated', 'resolved', 'ignored'] as const;
export type RecordOutcome = (typeof RECORD_OUTCOMES)[number];
export const RECORD_OUTCOME = {
  opened: 'opened',
  reopened: 'reopened',
} as const satisfies Partial<Record<string, RecordOutcome>>;

/** `$.verification.outcome`: the service after a mitigation. */
export const VERIFY_OUTCOMES = ['recovered', 'waiting', 'failed'] as const;
export type VerifyOutcome = (typeof VERIFY_OUTCOMES)[number];
export const VERIFY_OUTCOME = {
  recovered: 'recovered',
  waiting: 'waiting',
  failed: 'failed',
} as const satisfies Record<VerifyOutcome, VerifyOutcome>;

/**
 * `$.mitigation.outcome`: what the mitigation did. `acted`: verify recovery; `skipped`: nothing ran
 * (refused at the last moment, or the action is already running for another incident), await
 * recovery; `failed`: a custom action ran and did not succeed, a person is paged; `running`: an SSM
 * Automation execution is under way, wait `$.mitigation.waitSeconds` and poll it.
 */
export const MITIGATION_OUTCOMES = ['acted', 'skipped', 'failed', 'running'] as const;
export type MitigationOutcome = (typeof MITIGATION_OUTCOMES)[number];
export const MITIGATION_OUTCOME = {
  acted: 'acted',
  skipped: 'skipped',
  failed: 'failed',
  running: 'running',
} as const satisfies Record<MitigationOutcome, MitigationOutcome>;

/** `$.decision.verdict`: what automation decided. */
export const VERDICT = {
  act: 'act',
  needsApproval: 'needs-approval',
} as const satisfies Partial<Record<string, (typeof DECISION_VERDICTS)[number]>>;

/** The incident status a Choice reads (`$.record.status`). */
export const RESOLVED_STATUS = 'RESOLVED';

/** The error an approval's task token fails with when a responder denies it. */
export const APPROVAL_DENIED = 'ApprovalDenied';

/**
 * Errors worth another attempt: contention, throttling, a service hiccup. (CDK's LambdaInvoke
 * already retries Lambda's own service errors.) `States.Timeout` is not among them: Step Functions
 * does not stop a function whose task timed out, so a retry would run beside an attempt still
 * going. Only a step that is idempotent by construction retries its timeout.
 */
export const TRANSIENT_ERRORS = [
  'ConcurrentUpdateError',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'InternalServerError',
  'ServiceUnavailable',
  'Lambda.TooManyRequestsException',
] as const;

/** What an idempotent step also retries: its own timeout (a second run beside the first changes nothing). */
export const IDEMPOTENT_RETRY_ERRORS = [...TRANSIENT_ERRORS, 'States.Timeout'] as const;

// --- step inputs ------------------------------------------------------------------------------------

const incidentId = z.string().check(z.minLength(1));
const token = z.string().check(z.minLength(1));
const epoch = z.int().check(z.minimum(0));

const decisionSchema = z.object({
  verdict: z.enum(DECISION_VERDICTS),
  playbook: z.enum(PLAYBOOKS),
  reason: z.string(),
  rollbackTo: z.optional(z.string()),
  scaleTo: z.optional(z.int().check(z.positive())),
  action: z.optional(z.string().check(z.minLength(1))),
});

/** An SSM Automation execution a custom action started, as `$.mitigation.automation` carries it between polls. */
export const automationRunSchema = z.object({
  action: z.string().check(z.minLength(1)),
  executionId: z.string().check(z.minLength(1)),
  /** Who holds the action's lock (released when the execution ends). */
  holder: z.string().check(z.minLength(1)),
  startedAt: z.iso.datetime(),
});
export type AutomationRun = z.infer<typeof automationRunSchema>;

/** What the workflows' automation Tasks send, by `step`. */
export const automationInputSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal(AUTOMATION_STEP.diagnose), incidentId }),
  z.object({ step: z.literal(AUTOMATION_STEP.decide), incidentId }),
  z.object({ step: z.literal(AUTOMATION_STEP.mitigate), incidentId, decision: decisionSchema }),
  z.object({ step: z.literal(AUTOMATION_STEP.verify), incidentId, startedAt: z.iso.datetime() }),
  z.object({ step: z.literal(AUTOMATION_STEP.pollAutomation), incidentId, automation: automationRunSchema }),
]);
export type AutomationInput = z.infer<typeof automationInputSchema>;

/** What the workflows' lifecycle Tasks send, by `step`. */
export const lifecycleInputSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal(LIFECYCLE_STEP.announce), incidentId }),
  z.object({ step: z.literal(LIFECYCLE_STEP.awaitRecovery), incidentId, taskToken: token }),
  z.object({
    step: z.literal(LIFECYCLE_STEP.awaitApproval),
    incidentId,
    taskToken: token,
    decision: decisionSchema,
  }),
  z.object({ step: z.literal(LIFECYCLE_STEP.resolve), incidentId }),
  z.object({ step: z.literal(LIFECYCLE_STEP.postIncident), incidentId }),
  z.object({ step: z.literal(LIFECYCLE_STEP.close), incidentId }),
  z.object({
    step: z.literal(LIFECYCLE_STEP.endSuppression),
    incidentId,
    /** The suppression end the execution waited for. */
    until: z.iso.datetime(),
    /** The execution's name: a retried step recognises its own earlier attempt. */
    execution: token,
  }),
  z.object({ step: z.literal(LIFECYCLE_STEP.postMortemPlan), incidentId, epoch }),
  z.object({ step: z.literal(LIFECYCLE_STEP.postMortemRemind), incidentId }),
  z.object({
    step: z.literal(LIFECYCLE_STEP.escalationPlan),
    incidentId,
    epoch,
    // The first plan has no cursor yet (empty strings); later ones carry the last handled entry.
    after: z.optional(z.object({ at: z.string(), label: z.string() })),
  }),
  z.object({
    step: z.literal(LIFECYCLE_STEP.escalationContinue),
    incidentId,
    epoch,
    generation: z.int().check(z.minimum(0)),
    after: z.object({ at: z.string(), label: z.string() }),
  }),
  z.object({
    step: z.literal(LIFECYCLE_STEP.escalationFire),
    incidentId,
    epoch,
    entry: z.object({
      at: z.iso.datetime(),
      kind: z.enum(['step', 'update', 'handoff']),
      tiers: z.array(z.string()),
      first: z.optional(z.boolean()),
      trigger: z.enum(ESCALATION_TRIGGERS),
      label: z.string(),
    }),
  }),
  z.object({
    step: z.literal(LIFECYCLE_STEP.escalate),
    failedStep: token,
    reason: z.optional(z.string()),
    error: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
    state: z.optional(
      z.looseObject({ record: z.optional(z.object({ incidentId: z.optional(z.string()) })) }),
    ),
  }),
]);
export type LifecycleInput = z.infer<typeof lifecycleInputSchema>;
