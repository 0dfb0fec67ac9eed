/** `incident approve` and `deny`: answer the automatic action a deployed stack's workflow waits on. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDocumentClient, IncidentStore } from '../../lambdas/adapters/incident-store';
import { SfnCallbacks } from '../../lambdas/adapters/workflow-callbacks';
import { answerApproval } from '../../lambdas/services/responders';
import { composeDeps } from '../../lambdas/wiring/compose';
import { config, type Io, type Parsed, UsageError } from '../args';

/**
 * Approve or deny on a deployed stack: the token is on the incident record, and the answer resumes
 * the real workflow through Step Functions. In the sandbox the workflow lives only as long as its
 * drill, so drills answer approvals themselves (Sandbox.answerApproval, the same code path).
 */
export const answer = async (
  approve: boolean,
  id: string | undefined,
  parsed: Parsed,
  io: Io,
): Promise<number> => {
  const verb = approve ? 'approve' : 'deny';
  if (!id) throw new UsageError(`${verb} needs an incident ID`);
  const by = parsed.values.by;
  if (!by) throw new UsageError(`${verb} needs --by NAME: the timeline records who decided`);
  if (!parsed.values.table) {
    throw new UsageError(
      `${verb} answers a running workflow of a deployed stack: give --table NAME. In the sandbox, a drill's workflow ends with the drill, so drills answer approvals themselves.`,
    );
  }
  const cfg = config(parsed);
  const region = parsed.values.region ? { region: parsed.values.region } : {};
  const doc = createDocumentClient(region);
  const sfn = new SFNClient(region);
  try {
    const store = new IncidentStore(doc, parsed.values.table);
    const { incidents } = composeDeps({ store, clock: () => new Date() }, cfg);
    const result = await answerApproval(
      { incidents, callbacks: new SfnCallbacks(sfn) },
      id,
      approve,
      by,
      parsed.values.note,
    );
    io.out(`${result.incidentId}: ${approve ? 'approved' : 'denied'} by ${by}\n`);
    return 0;
  } finally {
    doc.destroy();
    sfn.destroy();
  }
};
