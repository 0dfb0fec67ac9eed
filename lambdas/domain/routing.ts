/**
 * Routing: which service, severity and runbook an alarm state change belongs to, and whether it opens
 * an incident at all. Pure and zod-free: the intake Lambda, the sandbox, `incident route explain` and
 * `incident policy simulate` all call {@link routeAlarm}, so they give the same answer.
 *
 * Order: the stack's own alarms (by name), then the built-in ignores (target-tracking alarms, the
 * stack's operator alarms), then `routing.rules` in order, then `routing.default` for whatever no
 * rule set. Tags are read only when a rule that needs them is reached: without them the result is
 * `{ needsTags: true }`, and the caller asks again with the lookup's result. A failed lookup skips the
 * rules that match on tags and leaves tag-derived fields unset: the alarm is never dropped for it.
 */
import type { AlarmTarget } from '../contract/alarm-index';
import { ignoredAlarmFamilies } from '../contract/alarm-index';
import type { DeploymentConfig } from '../contract/config-schema';
import type { RouteRule, StringMatcher } from '../contract/config-schema-routing';
import { SEVERITIES, type Severity } from './severity';

/** What routing reads of an alarm: every shape CloudWatch delivers gives these (AlarmStateChange has them). */
export interface RoutableAlarm {
  readonly alarmName: string;
  readonly alarmArn?: string;
  readonly account?: string;
  readonly region?: string;
  readonly metrics: ReadonlyArray<{ readonly namespace?: string; readonly name?: string }>;
  readonly dimensions: Readonly<Record<string, string>>;
}

export type TagLookup =
  | { readonly ok: true; readonly tags: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly reason: string };

export type RouteAction = 'open' | 'ignore';

export interface RouteDecision {
  readonly action: RouteAction;
  /** The rule that matched first (`builtin:*` for the stack's alarms and the built-in ignores); null = the default route. */
  readonly rule: string | null;
  /** Every rule that matched, in order (more than one only through `continue`). */
  readonly matched: readonly string[];
  /** null when nothing named one: the incident goes to the `unmapped` service. */
  readonly service: string | null;
  /** null for an alarm that is ignored. */
  readonly severity: Severity | null;
  readonly runbookUrl?: string;
  /** The stack's own alarm, when it is one: its kind drives the ECS diagnosis. */
  readonly watched?: AlarmTarget;
  /** Why, line by line, for `incident route explain` and the incident's severity reason. */
  readonly why: readonly string[];
}

export type RouteResult = RouteDecision | { readonly needsTags: true };

export type RoutingInput = Pick<DeploymentConfig, 'routing' | 'stackName' | 'services' | 'otherServices'>;

/** The rule id of the stack's own alarms (the built-in ignores have theirs in ignoredAlarmFamilies). */
export const WATCHED_ALARM_RULE = 'builtin:watched-alarm';

const compiled = new WeakMap<StringMatcher, RegExp>();

