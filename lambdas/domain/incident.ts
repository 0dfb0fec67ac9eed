/**
 * The incident record and every change to it, as pure functions: each takes the clock reading it
 * needs (`now`) and returns a new incident with the change on its timeline. Persistence (and the
 * version that guards it) is the store's job.
 *
 * One import for callers: the record (incident-record), its timeline (timeline), opening and the
 * changes people and the workflow make (incident-changes), alarm signals (incident-signals), the
 * post-mortem (post-mortem) and suppression while silenced (suppression).
 */
export {
  acknowledge,
  advance,
  changeSeverity,
  moveTo,
  type OpenIncidentInput,
  openIncident,
  type PageSent,
  recordPage,
} from './incident-changes';
export type {
  AlarmSignal,
  AlarmState,
  Incident,
  PostMortem,
  ReportRef,
  Suppression,
} from './incident-record';
export {
  acceptsAlarm,
  applySignal,
  type SignalOutcome,
  type SignalPolicy,
  type SignalResult,
} from './incident-signals';
export { completePostMortem, countReminder, requirePostMortem } from './post-mortem';
export { endSuppression, liftSuppression, owesPostMortem, suppress, suppressionEndedBy } from './suppression';
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
