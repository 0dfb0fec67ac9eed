/**
 * What `incident policy simulate` reads, in the shapes the AWS CLI prints:
 *
 * - `aws cloudwatch describe-alarm-history --history-item-type StateUpdate`: `{"AlarmHistoryItems":
 *   [{AlarmName, AlarmType, Timestamp, HistoryItemType, HistorySummary, HistoryData}], "NextToken"?}`
 *   with HistoryData a JSON string (`{version, oldState: {stateValue, stateReason}, newState:
 *   {stateValue, stateReason, stateReasonData?}}`), newest first. The AWS CLI follows NextToken itself
 *   unless told not to; a file may also hold several such documents, one after another or in a JSON
 *   array (several runs appended to one file): their items are merged, exact repeats dropped.
 *   Items of another type (ConfigurationUpdate, Action) are skipped and counted.
 * - `aws cloudwatch describe-alarms`: `{"MetricAlarms": [...], "CompositeAlarms": [...]}`, for what the
 *   history lacks and routing may match on: each alarm's ARN (account, region), metrics and dimensions.
 *
 * Every problem is reported at once, naming the item and the field, such as
 * `AlarmHistoryItems[3].HistoryData: is not JSON`.
 */
import * as z from 'zod/mini';
import { type FieldProblem, ValidationError } from '../lambdas/domain/errors';
import type { HistoryChange } from '../lambdas/domain/policy-simulation';
import type { RoutableAlarm } from '../lambdas/domain/routing';
import type { Silence } from '../lambdas/domain/silences';
import { formatPath } from '../lambdas/domain/validation';
import { arnParts, normaliseAlarmArn, toUtcIso } from '../lambdas/intake/alarm-event-fields';
import { mergeDimensions } from '../lambdas/intake/alarm-state-change';

/** At most this many problems are listed; the rest are counted. */
const MAX_PROBLEMS = 20;

const STATE_VALUES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;

const itemSchema = z.object({
  AlarmName: z.string().check(z.minLength(1)),
  AlarmType: z.optional(z.string()),
  Timestamp: z.string(),
  HistoryItemType: z.string(),
  HistorySummary: z.optional(z.string()),
  HistoryData: z.string(),
});

const historyDocumentSchema = z.object({
  AlarmHistoryItems: z.array(z.unknown()),
  NextToken: z.optional(z.string()),
});

const stateSchema = z.object({ stateValue: z.enum(STATE_VALUES), stateReason: z.optional(z.string()) });
const historyDataSchema = z.object({ newState: stateSchema, oldState: z.optional(stateSchema) });

const dimensionsSchema = z.optional(z.array(z.object({ Name: z.string(), Value: z.string() })));
const metricSchema = z.object({
  Namespace: z.optional(z.string()),
  MetricName: z.optional(z.string()),
  Dimensions: dimensionsSchema,
});
const alarmsDocumentSchema = z.object({
  MetricAlarms: z.optional(
    z.array(
      z.object({
        AlarmName: z.string().check(z.minLength(1)),
        AlarmArn: z.optional(z.string()),
        ...metricSchema.shape,
        Metrics: z.optional(
          z.array(
            z.object({
              Expression: z.optional(z.string()),
              MetricStat: z.optional(z.object({ Metric: metricSchema })),
            }),
          ),
        ),
      }),
    ),
  ),
  CompositeAlarms: z.optional(
    z.array(z.object({ AlarmName: z.string().check(z.minLength(1)), AlarmArn: z.optional(z.string()) })),
  ),
});

const silenceSchema = z.object({
  service: z.string().check(z.minLength(1)),
  id: z.optional(z.string()),
  from: z.string(),
  until: z.string(),
  reason: z.string(),
  by: z.optional(z.string()),
});
const silencesDocumentSchema = z.union([
  z.array(silenceSchema),
  z.object({ silences: z.array(silenceSchema) }),
]);

