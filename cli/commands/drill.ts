/**
 * `incident drill --scenario NAME [--serve]`: plays a scenario through the synthesized workflow in the
 * sandbox. With `--serve`, the drill's responder endpoint stays up after the drill, until Ctrl-C, so
 * its pages' links (the incident pages among them) can be opened; `incident open ID` prints them.
 */
import { dirname, join } from 'node:path';
import { type DrillReport, runDrill } from '../../sandbox/drill';
import { SCENARIOS } from '../../sandbox/scenarios';
import { type Io, type Parsed, sandboxDb, UsageError } from '../args';
import { formatDrillEvent, formatDrillSummary, formatPage } from '../format';
import { incidentPages, removeServing, writeServing } from '../serving';

/** Resolves when `signal` aborts, or at the first SIGINT (Ctrl-C) without one. */
const interrupted = (signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!signal) process.once('SIGINT', () => resolve());
    else if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

/** Keeps the drill's endpoint up until interrupted, with each incident's page link in the serving file. */
const serveUntilInterrupted = async (
  baseUrl: string,
  report: DrillReport,
  dbPath: string,
  io: Io,
  json: boolean,
): Promise<void> => {
  const pages = incidentPages(report.pages);
  writeServing(dbPath, { baseUrl, pid: process.pid, pages });
  try {
    const lines = Object.entries(pages).map(([id, p]) => `  ${id}: ${p.url}\n`);
    // With --json, stdout holds the report alone.
    (json ? io.err : io.out)(
      `\nServing the drill's responder endpoint on ${baseUrl} until Ctrl-C (incident open ID prints a page's URL).\n` +
        `Incident pages:\n${lines.join('') || '  none: no page carried one\n'}`,
    );
    await interrupted(io.until);
  } finally {
    removeServing(dbPath);
  }
  (json ? io.err : io.out)('Stopped serving: the links no longer work.\n');
};

/** Plays the scenario of `--scenario`; exits 1 when an execution failed (a path that would fail on AWS too). */
export const drill = async (parsed: Parsed, io: Io): Promise<number> => {
  const name = parsed.values.scenario;
  const scenario = name ? SCENARIOS[name] : undefined;
  if (!scenario) throw new UsageError(name ? `no scenario "${name}"` : 'drill needs --scenario NAME');
  const json = parsed.values.json;
  const started = performance.now();
  // A scenario that needs its own hour (a Saturday night) starts there; the others start now.
  const start = scenario.start?.(new Date()) ?? new Date();
  const dbPath = sandboxDb(parsed);
  if (!json) {
    io.out(
      `Drill ${scenario.name}: ${scenario.summary}\n(from seed ${scenario.seed}; simulated time from ${scenario.start ? start.toISOString() : 'now, the real clock of the record'}; the workflow is the one cdk synth produces)\n\n`,
    );
  }
  const statusDir = join(dirname(dbPath), 'status');
  const print = (report: DrillReport): void => {
    const wallMs = performance.now() - started;
    if (json) {
      io.out(`${JSON.stringify({ ...report, wallMs: Math.round(wallMs) }, null, 2)}\n`);
      return;
    }
    io.out(
      `${formatDrillSummary(report, wallMs)}\n\nPages as delivered (outbox):\n${report.pages.map(formatPage).join('\n\n')}\n`,
    );
    io.out(
      (parsed.values.serve
        ? ''
        : `\nThe links in these pages pointed at the drill's own endpoint on 127.0.0.1, which stopped with the drill.\n`) +
        `The incidents stay in the sandbox store: incident list, incident show ${report.incidents[0]?.id ?? 'ID'}, incident report ${report.incidents[0]?.id ?? 'ID'}, incident stats\n` +
        (scenario.config.statusPage
          ? `The status page as customers saw it at the end: ${join(statusDir, 'index.html')} (with status.json and history.atom)\n`
          : ''),
    );
  };
  const report = await runDrill(scenario, {
    start,
    dbPath,
    statusDir,
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
    ...(parsed.values.serve
      ? {
          serve: async (sandbox, drilled) => {
            print(drilled);
            await serveUntilInterrupted(sandbox.responder.baseUrl, drilled, dbPath, io, json);
          },
        }
      : {}),
  });
  if (!parsed.values.serve) print(report);
  for (const f of report.executions.failures)
    io.err(`FAILED ${f.workflow} execution ${f.name}: ${f.error}\n`);
  // A failed execution is a path on which AWS would fail too: the drill fails with it.
  return report.failedExecutions === 0 ? 0 : 1;
};
