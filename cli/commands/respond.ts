/** `incident ack`, `escalate` and `resolve` on a deployed stack, through the same code path as the page links. */
import { acknowledgeIncident, escalateIncident, resolveIncident } from '../../lambdas/services/responders';
import { config, type Io, type Parsed, UsageError } from '../args';
import { connectToStack } from '../deployed-stack';

export const respond = async (
  action: 'ack' | 'escalate' | 'resolve',
  id: string | undefined,
  parsed: Parsed,
  io: Io,
): Promise<number> => {
  if (!id) throw new UsageError(`${action} needs an incident ID`);
  const by = parsed.values.by;
  if (!by) throw new UsageError(`${action} needs --by NAME: the timeline records who did it`);
  if (!parsed.values.stack) {
    throw new UsageError(
      `${action} acts on a deployed stack: give --stack NAME. In the sandbox, drills act as responders (see test/sandbox/escalation.test.ts).`,
    );
  }
  const stack = await connectToStack(parsed.values.stack, config(parsed), parsed.values.region);
  try {
    const { composed, lifecycle } = stack;
    const responders = composed.responders(lifecycle);
    const note = parsed.values.note;
    if (action === 'ack') {
      const incident = await acknowledgeIncident(responders, id, by, note);
      io.out(
        `${id}: acknowledged by ${by} (${incident.status}); told ${incident.pagedTiers.join(', ') || 'nobody yet'}\n`,
      );
    } else if (action === 'resolve') {
      const incident = await resolveIncident(responders, id, by, note);
      io.out(`${id}: resolved by ${by} (${incident.status})\n`);
    } else {
      const { tiers } = await escalateIncident(
        { ...responders, escalation: composed.config.escalation },
        id,
        by,
        note,
      );
      if (tiers.length > 0)
        await composed.page(lifecycle, id, 'ESCALATION', tiers, {
          why: `escalated by ${by}${note ? `: ${note}` : ''}`,
        });
      io.out(
        `${id}: escalated by ${by}; paged ${tiers.join(', ') || 'nobody: every tier of the policy was already paged'}\n`,
      );
    }
    return 0;
  } finally {
    stack.close();
  }
};
