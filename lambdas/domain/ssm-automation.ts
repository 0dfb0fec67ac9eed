/**
 * `ssm-automation` remediation actions (issue 15): what the workflow does with each status that
 * GetAutomationExecution reports, and the templating of the execution's parameters from the incident.
 *
 * The statuses are every value of `AutomationExecutionStatus` in the SSM API: 19, as @aws-sdk/client-ssm's
 * enum and the GetAutomationExecution response syntax
 * (https://boto3.amazonaws.com/v1/documentation/api/1.35.10/reference/services/ssm/client/get_automation_execution.html)
 * list them; what each means: https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-statuses.html.
 * Pure: no SDK (the names are written out here, and a test holds them to the SDK's enum), no env, no clock.
 */
import { ValidationError } from './errors';
import type { Severity } from './severity';

/** Still going: wait and ask again. */
export const RUNNING_AUTOMATION_STATUSES = [
  'Pending',
  'InProgress',
  'Waiting',
  'Cancelling',
  'PendingApproval',
  'Approved',
  'Scheduled',
  'RunbookInProgress',
  'PendingChangeCalendarOverride',
  'ChangeCalendarOverrideApproved',
] as const;

/** Final, and the runbook did what it was for. */
export const SUCCEEDED_AUTOMATION_STATUSES = ['Success', 'CompletedWithSuccess'] as const;

/**
 * Final without success. `Exited` (an `aws:loop` left before it completed) and `CompletedWithFailure`
 * (some targets failed) count as failures: the remediation cannot be assumed to have happened.
 */
export const FAILED_AUTOMATION_STATUSES = [
  'TimedOut',
  'Cancelled',
  'Failed',
  'Rejected',
  'ChangeCalendarOverrideRejected',
  'CompletedWithFailure',
  'Exited',
] as const;

/** Every status, each in exactly one of the three classes. */
export const AUTOMATION_EXECUTION_STATUSES = [
  ...RUNNING_AUTOMATION_STATUSES,
  ...SUCCEEDED_AUTOMATION_STATUSES,
  ...FAILED_AUTOMATION_STATUSES,
] as const;

/** What a status means for the poll loop. */
export type AutomationStatusClass = 'running' | 'succeeded' | 'failed';

const CLASS_OF: ReadonlyMap<string, AutomationStatusClass> = new Map([
  ...RUNNING_AUTOMATION_STATUSES.map((s) => [s, 'running'] as const),
  ...SUCCEEDED_AUTOMATION_STATUSES.map((s) => [s, 'succeeded'] as const),
  ...FAILED_AUTOMATION_STATUSES.map((s) => [s, 'failed'] as const),
]);

/**
 * The class of a status GetAutomationExecution returned. A status this list does not know yet (AWS
 * adding one) reads as running: the action's timeout still ends the wait, with a stop.
 */
export const classifyAutomationStatus = (status: string): AutomationStatusClass =>
  CLASS_OF.get(status) ?? 'running';

/** The next step of the Wait → GetAutomationExecution loop. */
export type AutomationPollDecision =
  | { readonly kind: 'wait'; readonly status: string; readonly waitSeconds: number }
  | { readonly kind: 'done'; readonly outcome: 'ok' | 'failed'; readonly status: string }
  | { readonly kind: 'stop'; readonly status: string; readonly reason: string };

/** One GetAutomationExecution answer, and where the action stands in its time. */
export interface AutomationPollInput {
  readonly status: string;
  /** Seconds since StartAutomationExecution returned. */
  readonly elapsedSeconds: number;
  readonly timeoutMinutes: number;
}

/**
 * How long to wait before the next poll, by how long the runbook has run: 15 s in its first 10
 * minutes (most runbooks end there), then every minute to its first hour, then every 5 minutes.
 * Each poll costs the lifecycle execution about 9 history events (Wait, the Lambda task, the choice)
 * of Step Functions' hard 25,000: at a steady 15 s the longest timeout (720 min, 2,880 polls) would
 * pass that limit and fail the execution with nobody told; on this schedule it takes 222 polls.
 */
export const automationPollSeconds = (elapsedSeconds: number): number =>
  elapsedSeconds < 10 * 60 ? 15 : elapsedSeconds < 60 * 60 ? 60 : 300;

/** The schedule, as a person reads it on the timeline. */
export const AUTOMATION_POLL_SCHEDULE = 'every 15 s, every minute after 10 min, every 5 min after an hour';

