/**
 * What a person does to a running incident, through one code path whatever the door (the CLI now,
 * page links later): approve or deny an automatic action that waits for approval.
 */
import type { WorkflowCallbacks } from '../adapters/workflow-callbacks';
import { IncidentError } from '../domain/errors';
import { appendEntries } from '../domain/incident';
import type { IncidentService } from './incident-service';

export class NothingToApproveError extends IncidentError {}

export interface ResponderDeps {
  readonly incidents: IncidentService;
  readonly callbacks: WorkflowCallbacks;
}

/**
 * Records the answer on the timeline, clears the token (so a second answer finds nothing to
 * approve), then resumes the workflow: approval runs the action, denial escalates without it.
 */
export const answerApproval = async (
  deps: ResponderDeps,
  incidentId: string,
  approve: boolean,
  by: string,
  note?: string,
): Promise<{ incidentId: string; approved: boolean }> => {
  let token: string | undefined;
  await deps.incidents.update(incidentId, (i, at) => {
    token = i.approvalToken;
    if (!token)
      throw new NothingToApproveError(`no automatic action on ${incidentId} is waiting for approval`);
    return appendEntries({ ...i, approvalToken: undefined }, at, {
      kind: 'note',
      actor: { type: 'human', name: by },
      summary: `${approve ? 'approved' : 'denied'} by ${by}${note ? `: ${note}` : ''}`,
    });
  });
  if (!token) throw new NothingToApproveError(`no automatic action on ${incidentId} is waiting for approval`);
  if (approve) await deps.callbacks.succeed(token, { approvedBy: by });
  else await deps.callbacks.fail(token, 'ApprovalDenied', `denied by ${by}${note ? `: ${note}` : ''}`);
  return { incidentId, approved: approve };
};
