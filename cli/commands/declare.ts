/** `incident declare`: a person declares an incident, in the sandbox or on a deployed stack (--stack). */
import { SEVERITIES, type Severity } from '../../lambdas/domain/severity';
import { declarationEvent } from '../../lambdas/services/intake';
import { Sandbox } from '../../sandbox/sandbox';
import { config, type Io, type Parsed, sandboxDb, UsageError } from '../args';
import { connectToStack, newDeclarationId } from '../deployed-stack';

/** The declaration goes through the workflow's intake, as an alarm's event would. */
export const declare = async (parsed: Parsed, io: Io): Promise<number> => {
  const { service, severity, title, by } = parsed.values;
  const missing = [
    !service && '--service S',
    !severity && '--severity P1..P4',
    !title && '--title T',
    !by && '--by NAME',
  ].filter(Boolean);
  if (missing.length > 0) throw new UsageError(`declare needs ${missing.join(', ')}`);
  if (!SEVERITIES.includes(severity as Severity))
    throw new UsageError(`--severity must be one of ${SEVERITIES.join(', ')}, got "${severity}"`);
  const cfg = config(parsed);
  if (!cfg.services.some((s) => s.name === service)) {
    throw new UsageError(
      `--service "${service}" is not a watched service; the config has: ${cfg.services.map((s) => s.name).join(', ')}`,
    );
  }
  const event = declarationEvent({
    id: newDeclarationId(),
    at: new Date(),
    service: service ?? '',
    severity: severity as Severity,
    title: title ?? '',
    by: by ?? '',
  });
  if (parsed.values.stack) {
    const stack = await connectToStack(parsed.values.stack, cfg, parsed.values.region);
    try {
      const execution = await stack.lifecycleStarter.start(event);
      io.out(`${JSON.stringify({ outcome: 'started', execution })}\n`);
      return 0;
    } finally {
      stack.close();
    }
  }
  const sandbox = await Sandbox.start({ config: cfg, dbPath: sandboxDb(parsed) });
  try {
    const record = sandbox.deliver(event);
    await sandbox.settle(sandbox.clock.now());
    const intake = record.intake;
    io.out(
      `${JSON.stringify(intake ? { outcome: intake.outcome, incidentId: intake.incidentId, severity: intake.severity } : { outcome: 'rejected', reason: record.error })}\n`,
    );
    return intake ? 0 : 1;
  } finally {
    await sandbox.stop();
  }
};
