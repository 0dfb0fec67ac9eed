/**
 * The incident record and every change to it, as pure functions: each takes the clock reading it
 * needs (`now`) and returns a new incident with the change on its timeline. Persistence (and the
 * version that guards it) is the store's job.
 */
import { InvalidTransitionError } from './errors';
import type { Diagnosis } from './evidence';
import { canMove, isOpen, type Status } from './lifecycle';
import { isMoreSevere, type Severity } from './severity';
import { type Actor, appendEntries, type NoteEntry, type TimelineEntry } from './timeline';

export {
  type AcknowledgedEntry,
  type ActionDetails,
  type ActionEntry,
  type Actor,
  type ActorType,
  appendEntries,
  type DetectedDetails,
  type DetectedEntry,
  type DiagnosisDetails,
  type DiagnosisEntry,
  type EntryDetails,
  type ErrorDetails,
  type ErrorEntry,
  lastResolution,
  type NewEntry,
  type NoteDetails,
  type NoteEntry,
  type PageDetails,
  type PageEntry,
  type Resolution,
  type SeverityDetails,
  type SeverityEntry,
  type SignalDetails,
  type SignalEntry,
  type StatusDetails,
  type StatusEntry,
  TIMELINE_KINDS,
  type TimelineEntry,
  type TimelineKind,
  tiersPagedThisFiring,
} from './timeline';

export type AlarmState = 'ALARM' | 'OK';

/** One alarm state change, already validated and mapped to a service. Raw events never get here. */
export interface AlarmSignal {
  readonly alarmName: string;
  readonly state: AlarmState;
  /** When CloudWatch changed the state (not when we received it): the order that counts. */
  readonly at: string;
  readonly reason?: string;
  readonly service: string;
  readonly account?: string;
  readonly region?: string;
}

export interface Incident {
  readonly id: string;
  readonly dedupKey: string;
  readonly title: string;
  readonly service: string;
  readonly alarmName: string;
  readonly severity: Severity;
  readonly status: Status;
  /** The latest time the incident entered each status it has been in. */
  readonly statusTimestamps: Readonly<Partial<Record<Status, string>>>;
  readonly acknowledgedBy?: string;
  readonly runbookUrl?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Bumped by the store on every write; a write expecting another version is refused. */
  readonly version: number;
  readonly reopenCount: number;
  /** State-change time of the newest ALARM and OK applied: how late or repeated deliveries are told apart. */
  readonly lastAlarmAt: string;
  readonly lastOkAt?: string;
  /** Every tier paged so far: they all hear about acknowledgement and resolution. */
  readonly pagedTiers: readonly string[];
  /** Callback of the workflow step waiting for recovery; the OK that resolves the incident resumes it. */
  readonly recoveryToken?: string;
  /** Callback of the workflow step waiting for a person to approve an automatic action. */
  readonly approvalToken?: string;
  /** The latest automated diagnosis: every page shows its summary. */
  readonly diagnosis?: Diagnosis;
  /** The incident report, once written (at resolution, and again at close). */
  readonly report?: ReportRef;
  /** The post-mortem a resolved incident of a configured severity owes before it can close. */
  readonly postMortem?: PostMortem;
  /** Set while the service is silenced: recorded, nobody paged, no automation, until `until`. */
  readonly suppressed?: Suppression;
  readonly timeline: readonly TimelineEntry[];
}

/** Where an incident report is stored: `uri` is `s3://bucket/key`, `url` opens it in the console. */
export interface ReportRef {
  readonly uri: string;
  readonly url: string;
  readonly versionId?: string;
  readonly at: string;
}

export interface PostMortem {
  readonly due: string;
  /** The tier reminded until it is done. */
  readonly owner: string;
  readonly remindersSent: number;
  /** The post-mortem document, once done. */
  readonly doc?: string;
  readonly doneAt?: string;
  readonly doneBy?: string;
}

export interface Suppression {
  readonly until: string;
  readonly reason: string;
  /** A silence set with `incident silence`, or a maintenance window in the config. */
  readonly source: 'silence' | 'maintenance-window';
  /** Who set the silence. */
  readonly by?: string;
}

const iso = (d: Date): string => d.toISOString();

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

const alarmActor = (signal: AlarmSignal): Actor => ({ type: 'alarm', name: signal.alarmName });

export const openIncident = (input: OpenIncidentInput): Incident => {
  const at = iso(input.now);
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
    statusTimestamps: { ...incident.statusTimestamps, [to]: iso(now) },
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
}

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
    { kind: 'page', actor, summary: `paged ${sent.tier}: ${sent.subject}`, details: { ...sent } },
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
    statusTimestamps: { ...incident.statusTimestamps, ACKNOWLEDGED: iso(now) },
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

