/** The schemas of the alarm event shapes, as CloudWatch, EventBridge, SNS and Lambda write them. */
import { z } from 'zod';
import { toUtcIso } from './alarm-event-fields';

export const CLOUDWATCH_SOURCE = 'aws.cloudwatch';

const timestampSchema = z.string().transform((value, ctx) => {
  const iso = toUtcIso(value);
  if (iso !== undefined) return iso;
  ctx.addIssue({
    code: 'custom',
    message: `expected an ISO-8601 timestamp with an offset, such as 2019-10-02T17:04:40.989+0000; got "${value}"`,
  });
  return z.NEVER;
});

const stateValueSchema = z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']);

/** `detail` of the EventBridge event and `alarmData` of the alarm-action payload: the same object. */
export const alarmDataSchema = z.object({
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
export type AlarmData = z.infer<typeof alarmDataSchema>;

export const eventBridgeEnvelopeSchema = z.object({
  'detail-type': z.string(),
  source: z.string(),
  id: z.string().optional(),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
});

export const alarmActionSchema = z.object({
  source: z.literal(CLOUDWATCH_SOURCE),
  alarmArn: z.string().optional(),
  accountId: z.string().optional(),
  region: z.string().optional(),
  alarmData: alarmDataSchema,
});

const snsDimensionsSchema = z.array(z.object({ name: z.string(), value: z.string() }));

/** The alarm notification CloudWatch publishes to SNS (the `Message`, once parsed). */
export const snsAlarmMessageSchema = z.object({
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
export type SnsAlarmMessage = z.infer<typeof snsAlarmMessageSchema>;

export const snsEnvelopeSchema = z.object({
  Type: z.literal('Notification').optional(),
  MessageId: z.string().optional(),
  Message: z.string(),
});
export type SnsEnvelope = z.infer<typeof snsEnvelopeSchema>;

export const lambdaSnsEventSchema = z.object({
  Records: z
    .array(z.object({ EventSource: z.literal('aws:sns'), Sns: snsEnvelopeSchema }))
    .min(1, 'expected at least one record'),
});
