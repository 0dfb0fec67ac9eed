/**
 * The SNS shapes: the alarm notification CloudWatch publishes, its SNS envelope (HTTP or SQS
 * delivery), and the Lambda SNS event of one or more records.
 */
import type { FieldProblem } from '../domain/errors';
import { arnParts, normaliseAlarmArn } from './alarm-event-fields';
import { type Json, join, Problems, parseAt, parseJson } from './alarm-event-problems';
import {
  lambdaSnsEventSchema,
  type SnsAlarmMessage,
  type SnsEnvelope,
  snsAlarmMessageSchema,
} from './alarm-event-schemas';
import {
  definedOnly,
  mergeDimensions,
  metricRef,
  type ParsedAlarmEvent,
  toParsedEvent,
} from './alarm-state-change';

export const fromSnsMessage = (message: SnsAlarmMessage, messageId: string | undefined): ParsedAlarmEvent => {
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
  return toParsedEvent(
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

export const fromSnsEnvelope = (envelope: SnsEnvelope, prefix: string): ParsedAlarmEvent => {
  const path = join(prefix, 'Message');
  const message = parseJson(envelope.Message, path, 'the SNS Message', 'a CloudWatch alarm notification');
  return fromSnsMessage(parseAt(snsAlarmMessageSchema, message, path), envelope.MessageId);
};

export const fromLambdaSnsEvent = (event: Json): ParsedAlarmEvent[] => {
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
