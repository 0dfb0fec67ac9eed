/** `incident drill --scenario NAME`: plays a scenario through the synthesized workflow in the sandbox. */
import { runDrill } from '../../sandbox/drill';
import { SCENARIOS } from '../../sandbox/scenarios';
import { type Io, type Parsed, sandboxDb, UsageError } from '../args';
import { formatDrillEvent, formatDrillSummary, formatPage } from '../format';

export const drill = async (parsed: Parsed, io: Io): Promise<number> => {
  const name = parsed.values.scenario;
  const scenario = name ? SCENARIOS[name] : undefined;
  if (!scenario) throw new UsageError(name ? `no scenario "${name}"` : 'drill needs --scenario NAME');
  const json = parsed.values.json;
  const started = performance.now();
  // A scenario that needs its own hour (a Saturday night) starts there; the others start now.
  const start = scenario.start ? new Date(scenario.start) : new Date();
  const dbPath = sandboxDb(parsed);
  if (!json) {
    io.out(
      `Drill ${scenario.name}: ${scenario.summary}\n(from seed ${scenario.seed}; simulated time from ${scenario.start ?? 'now, the real clock of the record'}; the workflow is the one cdk synth produces)\n\n`,
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
