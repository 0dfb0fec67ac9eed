/**
 * The alarm intake's parser. CloudWatch reports an alarm state change in three shapes, and the intake
 * takes all of them: the EventBridge event (`detail-type: "CloudWatch Alarm State Change"`), the SNS
 * notification (the message itself, its SNS envelope, or a Lambda SNS event of one or more records) and
 * the Lambda alarm-action payload (`alarmData`). Each becomes one {@link AlarmStateChange}; raw events
 * go no further. Pure: no SDK, no env, no clock.
 */
import { z } from 'zod';
import { type FieldProblem, ValidationError } from '../domain/errors';
import { formatPath } from '../domain/validation';

export type AlarmStateValue = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
export type AlarmEventShape = 'eventbridge' | 'sns' | 'lambda-alarm-action';

export interface AlarmStateChange {
  shape: AlarmEventShape;
  alarmName: string;
  /** As CloudWatch wrote it, with any whitespace around the ARN's separators removed. */
  alarmArn?: string;
  account?: string;
  /** A region code such as `us-east-1` (for SNS, taken from the alarm ARN when it holds one). */
  region?: string;
  state: AlarmStateValue;
  previousState?: AlarmStateValue;
  /** ISO-8601 UTC (toISOString), from the state's timestamp (CloudWatch writes +0000; tolerate it) */
  at: string;
  /** CloudWatch's reason for the new state; empty when the event carries none. */
  reason: string;
  composite: boolean;
  /**
   * dimensions seen on the alarm's metrics, e.g. { ClusterName: 'prod', ServiceName: 'checkout' }.
   * A dimension whose value differs between the alarm's metrics is left out: it names no single resource.
   */
  dimensions: Record<string, string>;
  /** namespace/metric names of the alarm's metrics, for the record */
  metrics: Array<{ namespace?: string; name?: string; expression?: string }>;
  /** The EventBridge event id or the SNS message id; the alarm-action payload has none. */
  eventId?: string;
}

export type ParsedAlarmEvent =
  | { kind: 'state-change'; change: AlarmStateChange }
  | { kind: 'ignored'; reason: string };

// --- alarm families the intake leaves out -----------------------------------------------------------

/**
 * Application Auto Scaling names the alarms of a target-tracking policy `TargetTracking-<resource>-
 * AlarmHigh-<id>` and `...-AlarmLow-<id>`; they change state all day by design, as scaling happens.
 */
export const TARGET_TRACKING_ALARM_PREFIX = 'TargetTracking-';

/** The name of every operator alarm (an alarm on the product itself) of the stack `stackName` starts so. */
export const operatorAlarmPrefix = (stackName: string): string => `${stackName}-operator-`;

/** A family of alarms left out by name prefix, and the config setting that does it. */
export interface IgnoredAlarmFamily {
  readonly prefix: string;
  readonly family: string;
  readonly setting: string;
}

/**
 * The families the intake leaves out, as `unmappedAlarms` turns them on: target-tracking alarms, and
 * the stack's own operator alarms (they page the operators' topic themselves, and an incident about a
 * failing intake would go through that intake). Both the EventBridge rule and the intake read this.
 */
export const ignoredAlarmFamilies = (
  stackName: string,
  settings: { readonly ignoreTargetTracking: boolean; readonly ignoreOperatorAlarms: boolean },
): IgnoredAlarmFamily[] => [
  ...(settings.ignoreTargetTracking
    ? [
        {
          prefix: TARGET_TRACKING_ALARM_PREFIX,
          family: `an Application Auto Scaling target-tracking alarm (${TARGET_TRACKING_ALARM_PREFIX}*)`,
          setting: 'unmappedAlarms.ignoreTargetTracking',
        },
      ]
    : []),
  ...(settings.ignoreOperatorAlarms
    ? [
        {
          prefix: operatorAlarmPrefix(stackName),
          family: `an operator alarm of ${stackName} (${operatorAlarmPrefix(stackName)}*)`,
          setting: 'unmappedAlarms.ignoreOperatorAlarms',
        },
      ]
    : []),
];

