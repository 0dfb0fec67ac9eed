/**
 * The `incident` operator CLI. The sandbox commands (drill, replay) run the synthesized workflow
 * locally; the record commands (list, show, report, stats, postmortem, silences) read the sandbox
 * store, or a deployed stack's table with `--table` or `--stack` through the same adapter and the
 * user's AWS credentials. `drill --live` sets a real alarm of a deployed stack (live-drill.ts).
 */

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDocumentClient, IncidentStore } from '../lambdas/adapters/incident-store';
import { SfnCallbacks } from '../lambdas/adapters/workflow-callbacks';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import { IncidentError, ValidationError } from '../lambdas/domain/errors';
import { summarizeIncidents } from '../lambdas/domain/incident-stats';
import { renderReport } from '../lambdas/domain/report';
import { SEVERITIES, type Severity } from '../lambdas/domain/severity';
import { activeSuppression, parseDuration, unknownServiceProblem } from '../lambdas/domain/silences';
import { IncidentService } from '../lambdas/services/incident-service';
import { declarationEvent } from '../lambdas/services/intake';
import { pageTiers } from '../lambdas/services/lifecycle';
import { markPostMortemDone } from '../lambdas/services/post-incident';
import {
  acknowledgeIncident,
  answerApproval,
  escalateIncident,
  resolveIncident,
} from '../lambdas/services/responders';
import { activeSilences, liftSilences, setSilence } from '../lambdas/services/silences';
import { alarmIndex, loadConfig } from '../lib/config/load';
import { runDrill } from '../sandbox/drill';
import { type LocalDynamo, startLocalDynamo } from '../sandbox/local-aws/dynalite';
import { Sandbox } from '../sandbox/sandbox';
import { SCENARIOS } from '../sandbox/scenarios';
import {
  connectToStack,
  newDeclarationId,
  openReportStore,
  readStackOutputs,
  requireOutputs,
} from './deployed-stack';
import {
  formatDrillEvent,
  formatDrillSummary,
  formatIncident,
  formatIncidentLine,
  formatPage,
  formatPostMortem,
  formatSilence,
  humanDuration,
} from './format';
import { confirmationProblem, runLiveDrill } from './live-drill';
import { formatStats } from './stats-format';

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
  declare --service S --severity P2 --title T --by NAME
                                     a person declares an incident; it runs the whole lifecycle
                                     (add --stack NAME to declare it on a deployed stack)

