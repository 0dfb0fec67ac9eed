/**
 * A generated alarm history of exactly 10,000 state changes on a fixed pattern, for the policy
 * simulation's test and bench. Times are minutes after START, Monday 2026-11-02 00:00 UTC (ISO week
 * 2026-W45). Each alarm repeats a block:
 *
 * - A `checkout-error-rate` (the stack's own alarm for checkout): 500 blocks every 2 h, ALARM +0,
 *   OK +10, ALARM +20, OK +30 (2,000 changes, hours 0 to 1,000).
 * - B `payments-latency`: 160 blocks every 6 h, ALARM +0, OK +150 (320 changes).
 * - C `orders-queue-depth`: 240 blocks every 4 h, ALARM +0, INSUFFICIENT_DATA +5, ALARM +10, OK +40
 *   (960 changes).
 * - D `TargetTracking-orders-AlarmHigh-1`: 3,360 blocks every 15 min, ALARM +0, OK +5 (6,720 changes).
 *
 * FLAPPING_WINDOWS are the maintenance windows the test's config holds for it: a weekly one on checkout
 * (Sundays 02:00 to 04:00) and a one-off on every service around hour 240 (from 239:50 to 240:15).
 */
import type { MaintenanceWindow } from '../../lambdas/contract/config-schema';
import type { HistoryChange, HistoryStateValue } from '../../lambdas/domain/policy-simulation';

export const FLAPPING_START = Date.parse('2026-11-02T00:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

export const FLAPPING_ALARMS = {
  a: 'checkout-error-rate',
  b: 'payments-latency',
  c: 'orders-queue-depth',
  d: 'TargetTracking-orders-AlarmHigh-1',
} as const;

export const FLAPPING_WINDOWS: MaintenanceWindow[] = [
  { service: 'checkout', reason: 'weekly patching', days: ['SUN'], startUtc: '02:00', durationMinutes: 120 },
  {
    service: '*',
    reason: 'database failover test',
    from: new Date(FLAPPING_START + 240 * HOUR - 10 * MIN).toISOString(),
    until: new Date(FLAPPING_START + 240 * HOUR + 15 * MIN).toISOString(),
  },
];

const blocks = (
  alarmName: string,
  count: number,
  everyMinutes: number,
  pattern: ReadonlyArray<readonly [minute: number, state: HistoryStateValue]>,
): HistoryChange[] =>
  Array.from({ length: count }, (_, k) =>
    pattern.map(([minute, state]) => ({
      alarmName,
      state,
      at: new Date(FLAPPING_START + (k * everyMinutes + minute) * MIN).toISOString(),
    })),
  ).flat();

/** The 10,000 changes, oldest first per alarm (the alarms are not interleaved: the simulation sorts). */
export const flappingHistory = (): HistoryChange[] => [
  ...blocks(FLAPPING_ALARMS.a, 500, 120, [
    [0, 'ALARM'],
    [10, 'OK'],
    [20, 'ALARM'],
    [30, 'OK'],
  ]),
  ...blocks(FLAPPING_ALARMS.b, 160, 360, [
    [0, 'ALARM'],
    [150, 'OK'],
  ]),
  ...blocks(FLAPPING_ALARMS.c, 240, 240, [
    [0, 'ALARM'],
    [5, 'INSUFFICIENT_DATA'],
    [10, 'ALARM'],
    [40, 'OK'],
  ]),
  ...blocks(FLAPPING_ALARMS.d, 3_360, 15, [
    [0, 'ALARM'],
    [5, 'OK'],
  ]),
];

/**
 * The history as `aws cloudwatch describe-alarm-history --history-item-type StateUpdate` prints it:
 * newest first, HistoryData a JSON string. The old state is the alarm's previous change (OK first).
 */
export const flappingHistoryJson = (changes: readonly HistoryChange[] = flappingHistory()): string => {
  const previous = new Map<string, HistoryStateValue>();
  const items = [...changes]
    .sort((x, y) => x.at.localeCompare(y.at))
    .map((change) => {
      const old = previous.get(change.alarmName) ?? 'OK';
      previous.set(change.alarmName, change.state);
      return {
        AlarmName: change.alarmName,
        AlarmType: 'MetricAlarm',
        Timestamp: change.at,
        HistoryItemType: 'StateUpdate',
        HistorySummary: `Alarm updated from ${old} to ${change.state}`,
        HistoryData: JSON.stringify({
          version: '1.0',
          oldState: { stateValue: old, stateReason: 'generated' },
          newState: { stateValue: change.state, stateReason: 'generated' },
        }),
      };
    })
    .reverse();
  return JSON.stringify({ AlarmHistoryItems: items }, null, 4);
};
