/**
 * Alarm state changes applied to an incident. Events arrive at least once and in any order, so the
 * state-change time decides what a signal still changes.
 */
import { alarmActor, moveTo } from './incident-changes';
import type { AlarmSignal, Incident } from './incident-record';
import { isOpen } from './lifecycle';
import { appendEntries } from './timeline';

export type SignalOutcome = 'duplicate' | 'updated' | 'resolved' | 'reopened' | 'ignored';

export interface SignalResult {
  readonly outcome: SignalOutcome;
  readonly reason: string;
  /** The changed incident, or undefined when nothing is to be written. */
  readonly incident?: Incident;
}

export interface SignalPolicy {
  /** An ALARM this long after resolution still reopens the same incident. */
  readonly reopenWindowMinutes: number;
  /** Whether an OK resolves the open incident at once (the workflow may instead verify first). */
  readonly resolveOnOk: boolean;
}

const minutesBetween = (fromIso: string, toIso: string): number =>
  (Date.parse(toIso) - Date.parse(fromIso)) / 60_000;

/** Whether an incident can take this signal at all, or a new incident must be opened for it. */
export const acceptsAlarm = (incident: Incident, signal: AlarmSignal, policy: SignalPolicy): boolean => {
  if (isOpen(incident.status)) return true;
  if (incident.status !== 'RESOLVED') return false;
  const resolvedAt = incident.statusTimestamps.RESOLVED ?? incident.updatedAt;
  const superseded =
    signal.at <= incident.lastAlarmAt || (incident.lastOkAt !== undefined && signal.at <= incident.lastOkAt);
  return superseded || minutesBetween(resolvedAt, signal.at) <= policy.reopenWindowMinutes;
};

/**
 * Applies an alarm state change to the incident its dedup key points at. Events arrive at least once
 * and in any order, so the state-change time decides: a signal no newer than what the incident has
 * seen is a duplicate or stale and changes nothing.
 */
export const applySignal = (
  incident: Incident,
  signal: AlarmSignal,
  policy: SignalPolicy,
  now: Date,
): SignalResult => {
  const actor = alarmActor(signal);
  if (signal.state === 'ALARM') {
    if (signal.at <= incident.lastAlarmAt) {
      return { outcome: 'duplicate', reason: `ALARM of ${signal.at} already recorded on ${incident.id}` };
    }
    if (incident.lastOkAt !== undefined && signal.at <= incident.lastOkAt) {
      return {
        outcome: 'duplicate',
        reason: `stale ALARM of ${signal.at}: the alarm was OK again at ${incident.lastOkAt}`,
      };
    }
    const seen: Incident = { ...incident, lastAlarmAt: signal.at };
    if (isOpen(incident.status)) {
      const updated = appendEntries(seen, now, {
        kind: 'signal',
        actor,
        summary: `${signal.alarmName} went to ALARM again at ${signal.at}`,
        details: { alarmState: 'ALARM', stateChangedAt: signal.at },
      });
      return { outcome: 'duplicate', reason: `joined open incident ${incident.id}`, incident: updated };
    }
    if (incident.status === 'RESOLVED') {
      const reopened = appendEntries({ ...seen, reopenCount: incident.reopenCount + 1 }, now, {
        kind: 'reopened',
        actor,
        summary: `${signal.alarmName} fired again at ${signal.at}, within the ${policy.reopenWindowMinutes} min reopen window`,
        details: { alarmState: 'ALARM', stateChangedAt: signal.at },
      });
      return {
        outcome: 'reopened',
        reason: `reopened ${incident.id}`,
        incident: moveTo(reopened, 'DETECTED', actor, now, 'reopened'),
      };
    }
    return { outcome: 'ignored', reason: `${incident.id} is ${incident.status}` };
  }

  if (
    signal.at <= incident.lastAlarmAt ||
    (incident.lastOkAt !== undefined && signal.at <= incident.lastOkAt)
  ) {
    return { outcome: 'ignored', reason: `stale OK of ${signal.at}: ${incident.id} has newer alarm states` };
  }
  const seen = appendEntries({ ...incident, lastOkAt: signal.at }, now, {
    kind: 'signal',
    actor,
    summary: `${signal.alarmName} returned to OK at ${signal.at}`,
    details: { alarmState: 'OK', stateChangedAt: signal.at },
  });
  if (!isOpen(incident.status)) {
    return { outcome: 'ignored', reason: `${incident.id} is already ${incident.status}`, incident: seen };
  }
  if (!policy.resolveOnOk)
    return { outcome: 'updated', reason: `alarm OK recorded on ${incident.id}`, incident: seen };
  return {
    outcome: 'resolved',
    reason: `alarm back to OK: ${incident.id} resolved`,
    incident: moveTo(seen, 'RESOLVED', actor, now, 'alarm returned to OK'),
  };
};
