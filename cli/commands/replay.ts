/** `incident replay FILE`: one captured alarm event through the sandbox workflow, and what became of it. */
import { readFile } from 'node:fs/promises';
import { Sandbox } from '../../sandbox/sandbox';
import { config, type Io, type Parsed, sandboxDb, UsageError } from '../args';

export const replay = async (file: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  if (!file) throw new UsageError('replay needs a FILE holding one event');
  let event: unknown;
  try {
    event = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    // Not JSON at all is still a delivery: the intake rejects it with its reason.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no such file: ${file}`);
    event = await readFile(file, 'utf8');
  }
  const sandbox = await Sandbox.start({
    config: config(parsed),
    dbPath: sandboxDb(parsed),
    // A replay reports what became of the event, a refused one included (as a bare null, which
    // EventBridge never sends, fails the execution's first state on AWS too).
    allowFailedExecutions: true,
  });
  try {
    const record = sandbox.deliver(event);
    await sandbox.settle(sandbox.clock.now());
    const intake = record.intake;
    const outcome = !intake
      ? {
          outcome: 'rejected',
          reason: `the workflow refused the input before its intake ran: ${record.error ?? 'no error given'}`,
        }
      : {
          outcome: replayOutcome(intake.outcome),
          ...(intake.reason ? { reason: intake.reason } : {}),
          ...(intake.incidentId ? { incidentId: intake.incidentId } : {}),
          ...(intake.severity ? { severity: intake.severity } : {}),
          ...(intake.service ? { service: intake.service } : {}),
        };
    io.out(`${JSON.stringify(outcome, null, parsed.values.json ? 0 : 2)}\n`);
    return 0;
  } finally {
    await sandbox.stop();
  }
};

/** `incident replay` speaks of what happened to the incident: a join or a reopen updates it. */
const replayOutcome = (outcome: string): string =>
  outcome === 'duplicate' || outcome === 'reopened' ? 'updated' : outcome;
