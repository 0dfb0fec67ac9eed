/**
 * `incident policy simulate --history FILE [--alarms FILE] [--silences FILE] [--json]`: what the
 * configured policy (routing, dedup, reopen window, maintenance windows, silences, escalation) would
 * have done with a past alarm history, replayed on a simulated clock. Nothing is paged, nothing is
 * stored, no AWS call is made: the files are what the AWS CLI printed.
 *
 * `--json` prints one object: the PolicySimulationReport of lambdas/domain/policy-simulation.ts
 * (`history`, `tiers`, `weeks`, `totals`, `openAtEnd`, `noisiest`) and `notes`, the lines that say
 * what the simulation could not see (no --alarms, tags, a truncated history).
 */
import { readFileSync } from 'node:fs';
import { alarmIndex } from '../../lambdas/contract/alarm-index';
import type { HistoryChange } from '../../lambdas/domain/policy-simulation';
import {
  type PolicySimulationReport,
  SIMULATION_TAGS,
  simulatePolicy,
} from '../../lambdas/domain/policy-simulation';
import { type RoutableAlarm, type RouteDecision, routeWithTags } from '../../lambdas/domain/routing';
import type { Silence } from '../../lambdas/domain/silences';
import { UNMAPPED_SERVICE } from '../../lambdas/services/intake';
import { parseAlarmHistory, parseDescribeAlarms, parseSilences } from '../alarm-history';
import { config, type Io, missingFlags, type Parsed, UsageError } from '../args';
import { formatPolicySimulation } from '../policy-format';

/** The report as `--json` prints it. */
export type PolicySimulationOutput = PolicySimulationReport & { readonly notes: readonly string[] };

const readInput = (path: string, flag: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `${flag}: no such file: ${path}`
        : `${flag}: cannot read ${path}: ${(error as Error).message}`,
    );
  }
};

const list = (names: readonly string[], max = 5): string =>
  names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');

export const policy = async (sub: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  if (sub !== 'simulate')
    throw new UsageError(
      sub ? `unknown policy command "${sub}": policy simulate` : 'policy needs a command: policy simulate',
    );
  const historyPath = parsed.values.history;
  missingFlags('policy simulate', { '--history': historyPath });
  const history = parseAlarmHistory(readInput(historyPath as string, '--history'), historyPath as string);
  const cfg = config(parsed);
  const alarmsPath = parsed.values.alarms;
  const described = alarmsPath
    ? parseDescribeAlarms(readInput(alarmsPath, '--alarms'), alarmsPath)
    : undefined;
  const silencesPath = parsed.values.silences;
  const silences: Silence[] = silencesPath
    ? parseSilences(readInput(silencesPath, '--silences'), silencesPath)
    : [];

  const notes: string[] = [];
  const watched = alarmIndex(cfg);
  const names = [...new Set(history.changes.map((c) => c.alarmName))];
  const routable = new Map<string, RoutableAlarm>();
  const routes = new Map<string, RouteDecision>();
  const undescribed: string[] = [];
  const readTags: string[] = [];
  for (const name of names) {
    const alarm = described?.get(name) ?? { alarmName: name, metrics: [], dimensions: {} };
    if (described && !described.has(name)) undescribed.push(name);
    routable.set(name, alarm);
    const route = await routeWithTags(cfg, watched, alarm, () => {
      readTags.push(name);
      return SIMULATION_TAGS;
    });
    routes.set(name, route);
  }
  const changes = history.changes.map((change): HistoryChange => {
    const { account, region } = routable.get(change.alarmName) ?? {};
    return { ...change, ...(account ? { account } : {}), ...(region ? { region } : {}) };
  });
  const report = simulatePolicy({
    changes,
    config: cfg,
    routes,
    unmappedService: UNMAPPED_SERVICE,
    silences,
  });

  if (history.changes.length === 0) notes.push('the history holds no state changes');
  if (!described && names.length > 0)
    notes.push(
      'no --alarms file (aws cloudwatch describe-alarms output): routing saw only alarm names, so rules that match on namespace, metric name, dimensions, account or region could not match, and no service came from a dimension',
    );
  if (undescribed.length > 0)
    notes.push(
      `${undescribed.length} alarm${undescribed.length === 1 ? ' is' : 's are'} not in ${alarmsPath} (deleted since?), routed by name only: ${list(undescribed)}`,
    );
  if (readTags.length > 0)
    notes.push(
      `the simulation reads no tags: rules that match on tags were skipped for ${readTags.length} alarm${readTags.length === 1 ? '' : 's'} (${list(readTags)})`,
    );
  if (history.otherItems > 0)
    notes.push(
      `${history.otherItems} item${history.otherItems === 1 ? ' is' : 's are'} not StateUpdate and ${history.otherItems === 1 ? 'was' : 'were'} left out (ask for --history-item-type StateUpdate)`,
    );
  if (history.repeats > 0)
    notes.push(
      `${history.repeats} item${history.repeats === 1 ? '' : 's'} appeared more than once and counted once`,
    );
  if (history.truncated)
    notes.push(
      'the history ends with a NextToken: CloudWatch holds more than this file (run it without --max-items, or append the next pages)',
    );
  if (report.openAtEnd > 0)
    notes.push(
      `${report.openAtEnd} incident${report.openAtEnd === 1 ? ' is' : 's are'} still open when the history ends: ${report.openAtEnd === 1 ? 'its' : 'their'} pages are counted up to the last state change`,
    );

  const output: PolicySimulationOutput = { ...report, notes };
  io.out(parsed.values.json ? `${JSON.stringify(output, null, 2)}\n` : `${formatPolicySimulation(output)}\n`);
  return 0;
};
