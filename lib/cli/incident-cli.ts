/**
 * The `incident` operator CLI. The sandbox commands (drill, replay) run the synthesized workflow
 * locally; list and show read the sandbox store, or a deployed stack's table with `--table` through
 * the same adapter and the user's AWS credentials.
 */

import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDocumentClient, IncidentStore } from '../../lambdas/adapters/incident-store';
import { SfnCallbacks } from '../../lambdas/adapters/workflow-callbacks';
import { IncidentError } from '../../lambdas/domain/errors';
import { SEVERITIES, type Severity } from '../../lambdas/domain/severity';
import { type LocalDynamo, startLocalDynamo } from '../../lambdas/local/dynalite-server';
import { IncidentService } from '../../lambdas/services/incident-service';
import { declarationEvent } from '../../lambdas/services/intake';
import { pageTiers } from '../../lambdas/services/lifecycle';
import {
  acknowledgeIncident,
  answerApproval,
  escalateIncident,
  resolveIncident,
} from '../../lambdas/services/responders';
import { loadConfig } from '../config/load';
import { runDrill } from '../sandbox/drill';
import { Sandbox } from '../sandbox/sandbox';
import { SCENARIOS } from '../sandbox/scenarios';
import { connectToStack, newDeclarationId } from './deployed-stack';
import {
  formatDrillEvent,
  formatDrillSummary,
  formatIncident,
  formatIncidentLine,
  formatPage,
} from './format';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Where the sandbox keeps its incidents between commands, so `incident list` shows past drills. */
export const DEFAULT_SANDBOX_DB = '.sandbox/db';
const DEFAULT_CONFIG = 'config/example.json';

const USAGE = `Usage: incident <command> [options]

Sandbox (no AWS account needed; loopback only):
  drill --scenario NAME [--json]     play a scenario: ${Object.keys(SCENARIOS).join(', ')}
  replay FILE [--json]               feed one captured alarm event (any shape CloudWatch sends) through the workflow
List and show (the sandbox store, or a deployed stack's table with --table NAME [--region R]):
  list [--open] [--limit N]          recent incidents (or only open ones)
  show ID                            one incident with its timeline
  declare --service S --severity P2 --title T --by NAME
                                     a person declares an incident; it runs the whole lifecycle
                                     (add --stack NAME to declare it on a deployed stack)
Deployed stack (your AWS credentials; --stack NAME reads the stack's outputs, --region R):
  ack ID --by NAME [--note T]        take ownership; everyone paged hears it
  escalate ID --by NAME [--note T]   page the next tier now
  resolve ID --by NAME [--note T]    resolve; a workflow waiting for recovery moves on
  approve ID --by NAME [--note T]    let the automatic action waiting for approval run (--table NAME)
  deny ID --by NAME [--note T]       refuse it: no action, and the next tier is paged (--table NAME)

Options: --config FILE (default ${DEFAULT_CONFIG}, for replay), --db DIR (sandbox store, default ${DEFAULT_SANDBOX_DB}), --json
`;

class UsageError extends IncidentError {}