/**
 * A resolved incident owes a post-mortem, due at `due`, owned by the tier `owner`. Resolved again
 * after a reopen with the post-mortem still owed: the deadline moves with the new resolution and the
 * reminders count afresh. Unchanged when nothing moves (a retried step).
 */
export const requirePostMortem = (
  incident: Incident,
  due: Date,
  owner: string,
  actor: Actor,
  now: Date,
): Incident => {
  const owed = incident.postMortem;
  if (owed?.doneAt || owed?.due === iso(due)) return incident;
  return appendEntries({ ...incident, postMortem: { due: iso(due), owner, remindersSent: 0 } }, now, {
    kind: 'note',
    actor,
    summary: owed
      ? `post-mortem still owed after resolving again: due ${iso(due)} (was ${owed.due}), owner ${owner}`
      : `post-mortem required for ${incident.severity}: due ${iso(due)}, owner ${owner}`,
    details: { postMortemDue: iso(due), owner },
  });
};

/** The post-mortem is written: it is linked on the record and the incident is CLOSED. */
export const completePostMortem = (incident: Incident, doc: string, by: Actor, now: Date): Incident => {
  if (incident.status !== 'RESOLVED' || !incident.postMortem) {
    throw new InvalidTransitionError(
      incident.status === 'CLOSED'
        ? `${incident.id} is already CLOSED${incident.postMortem?.doc ? ` (post-mortem: ${incident.postMortem.doc})` : ''}`
        : incident.status !== 'RESOLVED'
          ? `${incident.id} is ${incident.status}: a post-mortem is marked done once the incident is RESOLVED`
          : `${incident.id} owes no post-mortem (${incident.severity})`,
    );
  }
  const done: Incident = {
    ...incident,
    postMortem: { ...incident.postMortem, doc, doneAt: iso(now), doneBy: by.name },
  };
  const noted = appendEntries(done, now, {
    kind: 'note',
    actor: by,
    summary: `post-mortem done by ${by.name}: ${doc}`,
    details: { postMortemDoc: doc },
  });
  return moveTo(noted, 'CLOSED', by, now, 'post-mortem done');
};

/** A post-mortem reminder was sent. */
export const countReminder = (incident: Incident): Incident =>
  incident.postMortem
    ? {
        ...incident,
        postMortem: { ...incident.postMortem, remindersSent: incident.postMortem.remindersSent + 1 },
      }
    : incident;

/** Alarms on this incident's service are silenced: it is recorded, and nobody is paged until `until`. */
export const suppress = (incident: Incident, suppression: Suppression, now: Date): Incident =>
  appendEntries({ ...incident, suppressed: suppression }, now, {
    kind: 'note',
    actor: { type: 'automation', name: 'silences' },
    summary: `suppressed until ${suppression.until}: ${suppression.source === 'silence' ? `silenced${suppression.by ? ` by ${suppression.by}` : ''}` : 'maintenance window'} (${suppression.reason}); nobody is paged`,
    details: { ...suppression },
  });

/**
 * The suppression ends with the incident still open: from here it is handled (and paged) as usual.
 * `execution` names the workflow execution that ends it, so a retry of that step can tell it did.
 */
export const endSuppression = (
  incident: Incident,
  now: Date,
  options: { readonly execution?: string; readonly summary?: string } = {},
): Incident => {
  if (!incident.suppressed) return incident;
  const { suppressed: ended, ...rest } = incident;
  // Handling starts now: the escalation policy's clock counts from DETECTED, not from the silent part.
  const handled: Incident = { ...rest, statusTimestamps: { ...rest.statusTimestamps, DETECTED: iso(now) } };
  return appendEntries(handled, now, {
    kind: 'note',
    actor: { type: 'automation', name: 'silences' },
    summary: options.summary ?? `silence ended at ${ended.until} and the alarm still fires: handling it now`,
    details: {
      endedSuppression: ended.until,
      ...(options.execution ? { execution: options.execution } : {}),
    },
  });
};

/** Whether `execution` is the one that ended this incident's last suppression (a retried step asks). */
export const suppressionEndedBy = (incident: Incident, execution: string): boolean => {
  const ended = incident.timeline.findLast(
    (e): e is NoteEntry => e.kind === 'note' && e.details?.endedSuppression !== undefined,
  );
  return ended?.details?.execution === execution;
};
