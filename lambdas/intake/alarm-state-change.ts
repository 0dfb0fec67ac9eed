/**
 * What the intake makes of an alarm event, whatever its shape: one AlarmStateChange, or the reason it
 * was left out. The builders here are shared by every shape's reader.
 */

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

/** What the event's envelope says about the alarm, beside the alarm data itself. */
export interface Envelope {
  shape: AlarmEventShape;
  alarmArn?: string;
  account?: string;
  region?: string;
  eventId?: string;
}

/** The dimensions all of the alarm's metrics agree on. */
export const mergeDimensions = (sets: ReadonlyArray<Record<string, string>>): Record<string, string> => {
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

/** A metric of the alarm, with only the parts it names. */
export const metricRef = (ref: { namespace?: string; name?: string; expression?: string }) => ({
  ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
  ...(ref.name !== undefined ? { name: ref.name } : {}),
  ...(ref.expression !== undefined ? { expression: ref.expression } : {}),
});

/** The change as the intake reports it: a change to INSUFFICIENT_DATA is left out, with the reason. */
export const toParsedEvent = (change: AlarmStateChange): ParsedAlarmEvent =>
  change.state === 'INSUFFICIENT_DATA'
    ? {
        kind: 'ignored',
        reason: `INSUFFICIENT_DATA is not an incident signal (alarm ${change.alarmName} at ${change.at})`,
      }
    : { kind: 'state-change', change };

/** `value` without its undefined fields: an optional field the event lacks is absent, not undefined. */
export const definedOnly = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
