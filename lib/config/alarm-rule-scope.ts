/**
 * Which alarm state changes the EventBridge rule lets start an execution, from the routing config: as
 * few as a pattern can tell apart, and never fewer than the intake would open an incident for. The
 * intake still routes every event it gets, so where a pattern cannot express a matcher it matches
 * more, never less:
 * - `routing.default.action: open`: every alarm but the built-in ignores (target-tracking alarms, the
 *   stack's operator alarms; at most two prefixes fit, see AlarmIntake). Rules with `action: ignore`
 *   act in the intake: a pattern cannot subtract them and the built-in prefixes at once.
 * - `ignore`: the stack's alarm names, or any alarm matching a rule that opens incidents. A rule's
 *   alarm name (eq, prefix, and a glob with `*` only, as EventBridge `wildcard`), namespace, metric
 *   name and dimensions become a clause of `$or` on the event's `detail`
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html); a
 *   regex, a `?` glob, tags, account and region do not, so that clause matches more. A rule left with
 *   no clause at all matches every alarm.
 */
import { alarmIndex, ignoredAlarmFamilies } from '../../lambdas/contract/alarm-index';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';
import type { RouteRule } from '../../lambdas/contract/config-schema-routing';

/** A clause of the `detail` part of an EventBridge pattern, on the CloudWatch Alarm State Change event. */
export type AlarmDetailClause = Readonly<Record<string, unknown>>;

export type AlarmRuleScope =
  | { readonly all: true; readonly ignoredPrefixes: readonly string[] }
  | {
      readonly all: false;
      readonly alarmNames: readonly string[];
      readonly routed: readonly AlarmDetailClause[];
    };

/**
 * EventBridge caps an event pattern at 2,048 characters by default
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html); a scope that would not fit
 * beside the rest of the pattern (source, detail-type, state: about 200) matches every alarm instead.
 */
export const MAX_SCOPE_CHARS = 2_048 - 256;

const metricPath = (leaf: Record<string, unknown>) => ({
  configuration: { metrics: { metricStat: { metric: leaf } } },
});

/** The rule's clause, or undefined when nothing of it can be expressed (it matches every alarm). */
export const ruleClause = (rule: RouteRule): AlarmDetailClause | undefined => {
  const m = rule.match;
  const clause: Record<string, unknown> = {};
  const name = m.alarmName;
  if (name?.eq !== undefined) clause.alarmName = [name.eq];
  else if (name?.prefix !== undefined) clause.alarmName = [{ prefix: name.prefix }];
  else if (name?.glob !== undefined && !name.glob.includes('?')) clause.alarmName = [{ wildcard: name.glob }];
  const leaf: Record<string, unknown> = {};
  if (m.namespace !== undefined) leaf.namespace = [m.namespace];
  if (m.metricName !== undefined) leaf.name = [m.metricName];
  if (m.dimensions) {
    leaf.dimensions = Object.fromEntries(
      Object.entries(m.dimensions).map(([key, value]) => [
        key,
        typeof value === 'string' ? [value] : [{ exists: true }],
      ]),
    );
  }
  if (Object.keys(leaf).length > 0) Object.assign(clause, metricPath(leaf));
  return Object.keys(clause).length > 0 ? clause : undefined;
};

/** A rule that may open an incident when the default route ignores (one that ends the matching opens unless it says ignore). */
const opens = (rule: RouteRule): boolean =>
  rule.action === 'open' || (rule.action === undefined && !rule.continue);

export const alarmRuleScope = (
  config: Pick<DeploymentConfig, 'routing' | 'services' | 'stackName'>,
): AlarmRuleScope => {
  const all = {
    all: true as const,
    ignoredPrefixes: ignoredAlarmFamilies(config.stackName, config.routing).map((f) => f.prefix),
  };
  if (config.routing.default.action === 'open') return all;
  const routed: AlarmDetailClause[] = [];
  for (const rule of config.routing.rules.filter(opens)) {
    const clause = ruleClause(rule);
    if (clause === undefined) return all;
    routed.push(clause);
  }
  const scope = { all: false as const, alarmNames: [...alarmIndex(config).keys()], routed };
  return JSON.stringify(scope).length > MAX_SCOPE_CHARS ? all : scope;
};
