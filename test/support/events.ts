import { readFileSync } from 'node:fs';

// biome-ignore lint/suspicious/noExplicitAny: event JSON, altered freely by the tests
type AlarmEvent = any;

const DOCS_ALARM_EVENT: unknown = JSON.parse(
  readFileSync(
    new URL('../events/eventbridge/metric-alarm-state-change-aws-docs.json', import.meta.url),
    'utf8',
  ),
);

/** The AWS docs' metric alarm state change as EventBridge delivers it (ServerCpuTooHigh to ALARM): a copy to alter. */
export const docsAlarmEvent = (): AlarmEvent => structuredClone(DOCS_ALARM_EVENT);

/** How CloudWatch writes a state's timestamp: ISO 8601 with +0000 for Z. */
export const cloudWatchTimestamp = (at: Date): string => at.toISOString().replace('Z', '+0000');

/** The docs' event for the alarm `alarmName`, its state `state` since `at`. */
export const alarmStateChange = (alarmName: string, state: 'ALARM' | 'OK', at: Date): AlarmEvent => {
  const event = docsAlarmEvent();
  event.detail.alarmName = alarmName;
  event.detail.state.value = state;
  event.detail.state.timestamp = cloudWatchTimestamp(at);
  return event;
};

/**
 * {@link alarmStateChange}, told as the transition it is: the previous state the other one, and the
 * event sent at `at` (EventBridge's time, to the second).
 */
export const alarmTransition = (alarmName: string, state: 'ALARM' | 'OK', at: Date): AlarmEvent => {
  const event = alarmStateChange(alarmName, state, at);
  event.detail.previousState.value = state === 'ALARM' ? 'OK' : 'ALARM';
  event.time = at.toISOString().replace('.000', '');
  return event;
};