/** The end of the loop when `status` is final (Success and CompletedWithSuccess are ok, the other finals failed); undefined while it runs. */
export const finalAutomationDecision = (
  status: string,
): Extract<AutomationPollDecision, { kind: 'done' }> | undefined => {
  const statusClass = classifyAutomationStatus(status);
  if (statusClass === 'succeeded') return { kind: 'done', outcome: 'ok', status };
  if (statusClass === 'failed') return { kind: 'done', outcome: 'failed', status };
  return undefined;
};

/**
 * Done when the status is final; otherwise wait (never past the timeout), or, once the timeout has
 * passed, stop it with StopAutomationExecution. An execution already `Cancelling` is being stopped,
 * so it is waited for rather than stopped again: it ends `Cancelled`, a failure.
 */
export const automationPollDecision = (input: AutomationPollInput): AutomationPollDecision => {
  const { status } = input;
  const final = finalAutomationDecision(status);
  if (final) return final;
  const timeoutSeconds = input.timeoutMinutes * 60;
  const pollSeconds = automationPollSeconds(input.elapsedSeconds);
  if (input.elapsedSeconds >= timeoutSeconds && status !== 'Cancelling') {
    return {
      kind: 'stop',
      status,
      reason: `still ${status} after the action's timeout of ${input.timeoutMinutes} min`,
    };
  }
  const remaining = Math.ceil(timeoutSeconds - input.elapsedSeconds);
  return {
    kind: 'wait',
    status,
    waitSeconds: remaining > 0 ? Math.max(1, Math.min(pollSeconds, remaining)) : pollSeconds,
  };
};

/** What a template may name, as `{{incident.id}}`. */
export const TEMPLATE_VARIABLES = ['incident.id', 'incident.service', 'incident.severity'] as const;
/** One of TEMPLATE_VARIABLES. */
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** The incident facts templates are rendered from. */
export interface TemplateIncident {
  readonly id: string;
  readonly service: string;
  readonly severity: Severity;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

const isVariable = (name: string): name is TemplateVariable =>
  (TEMPLATE_VARIABLES as readonly string[]).includes(name);

/** The names inside `{{ }}` in `template` that are not template variables (the config schema refuses them). */
export const unknownTemplateVariables = (template: string): string[] =>
  [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').filter((name) => !isVariable(name));

const variableValue = (incident: TemplateIncident, variable: TemplateVariable): string => {
  switch (variable) {
    case 'incident.id':
      return incident.id;
    case 'incident.service':
      return incident.service;
    case 'incident.severity':
      return incident.severity;
  }
};

/**
 * `template` with each variable replaced by the incident's value, passed through `encode` (e.g.
 * encodeURIComponent for a URL path). An unknown variable is a RangeError: the schema refuses it first.
 */
export const renderTemplate = (
  template: string,
  incident: TemplateIncident,
  encode: (value: string) => string = (value) => value,
): string =>
  template.replace(PLACEHOLDER, (_match, name: string) => {
    if (!isVariable(name)) throw new RangeError(`unknown template variable {{${name}}}`);
    return encode(variableValue(incident, name));
  });

/**
 * The StartAutomationExecution `Parameters` of an action: each template rendered, and each value
 * matched whole against the parameter's pattern. A value that does not match is never sent: a
 * ValidationError names every such parameter (`parameters.<name>`) with the value and the pattern.
 */
export const renderAutomationParameters = (
  action: string,
  parameters: Readonly<Record<string, string>>,
  patterns: Readonly<Record<string, string>>,
  incident: TemplateIncident,
): Record<string, string[]> => {
  const rendered: Record<string, string[]> = {};
  const problems: { path: string; message: string }[] = [];
  for (const [name, template] of Object.entries(parameters)) {
    const value = renderTemplate(template, incident);
    const pattern = patterns[name];
    if (pattern === undefined) {
      problems.push({ path: `parameters.${name}`, message: 'has no pattern in parameterPatterns' });
    } else if (!new RegExp(`^(?:${pattern})$`).test(value)) {
      problems.push({
        path: `parameters.${name}`,
        message: `rendered ${JSON.stringify(value)}, which does not match /${pattern}/`,
      });
    } else {
      rendered[name] = [value];
    }
  }
  if (problems.length > 0) throw new ValidationError(`action ${action}`, problems);
  return rendered;
};
