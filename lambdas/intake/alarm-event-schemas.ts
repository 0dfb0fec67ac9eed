/** The schemas of the alarm event shapes, as CloudWatch, EventBridge, SNS and Lambda write them. */
import * as z from 'zod/mini';
import { toUtcIso } from './alarm-event-fields';

export const CLOUDWATCH_SOURCE = 'aws.cloudwatch';

const timestampSchema = z.pipe(
  z.string(),
  z.transform((value: string, ctx) => {
    const iso = toUtcIso(value);
    if (iso !== undefined) return iso;
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `expected an ISO-8601 timestamp with an offset, such as 2019-10-02T17:04:40.989+0000; got "${value}"`,
    });
    return z.NEVER;
  }),
);

const stateValueSchema = z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']);

/** `detail` of the EventBridge event and `alarmData` of the alarm-action payload: the same object. */
export const alarmDataSchema = z.object({
  alarmName: z.string().check(z.minLength(1)),
  state: z.object({
    value: stateValueSchema,
    reason: z.optional(z.string()),
    timestamp: timestampSchema,
  }),
  previousState: z.optional(z.object({ value: stateValueSchema })),
  configuration: z.optional(
    z.object({
      alarmRule: z.optional(z.string()),
      metrics: z.optional(
        z.array(
          z.object({
            expression: z.optional(z.string()),
            metricStat: z.optional(
              z.object({
                metric: z.object({
                  namespace: z.optional(z.string()),
                  name: z.optional(z.string()),
                  dimensions: z.optional(z.record(z.string(), z.string())),
                }),
              }),
            ),
          }),
        ),
      ),
    }),
  ),
});
export type AlarmData = z.infer<typeof alarmDataSchema>;

export const eventBridgeEnvelopeSchema = z.object({
  'detail-type': z.string(),
  source: z.string(),
  id: z.optional(z.string()),
  account: z.optional(z.string()),
  region: z.optional(z.string()),
  resources: z.optional(z.array(z.string())),
});

export const alarmActionSchema = z.object({
  source: z.literal(CLOUDWATCH_SOURCE),
  alarmArn: z.optional(z.string()),
  accountId: z.optional(z.string()),
  region: z.optional(z.string()),
  alarmData: alarmDataSchema,
});

const snsDimensionsSchema = z.array(z.object({ name: z.string(), value: z.string() }));

/** The alarm notification CloudWatch publishes to SNS (the `Message`, once parsed). */
export const snsAlarmMessageSchema = z.object({
  AlarmName: z.string().check(z.minLength(1)),
  AlarmArn: z.optional(z.string()),
  AWSAccountId: z.optional(z.string()),
  /** A display name such as "US East (N. Virginia)", not a region code. */
  Region: z.optional(z.string()),
  NewStateValue: stateValueSchema,
  NewStateReason: z.optional(z.string()),
  StateChangeTime: timestampSchema,
  OldStateValue: z.optional(stateValueSchema),
  /** Only composite alarms have one; they carry TriggeringChildren instead of a Trigger. */
  AlarmRule: z.optional(z.string()),
  Trigger: z.optional(
    z.object({
      MetricName: z.optional(z.string()),
      Namespace: z.optional(z.string()),
      Dimensions: z.optional(snsDimensionsSchema),
      Metrics: z.optional(
        z.array(
          z.object({
            Expression: z.optional(z.string()),
            MetricStat: z.optional(
              z.object({
                Metric: z.object({
                  MetricName: z.optional(z.string()),
                  Namespace: z.optional(z.string()),
                  Dimensions: z.optional(snsDimensionsSchema),
                }),
              }),
            ),
          }),
        ),
      ),
    }),
  ),
});
export type SnsAlarmMessage = z.infer<typeof snsAlarmMessageSchema>;

export const snsEnvelopeSchema = z.object({
  Type: z.optional(z.literal('Notification')),
  MessageId: z.optional(z.string()),
  Message: z.string(),
});
export type SnsEnvelope = z.infer<typeof snsEnvelopeSchema>;

export const lambdaSnsEventSchema = z.object({
  Records: z
    .array(z.object({ EventSource: z.literal('aws:sns'), Sns: snsEnvelopeSchema }))
    .check(z.minLength(1, 'expected at least one record')),
});