const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${[...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('')}$`,
    'su',
  );

/** Whether `value` satisfies the matcher; a regex is searched anywhere in the value (anchor it with ^ and $). */
export const matchesString = (matcher: StringMatcher, value: string): boolean => {
  if (matcher.eq !== undefined) return value === matcher.eq;
  if (matcher.prefix !== undefined) return value.startsWith(matcher.prefix);
  let re = compiled.get(matcher);
  if (re === undefined) {
    re = matcher.glob !== undefined ? globToRegExp(matcher.glob) : new RegExp(matcher.regex ?? '', 'u');
    compiled.set(matcher, re);
  }
  return re.test(value);
};

const matchesValues = (
  wanted: Readonly<Record<string, string | { readonly exists: true }>>,
  actual: Readonly<Record<string, string>>,
): string | undefined => {
  for (const [key, want] of Object.entries(wanted)) {
    const have = actual[key];
    if (have === undefined) return `has no ${key}`;
    if (typeof want === 'string' && have !== want) return `${key} is ${have}, not ${want}`;
  }
  return undefined;
};

/** Whether the rule's match needs the alarm's tags; whether any part of the rule reads them. */
const matchNeedsTags = (rule: RouteRule): boolean => rule.match.tags !== undefined;
const readsTags = (rule: RouteRule): boolean =>
  matchNeedsTags(rule) ||
  rule.severityFromTag !== undefined ||
  (rule.serviceFrom !== undefined && 'tag' in rule.serviceFrom);

/** Why the rule does not match, or undefined when it does. */
const mismatch = (rule: RouteRule, alarm: RoutableAlarm, tags: Readonly<Record<string, string>>) => {
  const m = rule.match;
  if (m.alarmName && !matchesString(m.alarmName, alarm.alarmName))
    return `alarm name ${alarm.alarmName} does not match ${JSON.stringify(m.alarmName)}`;
  if (m.namespace !== undefined || m.metricName !== undefined) {
    const hit = alarm.metrics.some(
      (metric) =>
        (m.namespace === undefined || metric.namespace === m.namespace) &&
        (m.metricName === undefined || metric.name === m.metricName),
    );
    if (!hit)
      return `no metric of the alarm is ${[m.namespace, m.metricName].filter((v) => v !== undefined).join(' ')}`;
  }
  if (m.dimensions) {
    const why = matchesValues(m.dimensions, alarm.dimensions);
    if (why) return `dimensions: ${why}`;
  }
  if (m.tags) {
    const why = matchesValues(m.tags, tags);
    if (why) return `tags: ${why}`;
  }
  if (m.account !== undefined && alarm.account !== m.account)
    return `account is ${alarm.account ?? 'unknown'}, not ${m.account}`;
  if (m.region !== undefined && alarm.region !== m.region)
    return `region is ${alarm.region ?? 'unknown'}, not ${m.region}`;
  return undefined;
};

interface Fields {
  service?: string;
  severity?: Severity;
  runbookUrl?: string;
  action?: RouteAction;
}

const severityOfTag = (value: string | undefined): Severity | undefined => {
  const upper = value?.trim().toUpperCase();
  return SEVERITIES.find((s) => s === upper);
};

/** What the rule sets, given the alarm and its tags; notes what it could not set. */
const ruleFields = (
  rule: RouteRule,
  alarm: RoutableAlarm,
  tags: Readonly<Record<string, string>>,
  why: string[],
): Fields => {
  const fields: Fields = {};
  if (rule.service !== undefined) fields.service = rule.service;
  if (rule.serviceFrom) {
    const [from, key] =
      'dimension' in rule.serviceFrom
        ? ['dimension', rule.serviceFrom.dimension]
        : ['tag', rule.serviceFrom.tag];
    const value = from === 'dimension' ? alarm.dimensions[key] : tags[key];
    if (value) fields.service = value;
    else why.push(`  ${rule.id}: the alarm has no ${from} ${key}, so it names no service`);
  }
  if (rule.severity !== undefined) fields.severity = rule.severity;
  if (rule.severityFromTag !== undefined) {
    const value = tags[rule.severityFromTag];
    const severity = severityOfTag(value);
    if (severity) fields.severity = severity;
    else
      why.push(
        `  ${rule.id}: tag ${rule.severityFromTag} is ${value === undefined ? 'missing' : JSON.stringify(value)}, not P1-P4, so it sets no severity`,
      );
  }
  if (rule.runbookUrl !== undefined) fields.runbookUrl = rule.runbookUrl;
  // A rule that ends the matching opens unless it says otherwise; a `continue` rule sets only what it names.
  const action = rule.action ?? (rule.continue ? undefined : 'open');
  if (action !== undefined) fields.action = action;
  return fields;
};

const fillUnset = (into: Fields, from: Fields, source: string, sources: Map<keyof Fields, string>) => {
  for (const key of ['service', 'severity', 'runbookUrl', 'action'] as const) {
    if (into[key] === undefined && from[key] !== undefined) {
      (into as Record<string, unknown>)[key] = from[key];
      sources.set(key, source);
    }
  }
};

const serviceRunbook = (config: RoutingInput, service: string | undefined): string | undefined =>
  service === undefined
    ? undefined
    : (config.services.find((s) => s.name === service)?.runbookUrl ??
      config.otherServices.find((s) => s.name === service)?.runbookUrl);

/**
 * Routes one alarm. `watched` is `alarmIndex(config)`. Pass `tags` once the result asked for them
 * (`needsTags`); a failed lookup is `{ ok: false, reason }`.
 */
export const routeAlarm = (
  config: RoutingInput,
  watched: ReadonlyMap<string, AlarmTarget>,
  alarm: RoutableAlarm,
  tags?: TagLookup,
): RouteResult => {
  const target = watched.get(alarm.alarmName);
  if (target) {
    return {
      action: 'open',
      rule: WATCHED_ALARM_RULE,
      matched: [WATCHED_ALARM_RULE],
      service: target.serviceName,
      severity: target.severity,
      runbookUrl: target.runbookUrl,
      watched: target,
      why: [`${alarm.alarmName} is the ${target.kind} alarm the stack created for ${target.serviceName}`],
    };
  }
  const family = ignoredAlarmFamilies(config.stackName, config.routing).find((f) =>
    alarm.alarmName.startsWith(f.prefix),
  );
  if (family) {
    return {
      action: 'ignore',
      rule: family.id,
      matched: [],
      service: null,
      severity: null,
      why: [`${alarm.alarmName} is ${family.family}, ignored while ${family.setting} is true`],
    };
  }

  const why: string[] = [];
  const fields: Fields = {};
  const sources = new Map<keyof Fields, string>();
  const matched: string[] = [];
  const tagValues = tags?.ok ? tags.tags : {};
  for (const rule of config.routing.rules) {
    if (readsTags(rule) && tags === undefined) return { needsTags: true };
    if (matchNeedsTags(rule) && tags && !tags.ok) {
      why.push(`${rule.id}: skipped, it matches on tags and they could not be read (${tags.reason})`);
      continue;
    }
    const miss = mismatch(rule, alarm, tagValues);
    if (miss) {
      why.push(`${rule.id}: no match, ${miss}`);
      continue;
    }
    matched.push(rule.id);
    fillUnset(fields, ruleFields(rule, alarm, tagValues, why), rule.id, sources);
    why.push(`${rule.id}: matched${rule.continue ? ', continue' : ''}`);
    if (!rule.continue) break;
  }
  const fallback = config.routing.default;
  fillUnset(
    fields,
    {
      action: fallback.action,
      severity: fallback.severity,
      ...(fallback.runbookUrl ? { runbookUrl: fallback.runbookUrl } : {}),
    },
    'default',
    sources,
  );
  const ownRunbook = fields.runbookUrl === undefined || sources.get('runbookUrl') === 'default';
  const runbookUrl = (ownRunbook ? serviceRunbook(config, fields.service) : undefined) ?? fields.runbookUrl;
  if (ownRunbook && runbookUrl !== fields.runbookUrl) sources.set('runbookUrl', `service ${fields.service}`);
  const action = fields.action ?? 'open';
  const set = [...sources.entries()]
    .filter(([key]) => action === 'open' || key === 'action')
    .map(([key, source]) => `${key} from ${source}`)
    .join(', ');
  if (matched.length === 0) why.push('no rule matched: the default route applies');
  if (set) why.push(set);
  return {
    action,
    rule: matched[0] ?? null,
    matched,
    service: action === 'open' ? (fields.service ?? null) : null,
    severity: action === 'open' ? (fields.severity ?? fallback.severity) : null,
    ...(action === 'open' && runbookUrl ? { runbookUrl } : {}),
    why,
  };
};

/**
 * Routes one alarm, asking `lookup` for its tags only when a rule that reads them is reached: what
 * every caller does with {@link routeAlarm}'s `needsTags` (the intake reads CloudWatch, the CLI and the
 * simulation answer without AWS).
 */
export const routeWithTags = async (
  config: RoutingInput,
  watched: ReadonlyMap<string, AlarmTarget>,
  alarm: RoutableAlarm,
  lookup: () => TagLookup | Promise<TagLookup>,
): Promise<RouteDecision> => {
  const first = routeAlarm(config, watched, alarm);
  if (!('needsTags' in first)) return first;
  const second = routeAlarm(config, watched, alarm, await lookup());
  if ('needsTags' in second) throw new Error('routing asked for tags twice');
  return second;
};

/** Whether routing ever reads tags: the intake then needs CloudWatch ListTagsForResource. */
export const routingReadsTags = (config: Pick<RoutingInput, 'routing'>): boolean =>
  config.routing.rules.some(readsTags);
