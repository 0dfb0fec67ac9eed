/**
 * The workflow's Wait → GetAutomationExecution loop for an `ssm-automation` custom action (issue 15):
 * each poll asks SSM for the execution's status and automationPollDecision says what it means. A
 * running execution is polled again after `waitSeconds`; a final status ends the loop (`acted`, then
 * verification as after any action, or `failed`, and a person is paged with SSM's FailureMessage); an
 * execution still running at the action's timeout is stopped (StopAutomationExecution) and fails.
 * The action's lock, taken when the execution started, is given back whenever the loop ends.
 *
 * Why a Wait state in the workflow and not a loop inside the Lambda: a runbook may run for up to
 * `timeoutMinutes` (720 at most), past Lambda's 15-minute limit and far past the automation task's
 * own timeout; a function that sleeps is billed for every second it waits, while a Standard workflow
 * waits for free and bills per state transition (three per poll: Wait, the poll Task, the Choice).
 */
import { type AutomationRun, MITIGATION_OUTCOME } from '../contract/steps';
import { automationPollDecision, finalAutomationDecision } from '../domain/ssm-automation';
import { type AutomationDeps, errorText, load, note } from './automation';
import { actionRun } from './custom-actions';
import type { MitigateResult } from './mitigation';

/** One poll of a running automation execution. */
export const pollAutomation = async (
  deps: AutomationDeps,
  incidentId: string,
  execution: AutomationRun,
): Promise<MitigateResult> => {
  const incident = await load(deps, incidentId);
  const { action: name, executionId, holder } = execution;
  const action = deps.config.actions?.[name];
  if (action?.type !== 'ssm-automation')
    throw new Error(`action ${name} is not an ssm-automation action of the config`);
  const run = actionRun(
    deps,
    incidentId,
    name,
    `run the action ${name} for ${incident.service}`,
    execution.startedAt,
  );
  const automation = run.ports.automation;
  if (!automation) throw new Error(`action ${name}: the automation function has no SSM Automation port`);
  const now = deps.clock();
  let { status, failureMessage } = await automation.status(executionId);
  let decision = automationPollDecision({
    status,
    elapsedSeconds: (now.getTime() - Date.parse(execution.startedAt)) / 1000,
    timeoutMinutes: action.timeoutMinutes,
  });
  if (decision.kind === 'wait')
    return run.result(MITIGATION_OUTCOME.running, {
      waitSeconds: decision.waitSeconds,
      automation: execution,
    });
  try {
    if (decision.kind === 'stop') {
      let stopped = 'stopped it';
      try {
        await automation.stop(executionId);
      } catch (error) {
        // A runbook that ended between the read and the stop refuses the stop
        // (InvalidAutomationStatusUpdateException): its own end decides, as if read a moment later.
        const again = await automation.status(executionId).catch(() => undefined);
        const ended = again && finalAutomationDecision(again.status);
        if (again && ended) {
          ({ status, failureMessage } = again);
          decision = ended;
        } else stopped = `could not stop it (${errorText(error)})`;
      }
      if (decision.kind === 'stop')
        return await run.failed(`automation execution ${executionId} ${decision.reason}; ${stopped}`);
    }
    if (decision.kind !== 'done') throw new Error(`automation poll of ${executionId}: no decision`);
    if (decision.outcome === 'failed') {
      return await run.failed(
        `automation execution ${executionId} ended ${status}${failureMessage ? `: ${failureMessage}` : ''}`,
      );
    }
    await note(
      deps,
      incidentId,
      `${name} done: automation execution ${executionId} ended ${status}; verifying recovery`,
    );
    // Verification counts from the runbook's end: that is when its change took effect.
    return run.result(MITIGATION_OUTCOME.acted, { startedAt: now.toISOString() });
  } finally {
    await run.ports.locks.release(name, holder);
  }
};
