/**
 * The `incident` operator CLI. The sandbox commands (drill, replay) run the synthesized workflow
 * locally; the record commands (list, show, report, stats, postmortem, silences) read the sandbox
 * store, or a deployed stack's table with `--table` or `--stack` through the same adapter and the
 * user's AWS credentials. `drill --live` sets a real alarm of a deployed stack (live-drill.ts).
 * This file parses the arguments, hands each command to its file in commands/, and turns errors
 * into exit codes: 2 for a usage error, 1 for any other IncidentError.
 */

import { parseArgs } from 'node:util';
import { IncidentError } from '../lambdas/domain/errors';
import { SCENARIOS } from '../sandbox/scenarios';
import { DEFAULT_CONFIG, DEFAULT_SANDBOX_DB, type Io, options, UsageError } from './args';
import { answer } from './commands/approve';
import { declare } from './commands/declare';
import { drill } from './commands/drill';
import { list, report, show } from './commands/incidents';
import { liveDrill } from './commands/live-drill';
import { ONCALL_OPTIONS, type OncallParsed, oncall, override, overrides } from './commands/oncall';
import { open } from './commands/open';
import { policy } from './commands/policy';
import { postmortem } from './commands/post-incident';
import { replay } from './commands/replay';
import { respond } from './commands/respond';
import { routeExplain } from './commands/route';
import { silence, silences, unsilence } from './commands/silence';
import { stats } from './commands/stats';
import { statusPage } from './commands/status-page';

export { DEFAULT_SANDBOX_DB, type Io } from './args';

const USAGE = `Usage: incident <command> [options]

Sandbox (no AWS account needed; loopback only):
  drill --scenario NAME [--json] [--serve]
                                     play a scenario: ${Object.keys(SCENARIOS).join(', ')};
                                     --serve keeps its responder endpoint up until Ctrl-C and prints each
                                     incident's page URL
  open ID [--json]                   the URL of a sandbox incident's page while a drill --serve runs
                                     (--json: {"id", "url", "tier", "baseUrl"})
  replay FILE [--json]               feed one captured alarm event (any shape CloudWatch sends) through the workflow
  route explain FILE [--tag K=V] [--json]
                                     which routing rule one alarm event (any shape) matches, and why;
                                     --json prints {"rule", "service", "severity", "action"} per change
  declare --service S --severity P2 --title T --by NAME
                                     a person declares an incident; it runs the whole lifecycle
                                     (add --stack NAME to declare it on a deployed stack)

The record (the sandbox store, or a deployed stack's table with --table NAME or --stack NAME [--region R]):
  list [--open] [--limit N]          recent incidents (or only open ones)
  show ID                            one incident with its timeline
  report ID [--out FILE]             the incident report (Markdown), written from the record
  stats [--since 30d] [--json]       per severity: count, MTTA, MTTR (mean, median), time to mitigate,
                                     who resolved them; incidents by service; how many were suppressed
  status-page [--out DIR]            render the public status page (index.html, status.json, history.atom)
                                     from the record into DIR (default .sandbox/status), with --config's statusPage

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

On call (the config's oncall section --config; overrides in the sandbox store, --table NAME or --stack NAME):
  oncall [--at ISO] [--schedule NAME] [--severity P1] [--json]
                                     who is on call now (or at --at), per tier (as paged for --severity, default
                                     P1) and per schedule, why and until when; coverage gaps name the fallback;
                                     warns of handoffs in a DST gap or overlap in the next 366 days.
                                     --json: {"at", "tiers": {TIER: [name]}, "schedules": {SCHEDULE: [person]}}
  oncall --from ISO --to ISO [--schedule NAME] [--severity P1] [--json]
                                     the shifts, handoff by handoff (--json: an array of shifts)
  override SCHEDULE --add|--remove|--replace PERSON [--replaces PERSON] --from ISO --to ISO --reason T --by NAME [--token T]
                                     put PERSON on call beside whoever is, take them off, or in the place of
                                     --replaces (default whoever is scheduled); the override created last wins;
                                     a retry with the same --token stores nothing twice
  override SCHEDULE --delete ID --by NAME
                                     the override no longer applies (kept on the record, with who deleted it)
  overrides [SCHEDULE] [--at ISO] [--json]
                                     overrides in force now (or at --at) and to come, with who set them and why

Policy (the deployment config --config and files only; no AWS call, nothing paged or stored):
  policy simulate --history FILE [--alarms FILE] [--silences FILE] [--json]
                                     replay \`aws cloudwatch describe-alarm-history --history-item-type StateUpdate\`
                                     output through routing, dedup, the reopen window, maintenance windows,
                                     silences and the escalation policy (nobody acknowledges) on a simulated clock.
                                     --alarms: \`aws cloudwatch describe-alarms\` output (metrics, dimensions, ARN
                                     for routing); --silences: \`incident silences --json\` output or [{service,
                                     from, until, reason}]. Prints per ISO week: pages per tier, incidents opened,
                                     suppressed, duplicates, reopened, ignored; totals; the 10 noisiest alarms.
                                     --json: {history, tiers, weeks: [{week, pages: {TIER: n}, pagesTotal, opened,
                                     suppressed, duplicates, reopened, ignored}], totals (same figures), openAtEnd,
                                     noisiest: [{alarmName, toAlarm, incidents, reopened, duplicates, pages,
                                     route: {action, rule, service, severity}}], notes: [text]}

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

export const main = async (argv: readonly string[], io: Io): Promise<number> => {
  let parsed: OncallParsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...options, ...ONCALL_OPTIONS },
      allowPositionals: true,
      strict: true,
    });
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
    return await run(command, rest[0], parsed, io);
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

/** One command, with its first positional argument (an incident ID, a service, a file). */
const run = (command: string, arg: string | undefined, parsed: OncallParsed, io: Io): Promise<number> => {
  switch (command) {
    case 'drill':
      return parsed.values.live ? liveDrill(parsed, io) : drill(parsed, io);
    case 'replay':
      return replay(arg, parsed, io);
    case 'list':
      return list(parsed, io);
    case 'show':
      return show(arg, parsed, io);
    case 'open':
      return open(arg, parsed, io);
    case 'report':
      return report(arg, parsed, io);
    case 'stats':
      return stats(parsed, io);
    case 'status-page':
      return statusPage(parsed, io);
    case 'postmortem':
      return postmortem(arg, parsed, io);
    case 'policy':
      return policy(arg, parsed, io);
    case 'silence':
      return silence(arg, parsed, io);
    case 'silences':
      return silences(arg, parsed, io);
    case 'unsilence':
      return unsilence(arg, parsed, io);
    case 'approve':
    case 'deny':
      return answer(command === 'approve', arg, parsed, io);
    case 'ack':
    case 'escalate':
    case 'resolve':
      return respond(command, arg, parsed, io);
    case 'declare':
      return declare(parsed, io);
    case 'oncall':
      return oncall(parsed, io);
    case 'override':
      return override(arg, parsed, io);
    case 'overrides':
      return overrides(arg, parsed, io);
    case 'route':
      if (arg !== 'explain') throw new UsageError(`unknown route command "${arg ?? ''}": route explain FILE`);
      return routeExplain(parsed.positionals[2], parsed, io);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
};
