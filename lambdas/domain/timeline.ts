/**
 * The incident timeline: one entry per change, each kind with its own details. Entries are only
 * appended (`appendEntries`), never edited, so a record read back tells what happened in order.
 */
import type { DecisionVerdict, FindingSource, Playbook, SuspectedCause } from './evidence';
import type { AlarmState, Incident, Suppression } from './incident-record';
import type { Status } from './lifecycle';
import type { Severity } from './severity';

export type ActorType = 'alarm' | 'automation' | 'human';

/** Who did it: the alarm itself, the workflow's automation, or a named person. */
export interface Actor {
  readonly type: ActorType;
  readonly name: string;
}

export const TIMELINE_KINDS = [
  'detected',
  'signal',
  'ecs-event',
  'status',
  'severity',
  'acknowledged',
  'reopened',
  'note',
  'page',
  'oncall',
  'diagnosis',
  'action',
  'error',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/**
 * What every kind's details extend: an open record. A record stored by an older version may carry
 * keys this one no longer writes, and a diagnosis finding carries its source's evidence as it came,
 * so a key not named below reads as `unknown`: readers check it before use and never crash on it.
 */
export type EntryDetails = Readonly<Record<string, unknown>>;

/** `detected`: the ALARM that opened the incident. */
export interface DetectedDetails extends EntryDetails {
  readonly alarmState: 'ALARM';
  readonly stateChangedAt: string;
  readonly reason?: string;
}

/** `signal` (a later state change of the alarm) and `reopened` (an ALARM after resolution). */
export interface SignalDetails extends EntryDetails {
  readonly alarmState: AlarmState;
  readonly stateChangedAt: string;
}

/** `ecs-event`: ECS reported trouble on the service (a failed or rolled-back deployment, tasks that do not start). */
export interface EcsEventDetails extends EntryDetails {
  readonly eventName: string;
  readonly at: string;
  readonly reason?: string;
  readonly deploymentId?: string;
  /** The EventBridge event id: a redelivery adds no second entry. */
  readonly eventId: string;
}

/** `status`: a lifecycle move. */
export interface StatusDetails extends EntryDetails {
  readonly from: Status;
  readonly to: Status;
}

/** `severity`: the level set at opening (no `from`) or changed since. */
export interface SeverityDetails extends EntryDetails {
  readonly from?: Severity;
  readonly to: Severity;
}

/** `page`: one page sent to one tier. */
export interface PageDetails extends EntryDetails {
  readonly tier: string;
  /** The kind of page, e.g. `INCIDENT`, `ESCALATION`, `RESOLVED`. */
  readonly kind: string;
  readonly subject: string;
  readonly messageId: string;
  /** Who it went to: a person on call, a fallback tier, or (absent) the tier's own endpoints. */
  readonly to?: string;
  /** The pager's key of the address (`person:<name>` or a tier): later notices reach it again. */
  readonly address?: string;
  /** Why that address: "secondary of app, day of 2026-12-04", "fallback: nobody on call ...". */
  readonly reason?: string;
}

/**
 * `oncall`: what the schedules decided beside the pages: a tier skipped for this severity, a coverage
 * gap (nobody on call, so the fallback was paged), a first page deferred to a calendar's opening, or a
 * handoff note sent to the incoming person.
 */
export interface OncallDetails extends EntryDetails {
  readonly tier?: string;
  readonly schedule?: string;
  readonly coverageGap?: boolean;
  readonly skipped?: boolean;
  readonly deferredUntil?: string;
  readonly handoffTo?: readonly string[];
}

/** `diagnosis`: one finding (`source`, with its evidence), or the conclusion (`suspectedCause`). */
export interface DiagnosisDetails extends EntryDetails {
  readonly source?: FindingSource;
  /** The finding's source could not be read. */
  readonly unavailable?: boolean;
  readonly suspectedCause?: SuspectedCause;
  readonly recommended?: Playbook;
  readonly rollbackTo?: string;
  readonly scaleTo?: number;
}

/** `action`: a decision of the guardrails (`verdict`), or an action carried out (`executed`). */
export interface ActionDetails extends EntryDetails {
  readonly verdict?: DecisionVerdict;
  readonly playbook?: Playbook;
  readonly rollbackTo?: string;
  readonly scaleTo?: number;
  /** A custom action's name. */
  readonly action?: string;
  readonly executed?: boolean;
}

/** What a ticket entry (a `note`, or an `error` when the ticket API failed) records of the incident's ticket. */
export interface TicketEntryDetails extends EntryDetails {
  /** The GitHub issue number or the Jira issue key. */
  readonly ticketKey?: string;
  readonly ticketUrl?: string;
  /** Which moment of the incident the ticket heard about: a retried step tells it once. */
  readonly ticketEvent?: 'opened' | 'acknowledged' | 'resolved' | 'reopened';
  /** The resolution closed the ticket. */
  readonly ticketClosed?: boolean;
  /** The reopen opened the closed ticket again (so the next resolution closes it again). */
  readonly ticketReopened?: boolean;
}

/** `error`: a workflow step that failed, and the error's name when it had one. */
export interface ErrorDetails extends TicketEntryDetails {
  readonly step?: string;
  readonly error?: string;
}

/**
 * `note`: everything else worth knowing, each note with the keys of what it records: a refused
 * severity suggestion, a post-mortem owed or done, a suppression started or ended, an escalation a
 * person asked for, the workflow execution that wrote it, a step that gave up waiting, or the
 * incident's ticket opened or updated.
 */
export interface NoteDetails extends EntryDetails, Partial<Suppression>, ErrorDetails {
  /** A lower severity automation suggested and was refused. */
  readonly suggested?: Severity;
  readonly postMortemDue?: string;
  /** The tier that owns the post-mortem. */
  readonly owner?: string;
  readonly postMortemDoc?: string;
  /** The end of the suppression that ended. */
  readonly endedSuppression?: string;
  /** The workflow execution that wrote the note, so a retry of its step can tell it did. */
  readonly execution?: string;
  /** The tiers a person asked to escalate to. */
  readonly escalateTo?: readonly string[];
}

interface EntryOf<K extends TimelineKind, D extends EntryDetails> {
  /** 1-based position; unique within the incident, so a lost append shows as a gap. */
  readonly seq: number;
  readonly at: string;
  readonly kind: K;
  readonly actor: Actor;
  readonly summary: string;
  readonly details?: D;
}

export type DetectedEntry = EntryOf<'detected', DetectedDetails>;
export type SignalEntry = EntryOf<'signal' | 'reopened', SignalDetails>;
export type EcsEventEntry = EntryOf<'ecs-event', EcsEventDetails>;
export type StatusEntry = EntryOf<'status', StatusDetails>;
export type SeverityEntry = EntryOf<'severity', SeverityDetails>;
export type AcknowledgedEntry = EntryOf<'acknowledged', EntryDetails>;
export type NoteEntry = EntryOf<'note', NoteDetails>;
export type PageEntry = EntryOf<'page', PageDetails>;
export type OncallEntry = EntryOf<'oncall', OncallDetails>;
export type DiagnosisEntry = EntryOf<'diagnosis', DiagnosisDetails>;
export type ActionEntry = EntryOf<'action', ActionDetails>;
export type ErrorEntry = EntryOf<'error', ErrorDetails>;

export type TimelineEntry =
  | DetectedEntry
  | SignalEntry
  | EcsEventEntry
  | StatusEntry
  | SeverityEntry
  | AcknowledgedEntry
  | NoteEntry
  | PageEntry
  | OncallEntry
  | DiagnosisEntry
  | ActionEntry
  | ErrorEntry;

/** An entry before it is appended: the timeline numbers and stamps it. One shape per kind. */
export type NewEntry = TimelineEntry extends infer E
  ? E extends TimelineEntry
    ? Omit<E, 'seq' | 'at'>
    : never
  : never;

export const appendEntries = (incident: Incident, now: Date, ...entries: NewEntry[]): Incident => {
  const at = now.toISOString();
  const start = incident.timeline.length;
  return {
    ...incident,
    updatedAt: at,
    timeline: [...incident.timeline, ...entries.map((e, i) => ({ ...e, seq: start + i + 1, at }))],
  };
};

/** The entry of the incident's latest move to RESOLVED, and its index on the timeline. */
export interface Resolution {
  readonly entry: StatusEntry;
  readonly index: number;
}

/** The incident's latest resolution (a reopened incident may have several), or undefined before any. */
export const lastResolution = (incident: Pick<Incident, 'timeline'>): Resolution | undefined => {
  const index = incident.timeline.findLastIndex((e) => e.kind === 'status' && e.details?.to === 'RESOLVED');
  const entry = incident.timeline[index];
  return entry?.kind === 'status' ? { entry, index } : undefined;
};

/**
 * The tiers already sent a `kind` page for the incident's current firing (since it last reopened):
 * a retried step pages only those it has not reached yet.
 */
export const tiersPagedThisFiring = (incident: Incident, kind: string): Set<string> => {
  const tiers = new Set<string>();
  for (const entry of incident.timeline) {
    if (entry.kind === 'reopened') tiers.clear();
    if (entry.kind === 'page' && entry.details?.kind === kind && typeof entry.details.tier === 'string')
      tiers.add(entry.details.tier);
  }
  return tiers;
};
