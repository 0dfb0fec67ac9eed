/**
 * `incident route explain FILE`: which routing rule an alarm event matches and why, offline, through
 * the same routeAlarm as the intake Lambda. The alarm's tags are not read from AWS: give them with
 * `--tag KEY=VALUE` (repeatable), or rules that match on tags are skipped as after a failed lookup.
 */
import { readFile } from 'node:fs/promises';
import { alarmIndex } from '../../lambdas/contract/alarm-index';
import { routeWithTags, type TagLookup } from '../../lambdas/domain/routing';
import { parseAlarmEvent } from '../../lambdas/intake/alarm-event';
import { asUsage, config, type Io, type Parsed, UsageError } from '../args';

/** What `--json` prints per alarm state change, one line each. */
export interface RouteExplanation {
  readonly rule: string | null;
  readonly service: string | null;
  readonly severity: string | null;
  readonly action: 'open' | 'ignore';
}

const tagsOf = (pairs: readonly string[] | undefined): TagLookup => {
  if (!pairs || pairs.length === 0)
    return { ok: false, reason: 'route explain reads no tags from AWS; pass them with --tag KEY=VALUE' };
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--tag ${pair}: must be KEY=VALUE, such as --tag team=payments`);
    tags[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { ok: true, tags };
};

const readEvent = async (file: string): Promise<unknown> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no such file: ${file}`);
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
};

export const routeExplain = async (file: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  if (!file) throw new UsageError('route explain needs a FILE holding one alarm event');
  const cfg = config(parsed);
  const tags = tagsOf(parsed.values.tag);
  const event = await readEvent(file);
  const items = await asUsage(() => parseAlarmEvent(event));
  const watched = alarmIndex(cfg);
  for (const item of items) {
    if (item.kind === 'ignored') {
      const line: RouteExplanation = { rule: null, service: null, severity: null, action: 'ignore' };
      io.out(parsed.values.json ? `${JSON.stringify(line)}\n` : `ignored before routing: ${item.reason}\n`);
      continue;
    }
    const change = item.change;
    const decision = await routeWithTags(cfg, watched, change, () => tags);
    if (parsed.values.json) {
      const line: RouteExplanation = {
        rule: decision.rule,
        service: decision.service,
        severity: decision.severity,
        action: decision.action,
      };
      io.out(`${JSON.stringify(line)}\n`);
      continue;
    }
    io.out(`${change.alarmName}: ${change.state} at ${change.at} (${change.shape})\n`);
    io.out(
      decision.action === 'ignore'
        ? '  ignored: no incident\n'
        : `  opens an incident: service ${decision.service ?? 'unmapped (no rule named one)'}, severity ${decision.severity}${decision.runbookUrl ? `, runbook ${decision.runbookUrl}` : ''}\n`,
    );
    io.out(
      `  rule: ${decision.rule ?? 'none (the default route)'}${decision.matched.length > 1 ? ` (then ${decision.matched.slice(1).join(', ')})` : ''}\n`,
    );
    for (const why of decision.why) io.out(`    ${why}\n`);
  }
  return 0;
};
