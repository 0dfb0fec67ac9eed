/**
 * Opening an incident and the changes a person or the workflow makes to it: status moves, pages,
 * acknowledgement and severity. Each takes the clock reading it needs (`now`) and returns a new
 * incident with the change on its timeline.
 */
import { InvalidTransitionError } from './errors';
import type { AlarmSignal, Incident } from './incident-record';
import { canMove, isOpen, type Status } from './lifecycle';
import { isMoreSevere, type Severity } from './severity';
import { type Actor, appendEntries } from './timeline';

export interface OpenIncidentInput {
  readonly id: string;
  readonly dedupKey: string;
  readonly signal: AlarmSignal;
  readonly severity: Severity;
  readonly severityReason: string;
  readonly title: string;
  readonly runbookUrl?: string;
  readonly now: Date;
  /** Who opened it, when not the alarm itself: a person declaring an incident. @default the alarm */
  readonly declaredBy?: Actor;
}

/** The alarm itself as the actor of what its signal changes. */
export const alarmActor = (signal: AlarmSignal): Actor => ({ type: 'alarm', name: signal.alarmName });

export const openIncident = (input: OpenIncidentInput): Incident => {
  const at = input.now.toISOString();
  const base: Incident = {
    id: input.id,
    dedupKey: input.dedupKey,
    title: input.title,
    service: input.signal.service,
    alarmName: input.signal.alarmName,
    severity: input.severity,
    status: 'DETECTED',
    statusTimestamps: { DETECTED: at },
    ...(input.runbookUrl ? { runbookUrl: input.runbookUrl } : {}),
    createdAt: at,
    updatedAt: at,
    version: 0,
    reopenCount: 0,
    lastAlarmAt: input.signal.at,
    ...(input.signal.metric ? { alarmMetric: input.signal.metric } : {}),
    pagedTiers: [],
    timeline: [],
  };
  return appendEntries(
    base,
    input.now,
    {
      kind: 'detected',
      actor: input.declaredBy ?? alarmActor(input.signal),
      summary: input.declaredBy
        ? `declared by ${input.declaredBy.name}: ${input.title}`
        : `${input.signal.alarmName} went to ALARM at ${input.signal.at}`,
      details: {
        alarmState: 'ALARM',
        stateChangedAt: input.signal.at,
        ...(input.signal.reason ? { reason: input.signal.reason } : {}),
      },
    },
    {
      kind: 'severity',
      actor: { type: 'automation', name: 'severity-classifier' },
      summary: `severity ${input.severity}: ${input.severityReason}`,
      details: { to: input.severity },
    },
  );
};

/** Moves the status, stamping the time. Throws InvalidTransitionError for a move TRANSITIONS does not allow. */
export const moveTo = (
  incident: Incident,
  to: Status,
  actor: Actor,
  now: Date,
  reason?: string,
): Incident => {
  if (!canMove(incident.status, to)) {
    throw new InvalidTransitionError(`${incident.id} cannot move from ${incident.status} to ${to}`);
  }
  const moved: Incident = {
    ...incident,
    status: to,
    statusTimestamps: { ...incident.statusTimestamps, [to]: now.toISOString() },
  };
  return appendEntries(moved, now, {
    kind: 'status',
    actor,
    summary: `${incident.status} -> ${to}${reason ? `: ${reason}` : ''}`,
    details: { from: incident.status, to },
  });
};

/** Moves when the lifecycle allows it and the incident is not there yet; otherwise leaves it as it is. */
export const advance = (
  incident: Incident,
  to: Status,
  actor: Actor,
  now: Date,
  reason?: string,
): Incident =>
  incident.status !== to && canMove(incident.status, to)
    ? moveTo(incident, to, actor, now, reason)
    : incident;

export interface PageSent {
  readonly tier: string;
  readonly kind: string;
  readonly subject: string;
  readonly messageId: string;
  /** The person on call (or fallback tier) it went to; absent for the tier's own endpoints. */
  readonly to?: string;
  /** The pager's key of the address. */
  readonly address?: string;
  /** Why that address, e.g. "primary of app, week of 2026-11-30". */
  readonly reason?: string;
}

/** "paged on-call" or "paged alice-ng for on-call (primary of app, week of 2026-11-30)". */
const pagedWhom = (sent: PageSent): string =>
  sent.to === undefined ? sent.tier : `${sent.to} for ${sent.tier}${sent.reason ? ` (${sent.reason})` : ''}`;

/** Records a page on the timeline and remembers the tier, so it hears about resolution too. */
export const recordPage = (incident: Incident, sent: PageSent, actor: Actor, now: Date): Incident =>
  appendEntries(
    {
      ...incident,
      pagedTiers: incident.pagedTiers.includes(sent.tier)
        ? incident.pagedTiers
        : [...incident.pagedTiers, sent.tier],
    },
    now,
    { kind: 'page', actor, summary: `paged ${pagedWhom(sent)}: ${sent.subject}`, details: { ...sent } },
  );

/**
 * A person takes ownership. Allowed while the incident is open; a second acknowledgement is kept on
 * the timeline but changes nothing else.
 */
export const acknowledge = (incident: Incident, by: Actor, now: Date): Incident => {
  if (!isOpen(incident.status)) {
    throw new InvalidTransitionError(
      `${incident.id} is ${incident.status}: only an open incident can be acknowledged`,
    );
  }
  if (incident.acknowledgedBy) {
    return appendEntries(incident, now, {
      kind: 'note',
      actor: by,
      summary: `${by.name} acknowledged again (owner: ${incident.acknowledgedBy})`,
    });
  }
  const acked: Incident = {
    ...incident,
    acknowledgedBy: by.name,
    statusTimestamps: { ...incident.statusTimestamps, ACKNOWLEDGED: now.toISOString() },
  };
  const withEntry = appendEntries(acked, now, {
    kind: 'acknowledged',
    actor: by,
    summary: `acknowledged by ${by.name}`,
  });
  return incident.status === 'DETECTED' ? moveTo(withEntry, 'ACKNOWLEDGED', by, now) : withEntry;
};

/**
 * Changes severity. A person may set any level; automation may only raise it, so a lower suggestion
 * from automation is recorded and refused.
 */
export const changeSeverity = (
  incident: Incident,
  to: Severity,
  actor: Actor,
  reason: string,
  now: Date,
): Incident => {
  if (to === incident.severity) return incident;
  if (actor.type !== 'human' && !isMoreSevere(to, incident.severity)) {
    return appendEntries(incident, now, {
      kind: 'note',
      actor,
      summary: `kept ${incident.severity}: ${actor.name} suggested ${to} (${reason}); automation may only raise severity`,
      details: { suggested: to },
    });
  }
  return appendEntries({ ...incident, severity: to }, now, {
    kind: 'severity',
    actor,
    summary: `severity ${incident.severity} -> ${to}: ${reason}`,
    details: { from: incident.severity, to },
  });
};