/** The subject of every ValidationError thrown here. */
export const ALARM_EVENT_SUBJECT = 'CloudWatch alarm event';
export const ALARM_STATE_CHANGE_DETAIL_TYPE = 'CloudWatch Alarm State Change';
const CLOUDWATCH_SOURCE = 'aws.cloudwatch';

const ACCEPTED_SHAPES =
  `an EventBridge "${ALARM_STATE_CHANGE_DETAIL_TYPE}" event (detail-type, detail), ` +
  'an SNS alarm notification (the message with AlarmName and NewStateValue, its SNS envelope with Message, ' +
  'or a Lambda SNS event with Records), or a Lambda alarm-action payload (alarmData)';

// --- timestamps -------------------------------------------------------------------------------------

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * `2019-10-02T17:04:40.989+0000` -> `2019-10-02T17:04:40.989Z`. Whitespace anywhere is dropped first
 * (a copy of the AWS docs prints `2023-08-04T12: 36: 15.490+0000`); a time without an offset, or a
 * date that does not exist, is refused rather than guessed.
 */
const toUtcIso = (raw: string): string | undefined => {
  const match = TIMESTAMP.exec(raw.replace(/\s+/g, ''));
  if (!match) return undefined;
  const [, date = '', time = '', fraction = '', zone = ''] = match;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const millis = Date.parse(`${date}T${time}.${fraction.padEnd(3, '0').slice(0, 3)}${offset}`);
  if (Number.isNaN(millis) || time.startsWith('24')) return undefined;
  // Date.parse rolls 2019-02-30 over into March instead of refusing it.
  if (!new Date(`${date}T00:00:00Z`).toISOString().startsWith(date)) return undefined;
  return new Date(millis).toISOString();
};

const timestampSchema = z.string().transform((value, ctx) => {
  const iso = toUtcIso(value);
  if (iso !== undefined) return iso;
  ctx.addIssue({
    code: 'custom',
    message: `expected an ISO-8601 timestamp with an offset, such as 2019-10-02T17:04:40.989+0000; got "${value}"`,
  });
  return z.NEVER;
});

// --- ARNs -------------------------------------------------------------------------------------------

const ALARM_ARN = /^arn:([^:]*):cloudwatch:([^:]*):([^:]*):alarm:(.+)$/s;

/**
 * Drops whitespace around the separators of the ARN's prefix (the same docs copy prints
 * `arn:aws:cloudwatch:us-east-1: 444455556666:alarm:...`) but keeps it inside the alarm name, where
 * it is legal (`...:alarm:EC2 CPU Utilization Anomaly`).
 */
const normaliseAlarmArn = (raw: string): string => {
  const trimmed = raw.trim();
  const split = /^(.*?:\s*alarm\s*:)(.*)$/s.exec(trimmed);
  if (!split) return trimmed;
  const [, prefix = '', name = ''] = split;
  return `${prefix.replace(/\s+/g, '')}${name.trim()}`;
};

const REGION_CODE = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const ACCOUNT_ID = /^\d{12}$/;

const arnParts = (arn: string | undefined): { region?: string; account?: string } => {
  const match = arn === undefined ? null : ALARM_ARN.exec(arn);
  if (!match) return {};
  const [, , region = '', account = ''] = match;
  return {
    ...(REGION_CODE.test(region) ? { region } : {}),
    ...(ACCOUNT_ID.test(account) ? { account } : {}),
  };
};

// --- schemas ----------------------------------------------------------------------------------------

const stateValueSchema = z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']);