const options = {
  scenario: { type: 'string' },
  json: { type: 'boolean', default: false },
  open: { type: 'boolean', default: false },
  limit: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  config: { type: 'string' },
  db: { type: 'string' },
  by: { type: 'string' },
  note: { type: 'string' },
  stack: { type: 'string' },
  service: { type: 'string' },
  severity: { type: 'string' },
  title: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Parsed = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;

export const main = async (argv: readonly string[], io: Io): Promise<number> => {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    (command ? io.out : io.err)(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  try {
    switch (command) {
      case 'drill':
        return await drill(parsed, io);
      case 'replay':
        return await replay(rest[0], parsed, io);
      case 'list':
        return await withStore(parsed, async (store) => list(store, parsed, io));
      case 'show':
        return await withStore(parsed, async (store) => show(store, rest[0], parsed, io));
      case 'approve':
      case 'deny':
        return await answer(command === 'approve', rest[0], parsed, io);
      case 'ack':
      case 'escalate':
      case 'resolve':
        return await respond(command, rest[0], parsed, io);
      case 'declare':
        return await declare(parsed, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof IncidentError) {
      io.err(`${error.name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
};

const drill = async (parsed: Parsed, io: Io): Promise<number> => {
  const name = parsed.values.scenario;
  const scenario = name ? SCENARIOS[name] : undefined;
  if (!scenario) throw new UsageError(name ? `no scenario "${name}"` : 'drill needs --scenario NAME');
  const json = parsed.values.json;
  const started = performance.now();
  const start = new Date();
  const dbPath = sandboxDb(parsed);
  if (!json) {
    io.out(
      `Drill ${scenario.name}: ${scenario.summary}\n(from seed ${scenario.seed}; simulated time, real clock of the record; the workflow is the one cdk synth produces)\n\n`,
    );
  }
  const report = await runDrill(scenario, {
    start,
    dbPath,
    // Pages show on the timeline as they are sent, and in full at the end.
    ...(json
      ? {}
      : {
          onEvent: (e) =>
            e.kind !== 'page' &&
            io.out(
              `${formatDrillEvent(e, new Date(Math.floor(start.getTime() / 60_000) * 60_000).toISOString())}\n`,
            ),
        }),
  });
  const wallMs = performance.now() - started;
  if (json) {
    io.out(`${JSON.stringify({ ...report, wallMs: Math.round(wallMs) }, null, 2)}\n`);
    return 0;
  }
  io.out(
    `${formatDrillSummary(report, wallMs)}\n\nPages as delivered (outbox):\n${report.pages.map(formatPage).join('\n\n')}\n`,
  );
  io.out(
    `\nThe links in these pages pointed at the drill's own endpoint on 127.0.0.1, which stopped with the drill.\n` +
      `The incidents stay in the sandbox store: incident list, incident show ${report.incidents[0]?.id ?? 'ID'}\n`,
  );
  return 0;
};

const replay = async (file: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
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
    config: loadConfig(parsed.values.config ?? DEFAULT_CONFIG),
    dbPath: sandboxDb(parsed),
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

const sandboxDb = (parsed: Parsed): string => {
  const path = parsed.values.db ?? DEFAULT_SANDBOX_DB;
  mkdirSync(path, { recursive: true });
  return path;
};

const withStore = async (parsed: Parsed, run: (store: IncidentStore) => Promise<number>): Promise<number> => {
  if (parsed.values.table) {
    const doc = createDocumentClient(parsed.values.region ? { region: parsed.values.region } : {});
    try {
      return await run(new IncidentStore(doc, parsed.values.table));
    } finally {
      doc.destroy();
    }
  }
  const local: LocalDynamo = await startLocalDynamo('incidents', sandboxDb(parsed));
  try {
    return await run(local.store);
  } finally {
    await local.stop();
  }
};

const list = async (store: IncidentStore, parsed: Parsed, io: Io): Promise<number> => {
  const limit = Number(parsed.values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive whole number, got "${parsed.values.limit}"`);
  const incidents = parsed.values.open
    ? (await store.listOpen()).slice(0, limit)
    : await store.listRecent(limit);
  if (parsed.values.json) {
    io.out(`${JSON.stringify(incidents)}\n`);
  } else if (incidents.length === 0) {
    io.out(parsed.values.open ? 'No open incidents.\n' : 'No incidents yet. Try: npm run drill\n');
  } else {
    io.out(`${incidents.map(formatIncidentLine).join('\n')}\n`);
  }
  return 0;
};

/**
 * Approve or deny on a deployed stack: the token is on the incident record, and the answer resumes
 * the real workflow through Step Functions. In the sandbox the workflow lives only as long as its
 * drill, so drills answer approvals themselves (Sandbox.answerApproval, the same code path).
 */
const answer = async (approve: boolean, id: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  const verb = approve ? 'approve' : 'deny';
  if (!id) throw new UsageError(`${verb} needs an incident ID`);
  const by = parsed.values.by;
  if (!by) throw new UsageError(`${verb} needs --by NAME: the timeline records who decided`);
  if (!parsed.values.table) {
    throw new UsageError(
      `${verb} answers a running workflow of a deployed stack: give --table NAME. In the sandbox, a drill's workflow ends with the drill, so drills answer approvals themselves.`,
    );
  }
  const region = parsed.values.region ? { region: parsed.values.region } : {};
  const doc = createDocumentClient(region);
  const sfn = new SFNClient(region);
  try {
    const store = new IncidentStore(doc, parsed.values.table);
    const incidents = new IncidentService(
      store,
      { dedupFields: ['service', 'alarm'], reopenWindowMinutes: 0, resolveOnOk: true },
      () => new Date(),
    );
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

/** The responder actions, on a deployed stack, through the same code path as the page links. */
const respond = async (
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
  const stack = await connectToStack(
    parsed.values.stack,
    loadConfig(parsed.values.config ?? DEFAULT_CONFIG),
    parsed.values.region,
  );
  try {
    const deps = stack.lifecycle;
    const note = parsed.values.note;
    if (action === 'ack') {
      const incident = await acknowledgeIncident(
        {
          ...deps,
          announceAcknowledged: async (acked, who) =>
            void (await pageTiers(deps, acked.id, 'ACKNOWLEDGED', acked.pagedTiers, { by: who })),
        },
        id,
        by,
        note,
      );
      io.out(
        `${id}: acknowledged by ${by} (${incident.status}); told ${incident.pagedTiers.join(', ') || 'nobody yet'}\n`,
      );
    } else if (action === 'resolve') {
      const incident = await resolveIncident(deps, id, by, note);
      io.out(`${id}: resolved by ${by} (${incident.status})\n`);
    } else {
      const { tiers } = await escalateIncident({ ...deps, escalation: deps.config.escalation }, id, by, note);
      if (tiers.length > 0)
        await pageTiers(deps, id, 'ESCALATION', tiers, {
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

/** A person declares an incident: in the sandbox, or on a deployed stack (--stack), through the workflow's intake. */
const declare = async (parsed: Parsed, io: Io): Promise<number> => {
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
  const config = loadConfig(parsed.values.config ?? DEFAULT_CONFIG);
  if (!config.services.some((s) => s.name === service)) {
    throw new UsageError(
      `--service "${service}" is not a watched service; the config has: ${config.services.map((s) => s.name).join(', ')}`,
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
    const stack = await connectToStack(parsed.values.stack, config, parsed.values.region);
    try {
      const execution = await stack.lifecycleStarter.start(event);
      io.out(`${JSON.stringify({ outcome: 'started', execution })}\n`);
      return 0;
    } finally {
      stack.close();
    }
  }
  const sandbox = await Sandbox.start({ config, dbPath: sandboxDb(parsed) });
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

const show = async (
  store: IncidentStore,
  id: string | undefined,
  parsed: Parsed,
  io: Io,
): Promise<number> => {
  if (!id) throw new UsageError('show needs an incident ID, e.g. INC-20261123-001');
  const incident = await store.getIncident(id);
  if (!incident) {
    io.err(`No incident ${id}. incident list shows the recent ones.\n`);
    return 1;
  }
  io.out(parsed.values.json ? `${JSON.stringify(incident)}\n` : `${formatIncident(incident)}\n`);
  return 0;
};
