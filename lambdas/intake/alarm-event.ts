/**
 * The alarm intake's parser. CloudWatch reports an alarm state change in three shapes, and the intake
 * takes all of them: the EventBridge event (`detail-type: "CloudWatch Alarm State Change"`), the SNS
 * notification (the message itself, its SNS envelope, or a Lambda SNS event of one or more records) and
 * the Lambda alarm-action payload (`alarmData`). Each becomes one {@link AlarmStateChange}; raw events
 * go no further. Pure: no SDK, no env, no clock.
 */
import { type FieldProblem, ValidationError } from '../domain/errors';
import { formatPath } from '../domain/validation';
import { normaliseAlarmArn } from './alarm-event-fields';
import { fail, isObject, type Json, kindOf, Problems, parseAt, parseJson } from './alarm-event-problems';
import {
  type AlarmData,
  alarmActionSchema,
  alarmDataSchema,
  CLOUDWATCH_SOURCE,
  eventBridgeEnvelopeSchema,
  snsAlarmMessageSchema,
  snsEnvelopeSchema,
} from './alarm-event-schemas';
import { fromLambdaSnsEvent, fromSnsEnvelope, fromSnsMessage } from './alarm-event-sns';
import {
  definedOnly,
  type Envelope,
  mergeDimensions,
  metricRef,
  type ParsedAlarmEvent,
  toParsedEvent,
} from './alarm-state-change';

// The alarm families the intake leaves out live in the contract: the EventBridge rule reads them too.
export {
  type IgnoredAlarmFamily,
  ignoredAlarmFamilies,
  operatorAlarmPrefix,
  TARGET_TRACKING_ALARM_PREFIX,
} from '../contract/alarm-index';
export type {
  AlarmEventShape,
  AlarmStateChange,
  AlarmStateValue,
  ParsedAlarmEvent,
} from './alarm-state-change';

/** The subject of every ValidationError thrown here. */
export const ALARM_EVENT_SUBJECT = 'CloudWatch alarm event';
export const ALARM_STATE_CHANGE_DETAIL_TYPE = 'CloudWatch Alarm State Change';

const ACCEPTED_SHAPES =
  `an EventBridge "${ALARM_STATE_CHANGE_DETAIL_TYPE}" event (detail-type, detail), ` +
  'an SNS alarm notification (the message with AlarmName and NewStateValue, its SNS envelope with Message, ' +
  'or a Lambda SNS event with Records), or a Lambda alarm-action payload (alarmData)';

const fromAlarmData = (data: AlarmData, envelope: Envelope): ParsedAlarmEvent => {
  const metrics = data.configuration?.metrics ?? [];
  return toParsedEvent(
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