The record (the sandbox store, or a deployed stack's table with --table NAME or --stack NAME [--region R]):
  list [--open] [--limit N]          recent incidents (or only open ones)
  show ID                            one incident with its timeline
  report ID [--out FILE]             the incident report (Markdown), written from the record
  stats [--since 30d] [--json]       per severity: count, MTTA, MTTR (mean, median), time to mitigate,
                                     who resolved them; incidents by service; how many were suppressed

After the incident (the sandbox store, --table NAME or --stack NAME):
  postmortem ID                      the post-mortem: due, owner, reminders sent, overdue or not
  postmortem ID --done --doc URL --by NAME
                                     the post-mortem is written: link it and close the incident
                                     (with --stack, the report in the stack's bucket is rewritten too)

Silences (the sandbox store, --table NAME or --stack NAME; --config for the services and silences.maxHours):
  silence SERVICE --for 2h --reason TEXT --by NAME
                                     alarms of SERVICE are recorded but page nobody until it expires
  silences [SERVICE]                 active silences and maintenance windows, with the time left
  unsilence SERVICE --by NAME        end the service's silences now

Deployed stack (your AWS credentials; --stack NAME reads the stack's outputs, --region R):
  ack ID --by NAME [--note T]        take ownership; everyone paged hears it
  escalate ID --by NAME [--note T]   page the next tier now
  resolve ID --by NAME [--note T]    resolve; a workflow waiting for recovery moves on
  approve ID --by NAME [--note T]    let the automatic action waiting for approval run (--table NAME)
  deny ID --by NAME [--note T]       refuse it: no action, and the next tier is paged (--table NAME)
  drill --live --alarm NAME --stack NAME --confirm NAME [--by NAME] [--timeout 15m] [--resolve-after 5m]
                                     game day: set a real alarm to ALARM and follow the workflow and the
                                     incident until it is resolved. It PAGES REAL PEOPLE: --confirm repeats
                                     the alarm name

Options: --config FILE (default ${DEFAULT_CONFIG}), --db DIR (sandbox store, default ${DEFAULT_SANDBOX_DB}), --json
Durations: a number and a unit (d, h, m), such as 90m, 2h, 1d or 1h30m
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
  out: { type: 'string' },
  since: { type: 'string' },
  for: { type: 'string' },
  reason: { type: 'string' },
  done: { type: 'boolean', default: false },
  doc: { type: 'string' },
  live: { type: 'boolean', default: false },
  alarm: { type: 'string' },
  confirm: { type: 'string' },
  timeout: { type: 'string' },
  'resolve-after': { type: 'string' },
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
        return parsed.values.live ? await liveDrill(parsed, io) : await drill(parsed, io);
      case 'replay':
        return await replay(rest[0], parsed, io);
      case 'list':
        return await withStore(parsed, async (store) => list(store, parsed, io));
      case 'show':
        return await withStore(parsed, async (store) => show(store, rest[0], parsed, io));
      case 'report':
        return await withStore(parsed, async (store) => report(store, rest[0], parsed, io));
      case 'stats':
        return await stats(parsed, io);
      case 'postmortem':
        return await postmortem(rest[0], parsed, io);
      case 'silence':
        return await silence(rest[0], parsed, io);
      case 'silences':
        return await silences(rest[0], parsed, io);
      case 'unsilence':
        return await unsilence(rest[0], parsed, io);
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
    // The report counts failed executions; the command's exit status says there were some.
    allowFailedExecutions: true,
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
  // A failed execution is a path on which AWS would fail too: the drill fails with it.
  const status = report.failedExecutions === 0 ? 0 : 1;
  if (json) {
    io.out(`${JSON.stringify({ ...report, wallMs: Math.round(wallMs) }, null, 2)}\n`);
    return status;
  }
  io.out(
    `${formatDrillSummary(report, wallMs)}\n\nPages as delivered (outbox):\n${report.pages.map(formatPage).join('\n\n')}\n`,
  );
  io.out(
    `\nThe links in these pages pointed at the drill's own endpoint on 127.0.0.1, which stopped with the drill.\n` +
      `The incidents stay in the sandbox store: incident list, incident show ${report.incidents[0]?.id ?? 'ID'}, incident report ${report.incidents[0]?.id ?? 'ID'}, incident stats\n`,
  );
  for (const f of report.executions.failures)
    io.err(`FAILED ${f.workflow} execution ${f.name}: ${f.error}\n`);
  return status;
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

/** Where the record is: a deployed stack (its outputs), a table by name, or the sandbox store. */
interface Target {
  readonly store: IncidentStore;
  /** The stack's outputs, when reached with --stack. */
  readonly outputs?: Readonly<Record<string, string>>;
}

const withStore = async (parsed: Parsed, run: (store: IncidentStore, target: Target) => Promise<number>) => {
  const { table, stack, region } = parsed.values;
  if (table && stack) throw new UsageError('give --table NAME or --stack NAME, not both');
  if (table || stack) {
    const outputs = stack ? await readStackOutputs(stack, region) : undefined;
    if (stack && outputs) requireOutputs(stack, outputs, ['IncidentTableName']);
    const doc = createDocumentClient(region ? { region } : {});
    try {
      const store = new IncidentStore(doc, table ?? outputs?.IncidentTableName ?? '');
      return await run(store, { store, ...(outputs ? { outputs } : {}) });
    } finally {
      doc.destroy();
    }
  }
  const local: LocalDynamo = await startLocalDynamo('incidents', sandboxDb(parsed));
  try {
    return await run(local.store, { store: local.store });
  } finally {
    await local.stop();
  }
};

/** Bad input that a service reports as a ValidationError is the user's to fix: a usage error, exit 2. */
const asUsage = async <T>(run: () => Promise<T> | T): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
};

const duration = (text: string, flag: string): Promise<number> => asUsage(() => parseDuration(text, flag));

const config = (parsed: Parsed): DeploymentConfig => loadConfig(parsed.values.config ?? DEFAULT_CONFIG);

const missingFlags = (command: string, flags: Record<string, string | undefined>): void => {
  const missing = Object.entries(flags)
    .filter(([, value]) => !value?.trim())
    .map(([flag]) => flag);
  if (missing.length > 0) throw new UsageError(`${command} needs ${missing.join(', ')}`);
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

const report = async (
  store: IncidentStore,
  id: string | undefined,
  parsed: Parsed,
  io: Io,
): Promise<number> => {
  if (!id) throw new UsageError('report needs an incident ID, e.g. INC-20261123-001');
  const incident = await store.getIncident(id);
  if (!incident) {
    io.err(`No incident ${id}. incident list shows the recent ones.\n`);
    return 1;
  }
  const markdown = renderReport(incident, { generatedAt: new Date() });
  const file = parsed.values.out;
  if (file) {
    await writeFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
    io.out(`Wrote the report of ${id} to ${file}\n`);
  } else {
    io.out(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  }
  return 0;
};

const DEFAULT_STATS_WINDOW = '30d';

const stats = async (parsed: Parsed, io: Io): Promise<number> => {
  const window = parsed.values.since ?? DEFAULT_STATS_WINDOW;
  const windowMs = await duration(window, '--since');
  if (windowMs <= 0)
    throw new UsageError(`--since must be longer than zero, such as ${DEFAULT_STATS_WINDOW}`);
  return withStore(parsed, async (store) => {
    const now = new Date();
    const since = new Date(now.getTime() - windowMs);
    const incidents = await store.listCreatedSince(since);
    // The window ends now, or just after the newest incident when the record runs ahead of this
    // clock: sandbox drills run in simulated time, and a laptop's clock may lag AWS's.
    const newest = Math.max(...incidents.map((i) => Date.parse(i.createdAt) + 1));
    const until = new Date(Math.max(now.getTime(), newest));
    const summary = summarizeIncidents(incidents, { since, until });
    io.out(
      parsed.values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatStats(summary, window)}\n`,
    );
    return 0;
  });
};

/** The post-mortem's status, or (--done) mark it written: the incident closes. */
const postmortem = async (id: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  if (!id) throw new UsageError('postmortem needs an incident ID, e.g. INC-20261123-001');
  const { done, doc, by } = parsed.values;
  if (!done) {
    if (doc || by) throw new UsageError('--doc and --by mark the post-mortem done: add --done');
    return withStore(parsed, async (store) => {
      const incident = await store.getIncident(id);
      if (!incident) {
        io.err(`No incident ${id}. incident list shows the recent ones.\n`);
        return 1;
      }
      io.out(`${formatPostMortem(incident, new Date())}\n`);
      return 0;
    });
  }
  missingFlags('postmortem --done', { '--doc URL': doc, '--by NAME': by });
  const cfg = config(parsed);
  return withStore(parsed, async (store, target) => {
    const incidents = new IncidentService(
      store,
      { dedupFields: cfg.dedupKey, reopenWindowMinutes: cfg.reopenWindowMinutes, resolveOnOk: true },
      () => new Date(),
    );
    const stack = parsed.values.stack;
    const bucket =
      stack && target.outputs
        ? await openReportStore(stack, target.outputs, parsed.values.region)
        : undefined;
    try {
      const closed = await asUsage(() =>
        markPostMortemDone({ incidents, ...(bucket ? { reports: bucket.reports } : {}) }, id, {
          doc: doc ?? '',
          by: by ?? '',
        }),
      );
      io.out(`${id}: post-mortem done by ${closed.postMortem?.doneBy ?? by} (${doc}); ${closed.status}\n`);
      io.out(
        bucket
          ? `Report rewritten: ${closed.report?.uri ?? 'not linked'}${closed.report?.url ? `\n  ${closed.report.url}` : ''}\n`
          : parsed.values.table
            ? "The report in the stack's bucket was not rewritten: give --stack NAME instead of --table to rewrite it.\n"
            : `The sandbox's report bucket lives only as long as its drill: incident report ${id} renders the report from the record.\n`,
      );
      return 0;
    } finally {
      bucket?.close();
    }
  });
};

const silenceDeps = (store: IncidentStore, cfg: DeploymentConfig) => ({
  store,
  config: cfg,
  clock: () => new Date(),
  newId: () => randomUUID(),
});

/** A configured service, or a usage error naming the configured ones. */
const knownService = (command: string, service: string | undefined, cfg: DeploymentConfig): string => {
  const names = cfg.services.map((s) => s.name);
  if (!service) throw new UsageError(`${command} needs a SERVICE: one of ${names.join(', ')}`);
  const problem = unknownServiceProblem(service, names);
  if (problem) throw new UsageError(`SERVICE: ${problem.message}`);
  return service;
};

const silence = async (service: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  const cfg = config(parsed);
  const name = knownService('silence', service, cfg);
  const { for: forText, reason, by } = parsed.values;
  missingFlags('silence', { '--for DURATION': forText, '--reason TEXT': reason, '--by NAME': by });
  await duration(forText ?? '', '--for');
  return withStore(parsed, async (store) => {
    const set = await asUsage(() =>
      setSilence(silenceDeps(store, cfg), {
        service: name,
        forText: forText ?? '',
        reason: reason ?? '',
        by: by ?? '',
      }),
    );
    io.out(
      `${name} silenced until ${utc(set.until)} (for ${humanDuration(Date.parse(set.until) - Date.parse(set.from))}), by ${set.by}: ${set.reason}\n` +
        `Until then its alarms are still recorded as incidents, but page nobody and start no automatic action.\n` +
        `End it sooner: incident unsilence ${name} --by NAME\n`,
    );
    return 0;
  });
};

const silences = async (service: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  const cfg = config(parsed);
  const only = service === undefined ? undefined : knownService('silences', service, cfg);
  return withStore(parsed, async (store) => {
    const now = new Date();
    const active = await activeSilences(silenceDeps(store, cfg), only);
    const windows = cfg.services
      .map((s) => s.name)
      .filter((name) => only === undefined || name === only)
      .flatMap((name) => {
        const suppression = activeSuppression(name, now, [], cfg.maintenanceWindows);
        return suppression ? [{ name, suppression }] : [];
      });
    if (parsed.values.json) {
      io.out(`${JSON.stringify({ silences: active, maintenanceWindows: windows })}\n`);
      return 0;
    }
    const lines = [
      ...active.map((s) => formatSilence(s, now)),
      ...windows.map(
        ({ name, suppression }) =>
          `${name.padEnd(14)}  until ${utc(suppression.until)} (${humanDuration(Date.parse(suppression.until) - now.getTime())} left)  maintenance window: ${suppression.reason}`,
      ),
    ];
    io.out(
      lines.length > 0
        ? `${lines.join('\n')}\n`
        : `No active silence${only ? ` on ${only}` : ''}: alarms page as usual.\n`,
    );
    return 0;
  });
};

const unsilence = async (service: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  const cfg = config(parsed);
  const name = knownService('unsilence', service, cfg);
  const by = parsed.values.by;
  missingFlags('unsilence', { '--by NAME': by });
  return withStore(parsed, async (store) => {
    const lifted = await asUsage(() => liftSilences(silenceDeps(store, cfg), name, by ?? ''));
    io.out(
      lifted > 0
        ? `${name}: ${lifted === 1 ? '1 silence' : `${lifted} silences`} lifted by ${by}; its new alarms page again (an incident already suppressed is handled when its silence was due to end).\n`
        : `${name} had no active silence: its alarms already page.\n`,
    );
    return 0;
  });
};

const utc = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

const LIVE_POLL_MS = 5_000;

/** Game day on a deployed stack: refused before any AWS call unless --confirm repeats the alarm name. */
const liveDrill = async (parsed: Parsed, io: Io): Promise<number> => {
  const { alarm, confirm, stack, region, scenario } = parsed.values;
  if (scenario) throw new UsageError('drill --live sets a real alarm; --scenario is for the sandbox drill');
  if (!alarm)
    throw new UsageError('drill --live needs --alarm NAME: a CloudWatch alarm the deployed stack watches');
  const refusal = confirmationProblem(alarm, confirm);
  if (refusal) throw new UsageError(refusal);
  if (!stack) throw new UsageError('drill --live runs on a deployed stack: give --stack NAME');
  const timeoutMs = await duration(parsed.values.timeout ?? '15m', '--timeout');
  const resolveAfter = parsed.values['resolve-after'];
  const resolveAfterMs =
    resolveAfter === undefined ? undefined : await duration(resolveAfter, '--resolve-after');
  if (timeoutMs <= 0) throw new UsageError('--timeout must be longer than zero, such as 15m');
  if (resolveAfterMs !== undefined && resolveAfterMs >= timeoutMs) {
    throw new UsageError(
      `--resolve-after (${resolveAfter}) must be shorter than --timeout (${humanDuration(timeoutMs)})`,
    );
  }
  // The config names the alarms the stack watches, when it is at hand; a drill does not need it.
  const configFile = parsed.values.config ?? DEFAULT_CONFIG;
  const watchedAlarms =
    parsed.values.config || existsSync(configFile)
      ? [...alarmIndex(loadConfig(configFile)).keys()]
      : undefined;
  const outputs = await readStackOutputs(stack, region);
  requireOutputs(stack, outputs, ['IncidentTableName', 'StateMachineArn']);
  const clientConfig = region ? { region } : {};
  const cloudwatch = new CloudWatchClient(clientConfig);
  const sfn = new SFNClient(clientConfig);
  const doc = createDocumentClient(clientConfig);
  try {
    const result = await runLiveDrill(
      {
        cloudwatch,
        sfn,
        store: new IncidentStore(doc, outputs.IncidentTableName ?? ''),
        stateMachineArn: outputs.StateMachineArn ?? '',
        clock: () => new Date(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        out: (line) => io.out(`${line}\n`),
        ...(watchedAlarms ? { watchedAlarms } : {}),
      },
      {
        alarmName: alarm,
        confirm,
        by: parsed.values.by ?? defaultOperator(),
        timeoutMs,
        pollMs: LIVE_POLL_MS,
        ...(resolveAfterMs !== undefined ? { resolveAfterMs } : {}),
      },
    );
    return result.timedOut ? 1 : 0;
  } finally {
    cloudwatch.destroy();
    sfn.destroy();
    doc.destroy();
  }
};

/** Who runs the drill, when --by is not given: the login name. */
const defaultOperator = (): string => {
  try {
    return userInfo().username;
  } catch {
    return 'operator';
  }
};