/** `detail` of the EventBridge event and `alarmData` of the alarm-action payload: the same object. */
const alarmDataSchema = z.object({
  alarmName: z.string().min(1),
  state: z.object({
    value: stateValueSchema,
    reason: z.string().optional(),
    timestamp: timestampSchema,
  }),
  previousState: z.object({ value: stateValueSchema }).optional(),
  configuration: z
    .object({
      alarmRule: z.string().optional(),
      metrics: z
        .array(
          z.object({
            expression: z.string().optional(),
            metricStat: z
              .object({
                metric: z.object({
                  namespace: z.string().optional(),
                  name: z.string().optional(),
                  dimensions: z.record(z.string(), z.string()).optional(),
                }),
              })
              .optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});
type AlarmData = z.infer<typeof alarmDataSchema>;

const eventBridgeEnvelopeSchema = z.object({
  'detail-type': z.string(),
  source: z.string(),
  id: z.string().optional(),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
});

const alarmActionSchema = z.object({
  source: z.literal(CLOUDWATCH_SOURCE),
  alarmArn: z.string().optional(),
  accountId: z.string().optional(),
  region: z.string().optional(),
  alarmData: alarmDataSchema,
});

const snsDimensionsSchema = z.array(z.object({ name: z.string(), value: z.string() }));

/** The alarm notification CloudWatch publishes to SNS (the `Message`, once parsed). */
const snsAlarmMessageSchema = z.object({
  AlarmName: z.string().min(1),
  AlarmArn: z.string().optional(),
  AWSAccountId: z.string().optional(),
  /** A display name such as "US East (N. Virginia)", not a region code. */
  Region: z.string().optional(),
  NewStateValue: stateValueSchema,
  NewStateReason: z.string().optional(),
  StateChangeTime: timestampSchema,
  OldStateValue: stateValueSchema.optional(),
  /** Only composite alarms have one; they carry TriggeringChildren instead of a Trigger. */
  AlarmRule: z.string().optional(),
  Trigger: z
    .object({
      MetricName: z.string().optional(),
      Namespace: z.string().optional(),
      Dimensions: snsDimensionsSchema.optional(),
      Metrics: z
        .array(
          z.object({
            Expression: z.string().optional(),
            MetricStat: z
              .object({
                Metric: z.object({
                  MetricName: z.string().optional(),
                  Namespace: z.string().optional(),
                  Dimensions: snsDimensionsSchema.optional(),
                }),
              })
              .optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});
type SnsAlarmMessage = z.infer<typeof snsAlarmMessageSchema>;

const snsEnvelopeSchema = z.object({
  Type: z.literal('Notification').optional(),
  MessageId: z.string().optional(),
  Message: z.string(),
});

const lambdaSnsEventSchema = z.object({
  Records: z
    .array(z.object({ EventSource: z.literal('aws:sns'), Sns: snsEnvelopeSchema }))
    .min(1, 'expected at least one record'),
});

// --- helpers ----------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const join = (prefix: string, path: string): string =>
  prefix && path ? (path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`) : prefix || path;

/** Thrown inside this module only; turned into one ValidationError listing every problem. */
class Problems extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super('invalid alarm event');
  }
}

const fail = (path: string, message: string): never => {
  throw new Problems([{ path, message }]);
};

/** Parses with `schema`, naming every bad field under `prefix`. */
const parseAt = <S extends z.ZodType>(schema: S, input: unknown, prefix: string): z.infer<S> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new Problems(
    result.error.issues.map((issue) => ({
      path: join(prefix, formatPath(issue.path)),
      message: issue.message,
    })),
  );
};

const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;

const parseJson = (text: string, path: string, what: string, expected: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? ` (${error.message})` : '';
    return fail(path, `${what} is not JSON${detail}: expected ${expected}`);
  }
};

/** The dimensions all of the alarm's metrics agree on. */
const mergeDimensions = (sets: ReadonlyArray<Record<string, string>>): Record<string, string> => {
  const merged = new Map<string, string>();
  const conflicting = new Set<string>();
  for (const set of sets) {
    for (const [name, value] of Object.entries(set)) {
      const seen = merged.get(name);
      if (seen === undefined) merged.set(name, value);
      else if (seen !== value) conflicting.add(name);
    }
  }
  for (const name of conflicting) merged.delete(name);
  return Object.fromEntries(merged);
};

const metricRef = (ref: { namespace?: string; name?: string; expression?: string }) => ({
  ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
  ...(ref.name !== undefined ? { name: ref.name } : {}),
  ...(ref.expression !== undefined ? { expression: ref.expression } : {}),
});

const result = (change: AlarmStateChange): ParsedAlarmEvent =>
  change.state === 'INSUFFICIENT_DATA'
    ? {
        kind: 'ignored',
        reason: `INSUFFICIENT_DATA is not an incident signal (alarm ${change.alarmName} at ${change.at})`,
      }
    : { kind: 'state-change', change };

const definedOnly = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

// --- the shapes -------------------------------------------------------------------------------------

interface Envelope {
  shape: AlarmEventShape;
  alarmArn?: string;
  account?: string;
  region?: string;
  eventId?: string;
}

const fromAlarmData = (data: AlarmData, envelope: Envelope): ParsedAlarmEvent => {
  const metrics = data.configuration?.metrics ?? [];
  return result(
    definedOnly({
      ...envelope,
      alarmArn: envelope.alarmArn === undefined ? undefined : normaliseAlarmArn(envelope.alarmArn),
      alarmName: data.alarmName,
      state: data.state.value,
      previousState: data.previousState?.value,
      at: data.state.timestamp,
      reason: data.state.reason ?? '',
      composite: data.configuration?.alarmRule !== undefined,
      dimensions: mergeDimensions(metrics.map((m) => m.metricStat?.metric.dimensions ?? {})),
      metrics: metrics.map((m) =>
        metricRef({
          namespace: m.metricStat?.metric.namespace,
          name: m.metricStat?.metric.name,
          expression: m.expression,
        }),
      ),
    }),
  );
};

const fromEventBridge = (event: Json): ParsedAlarmEvent => {
  const envelope = eventBridgeEnvelopeSchema.safeParse(event);
  if (envelope.success) {
    const { source, 'detail-type': detailType } = envelope.data;
    if (source !== CLOUDWATCH_SOURCE) {
      fail('source', `expected "${CLOUDWATCH_SOURCE}", got "${source}": not an alarm event`);
    }
    if (detailType !== ALARM_STATE_CHANGE_DETAIL_TYPE) {
      return { kind: 'ignored', reason: `"${detailType}" is not an alarm state change` };
    }
  }
  const problems: FieldProblem[] = envelope.success
    ? []
    : envelope.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  let detail: AlarmData | undefined;
  if (event.detail === undefined) {
    problems.push({
      path: 'detail',
      message:
        'this looks like an EventBridge envelope but lacks `detail`' +
        ('alarmData' in event
          ? ' (it has `alarmData`, which only the Lambda alarm-action payload carries, never with an EventBridge envelope)'
          : ''),
    });
  } else {
    try {
      detail = parseAt(alarmDataSchema, event.detail, 'detail');
    } catch (error) {
      if (!(error instanceof Problems)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0 || !envelope.success || detail === undefined) throw new Problems(problems);
  const { id, account, region, resources } = envelope.data;
  return fromAlarmData(detail, {
    shape: 'eventbridge',
    alarmArn: resources?.find((arn) => /:\s*alarm\s*:/.test(arn)),
    account,
    region,
    eventId: id,
  });
};

const fromAlarmAction = (payload: Json): ParsedAlarmEvent => {
  const action = parseAt(alarmActionSchema, payload, '');
  return fromAlarmData(action.alarmData, {
    shape: 'lambda-alarm-action',
    alarmArn: action.alarmArn,
    account: action.accountId,
    region: action.region,
  });
};

const fromSnsMessage = (message: SnsAlarmMessage, messageId: string | undefined): ParsedAlarmEvent => {
  const trigger = message.Trigger;
  const alarmArn = message.AlarmArn === undefined ? undefined : normaliseAlarmArn(message.AlarmArn);
  const fromArn = arnParts(alarmArn);
  const dimensionSets = [
    trigger?.Dimensions ?? [],
    ...(trigger?.Metrics ?? []).map((m) => m.MetricStat?.Metric.Dimensions ?? []),
  ].map((dimensions) => Object.fromEntries(dimensions.map((d) => [d.name, d.value])));
  const metrics = trigger?.Metrics
    ? trigger.Metrics.map((m) =>
        metricRef({
          namespace: m.MetricStat?.Metric.Namespace,
          name: m.MetricStat?.Metric.MetricName,
          expression: m.Expression,
        }),
      )
    : trigger?.MetricName !== undefined || trigger?.Namespace !== undefined
      ? [metricRef({ namespace: trigger.Namespace, name: trigger.MetricName })]
      : [];
  return result(
    definedOnly({
      shape: 'sns' as const,
      alarmName: message.AlarmName,
      alarmArn,
      account: message.AWSAccountId ?? fromArn.account,
      // SNS writes the region's display name ("US East (N. Virginia)"); the ARN has the code.
      region: fromArn.region ?? message.Region,
      state: message.NewStateValue,
      previousState: message.OldStateValue,
      at: message.StateChangeTime,
      reason: message.NewStateReason ?? '',
      composite: message.AlarmRule !== undefined,
      dimensions: mergeDimensions(dimensionSets),
      metrics,
      eventId: messageId,
    }),
  );
};

const fromSnsEnvelope = (envelope: z.infer<typeof snsEnvelopeSchema>, prefix: string): ParsedAlarmEvent => {
  const path = join(prefix, 'Message');
  const message = parseJson(envelope.Message, path, 'the SNS Message', 'a CloudWatch alarm notification');
  return fromSnsMessage(parseAt(snsAlarmMessageSchema, message, path), envelope.MessageId);
};

const fromLambdaSnsEvent = (event: Json): ParsedAlarmEvent[] => {
  const { Records } = parseAt(lambdaSnsEventSchema, event, '');
  const results: ParsedAlarmEvent[] = [];
  const problems: FieldProblem[] = [];
  Records.forEach((record, i) => {
    try {
      results.push(fromSnsEnvelope(record.Sns, `Records[${i}].Sns`));
    } catch (error) {
      if (!(error instanceof Problems)) throw error;
      problems.push(...error.problems);
    }
  });
  if (problems.length > 0) throw new Problems(problems);
  return results;
};

const classify = (input: unknown): ParsedAlarmEvent[] => {
  const event = typeof input === 'string' ? parseJson(input, '', 'the string given', ACCEPTED_SHAPES) : input;
  if (!isObject(event)) {
    const got = typeof input === 'string' ? `a string holding ${kindOf(event)}` : kindOf(input);
    return fail('', `expected ${ACCEPTED_SHAPES}; got ${got}`);
  }
  return classifyObject(event);
};

const classifyObject = (input: Json): ParsedAlarmEvent[] => {
  if ('Records' in input) return fromLambdaSnsEvent(input);
  if ('detail-type' in input || 'detail' in input) return [fromEventBridge(input)];
  if ('alarmData' in input) return [fromAlarmAction(input)];
  if ('Message' in input && ('Type' in input || 'TopicArn' in input || 'MessageId' in input)) {
    return [fromSnsEnvelope(parseAt(snsEnvelopeSchema, input, ''), '')];
  }
  if ('AlarmName' in input || 'NewStateValue' in input) {
    return [fromSnsMessage(parseAt(snsAlarmMessageSchema, input, ''), undefined)];
  }
  return fail('', `not a CloudWatch alarm event: expected ${ACCEPTED_SHAPES}`);
};

/** Accepts any of the shapes; returns one result per alarm change (a Lambda SNS event may carry several). Throws ValidationError naming the bad field(s) for malformed input; never any other error (no TypeError from bad input, no JSON.parse SyntaxError escaping). */
export function parseAlarmEvent(input: unknown): ParsedAlarmEvent[] {
  try {
    return classify(input);
  } catch (error) {
    if (error instanceof Problems) throw new ValidationError(ALARM_EVENT_SUBJECT, error.problems);
    throw error;
  }
}