const join = (prefix: string, path: string): string =>
  prefix && path ? (path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`) : prefix || path;

/** zod's problems under `prefix`; a field that is absent says so plainly. */
const problemsOf = (error: z.core.$ZodError, prefix: string): FieldProblem[] =>
  error.issues.map((issue) => ({
    path: join(prefix, formatPath(issue.path)),
    message:
      issue.code === 'invalid_type' && issue.message.endsWith('received undefined')
        ? `is missing (${issue.message.replace('Invalid input: ', '')})`
        : issue.message,
  }));

const fail = (subject: string, problems: FieldProblem[]): never => {
  const listed = problems.slice(0, MAX_PROBLEMS);
  if (problems.length > MAX_PROBLEMS)
    listed.push({ path: '', message: `and ${problems.length - MAX_PROBLEMS} more problems` });
  throw new ValidationError(subject, listed);
};

/**
 * The JSON documents in `text`: one document, each element of a top-level array, or several
 * documents written one after another. Throws a ValidationError when it is not JSON.
 */
export const jsonDocuments = (text: string, subject: string): { documents: unknown[]; several: boolean } => {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch (error) {
    const split = splitConcatenated(text);
    if (split.length > 1) {
      try {
        return { documents: split.map((part) => JSON.parse(part)), several: true };
      } catch {
        // Fall through: report the file's own first error.
      }
    }
    return fail(subject, [{ path: '', message: `is not JSON (${(error as Error).message})` }]);
  }
  return Array.isArray(whole) ? { documents: whole, several: true } : { documents: [whole], several: false };
};

/** Splits `{...}{...}` (with any whitespace between) at the top level, minding strings. */
const splitConcatenated = (text: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth += 1;
    } else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) parts.push(text.slice(start, i + 1));
      if (depth < 0) return [];
    } else if (depth === 0 && !/\s/.test(c ?? '')) return [];
  }
  return depth === 0 ? parts : [];
};

export interface ParsedHistory {
  /** The StateUpdate items as state changes, oldest first (ties keep CloudWatch's order). */
  readonly changes: HistoryChange[];
  /** Items of another HistoryItemType, left out. */
  readonly otherItems: number;
  /** Items that appeared more than once (overlapping runs appended to one file), counted once. */
  readonly repeats: number;
  /** How many documents the file held. */
  readonly documents: number;
  /** Whether a document ends with a NextToken: more history exists than the file holds. */
  readonly truncated: boolean;
}

/**
 * Reads describe-alarm-history output. `source` names the file in messages.
 * @throws ValidationError naming every bad item and field
 */
export const parseAlarmHistory = (text: string, source: string): ParsedHistory => {
  const subject = `Alarm history ${source}`;
  const { documents, several } = jsonDocuments(text, subject);
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const changes: HistoryChange[] = [];
  let otherItems = 0;
  let repeats = 0;
  let truncated = false;
  documents.forEach((document, d) => {
    const prefix = several ? `[${d}]` : '';
    const parsed = z.safeParse(historyDocumentSchema, document);
    if (!parsed.success) {
      problems.push(
        ...problemsOf(parsed.error, prefix).map((p) => ({
          ...p,
          message: `${p.message}: expected the output of aws cloudwatch describe-alarm-history`,
        })),
      );
      return;
    }
    if (parsed.data.NextToken !== undefined) truncated = true;
    // CloudWatch lists the newest first: read each document backwards so ties stay in time order.
    const items = parsed.data.AlarmHistoryItems;
    for (let i = items.length - 1; i >= 0; i--) {
      const at = join(prefix, `AlarmHistoryItems[${i}]`);
      const item = z.safeParse(itemSchema, items[i]);
      if (!item.success) {
        problems.push(...problemsOf(item.error, at));
        continue;
      }
      const { AlarmName, Timestamp, HistoryItemType, HistoryData } = item.data;
      if (HistoryItemType !== 'StateUpdate') {
        otherItems += 1;
        continue;
      }
      const time = toUtcIso(Timestamp);
      if (time === undefined)
        problems.push({
          path: `${at}.Timestamp`,
          message: `is not a timestamp with an offset, such as 2026-11-23T10:00:00.000Z: "${Timestamp}"`,
        });
      let data: unknown;
      try {
        data = JSON.parse(HistoryData);
      } catch (error) {
        problems.push({ path: `${at}.HistoryData`, message: `is not JSON (${(error as Error).message})` });
        continue;
      }
      const state = z.safeParse(historyDataSchema, data);
      if (!state.success) {
        problems.push(...problemsOf(state.error, `${at}.HistoryData`));
        continue;
      }
      if (time === undefined) continue;
      const identity = `${AlarmName}\u0000${time}\u0000${HistoryData}`;
      if (seen.has(identity)) {
        repeats += 1;
        continue;
      }
      seen.add(identity);
      changes.push({ alarmName: AlarmName, at: time, state: state.data.newState.stateValue });
    }
  });
  if (problems.length > 0) fail(subject, problems);
  const ordered = changes
    .map((change, index) => ({ change, index }))
    .sort((a, b) => a.change.at.localeCompare(b.change.at) || a.index - b.index)
    .map(({ change }) => change);
  return { changes: ordered, otherItems, repeats, documents: documents.length, truncated };
};

/**
 * Reads describe-alarms output: what routing needs of each alarm, by name.
 * @throws ValidationError naming every bad field
 */
export const parseDescribeAlarms = (text: string, source: string): Map<string, RoutableAlarm> => {
  const subject = `Alarms ${source}`;
  const { documents, several } = jsonDocuments(text, subject);
  const problems: FieldProblem[] = [];
  const alarms = new Map<string, RoutableAlarm>();
  const dimensionsOf = (dims: z.infer<typeof dimensionsSchema>): Record<string, string> =>
    Object.fromEntries((dims ?? []).map((d) => [d.Name, d.Value]));
  const withArn = (name: string, arn: string | undefined) => {
    const alarmArn = arn === undefined ? undefined : normaliseAlarmArn(arn);
    return { alarmName: name, ...(alarmArn ? { alarmArn, ...arnParts(alarmArn) } : {}) };
  };
  documents.forEach((document, d) => {
    const parsed = z.safeParse(alarmsDocumentSchema, document);
    if (!parsed.success) {
      problems.push(...problemsOf(parsed.error, several ? `[${d}]` : ''));
      return;
    }
    for (const alarm of parsed.data.MetricAlarms ?? []) {
      const stats = (alarm.Metrics ?? []).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
      const metrics = alarm.MetricName !== undefined || alarm.Namespace !== undefined ? [alarm] : stats;
      alarms.set(alarm.AlarmName, {
        ...withArn(alarm.AlarmName, alarm.AlarmArn),
        metrics: metrics.map((m) => ({
          ...(m.Namespace !== undefined ? { namespace: m.Namespace } : {}),
          ...(m.MetricName !== undefined ? { name: m.MetricName } : {}),
        })),
        dimensions: mergeDimensions(metrics.map((m) => dimensionsOf(m.Dimensions))),
      });
    }
    for (const alarm of parsed.data.CompositeAlarms ?? []) {
      alarms.set(alarm.AlarmName, {
        ...withArn(alarm.AlarmName, alarm.AlarmArn),
        metrics: [],
        dimensions: {},
      });
    }
  });
  if (problems.length > 0) fail(subject, problems);
  return alarms;
};

/**
 * Reads silences: the `incident silences --json` output (`{"silences": [...]}`) or a bare array of
 * `{service, from, until, reason, by?, id?}` with ISO-8601 times.
 * @throws ValidationError naming every bad field
 */
export const parseSilences = (text: string, source: string): Silence[] => {
  const subject = `Silences ${source}`;
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    return fail(subject, [{ path: '', message: `is not JSON (${(error as Error).message})` }]);
  }
  const parsed = z.safeParse(silencesDocumentSchema, input);
  if (!parsed.success) return fail(subject, problemsOf(parsed.error, ''));
  const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.silences;
  const problems: FieldProblem[] = [];
  const silences = list.map((s, i): Silence => {
    const from = toUtcIso(s.from);
    const until = toUtcIso(s.until);
    for (const [field, value] of [
      ['from', from],
      ['until', until],
    ] as const) {
      if (value === undefined)
        problems.push({ path: `[${i}].${field}`, message: 'is not a timestamp with an offset' });
    }
    return {
      service: s.service,
      id: s.id ?? `silence-${i + 1}`,
      from: from ?? s.from,
      until: until ?? s.until,
      reason: s.reason,
      by: s.by ?? 'unknown',
    };
  });
  if (problems.length > 0) fail(subject, problems);
  return silences;
};
