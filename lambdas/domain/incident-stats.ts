/**
 * How fast incidents were acknowledged, mitigated and resolved, read from the record alone: the
 * timestamps and the timeline. Feeds the incident metrics, the report and `incident stats`.
 *
 * Counting rules:
 * - Detected is the first detection (`createdAt`, which `openIncident` stamps as DETECTED).
 *   `statusTimestamps.DETECTED` is not used: it holds the latest entry into DETECTED, so after a
 *   reopen it is the reopen time. A reopened incident therefore counts from its first detection to
 *   its final resolution: the time it was wrongly thought over is part of the outage.
 * - Acknowledged is the first `acknowledged` entry.
 * - Mitigated is the first action that changed something: an automatic action that was executed
 *   (`details.executed`) and whose step did not then fail, or an action recorded by a person.
 *   Decisions, dry runs, refusals and waiting for approval change nothing.
 * - Resolved is `statusTimestamps.RESOLVED` (the latest resolution) once RESOLVED or CLOSED.
 *
 * Pure: no SDK, no env, no clock.
 */
import type { Incident, TimelineEntry } from './incident';
import { SEVERITIES, type Severity } from './severity';
import { lastResolution } from './timeline';

export const RESOLVERS = ['automation', 'human', 'on-its-own'] as const;
/** Who brought the incident to an end: automation acted, a person acted, or it recovered alone. */
export type ResolvedBy = (typeof RESOLVERS)[number];

export interface IncidentTimings {
  readonly detectedAt: string;
  readonly acknowledgedAt?: string;
  readonly mitigatedAt?: string;
  readonly resolvedAt?: string;
  readonly timeToAcknowledgeMinutes?: number;
  readonly timeToMitigateMinutes?: number;
  readonly timeToResolveMinutes?: number;
  /** Set once the incident is resolved. */
  readonly resolvedBy?: ResolvedBy;
}

/** The workflow state that runs an automatic action (STATES.mitigate in lib/constructs/lifecycle-workflow.ts). */
const MITIGATE_STEP = 'Mitigate';
const MINUTE_MS = 60_000;

/** An automatic action that was carried out (not a decision, dry run or refusal). */
const isExecutedAction = (e: TimelineEntry): boolean => e.kind === 'action' && e.details?.executed === true;

/** An action a person recorded having taken. */
const isHumanAction = (e: TimelineEntry): boolean => e.kind === 'action' && e.actor.type === 'human';

/** The Mitigate step failed after entry `index`, before any later action: the action did not happen. */
const failedAfter = (timeline: readonly TimelineEntry[], index: number): boolean => {
  for (const e of timeline.slice(index + 1)) {
    if (e.kind === 'action') return false;
    if (e.kind === 'error' && e.details?.step === MITIGATE_STEP) return true;
  }
  return false;
};

/** Index of the first entry that mitigated, or -1. */
const mitigationIndex = (timeline: readonly TimelineEntry[]): number =>
  timeline.findIndex((e, i) => isHumanAction(e) || (isExecutedAction(e) && !failedAfter(timeline, i)));

/** A person answered yes to an automatic action (responders.answerApproval). */
const isApproval = (e: TimelineEntry): boolean =>
  e.kind === 'note' && e.actor.type === 'human' && e.summary.startsWith('approved by ');

/** Who resolved it, from the entries up to the final resolution. */
const resolverOf = (incident: Incident): ResolvedBy => {
  const resolution = lastResolution(incident);
  const before = resolution ? incident.timeline.slice(0, resolution.index) : incident.timeline;
  if (resolution?.entry.actor.type === 'human') return 'human';
  const mitigated = mitigationIndex(before);
  const mitigation = before[mitigated];
  if (!mitigation) return 'on-its-own';
  if (mitigation.actor.type === 'human' || before.slice(0, mitigated).some(isApproval)) return 'human';
  return 'automation';
};

const minutesBetween = (from: string, to: string | undefined): number | undefined =>
  to === undefined ? undefined : (Date.parse(to) - Date.parse(from)) / MINUTE_MS;

/** Detection, acknowledgement, mitigation and resolution times of one incident, as the module comment counts them. */
export const incidentTimings = (incident: Incident): IncidentTimings => {
  const { timeline } = incident;
  const detectedAt = incident.createdAt;
  const acknowledgedAt = timeline.find((e) => e.kind === 'acknowledged')?.at;
  const mitigatedAt = timeline[mitigationIndex(timeline)]?.at;
  const isResolved = incident.status === 'RESOLVED' || incident.status === 'CLOSED';
  const resolvedAt = isResolved ? incident.statusTimestamps.RESOLVED : undefined;
  const tta = minutesBetween(detectedAt, acknowledgedAt);
  const ttm = minutesBetween(detectedAt, mitigatedAt);
  const ttr = minutesBetween(detectedAt, resolvedAt);
  return {
    detectedAt,
    ...(acknowledgedAt ? { acknowledgedAt, timeToAcknowledgeMinutes: tta } : {}),
    ...(mitigatedAt ? { mitigatedAt, timeToMitigateMinutes: ttm } : {}),
    ...(resolvedAt ? { resolvedAt, timeToResolveMinutes: ttr, resolvedBy: resolverOf(incident) } : {}),
  };
};

/** Whether alarms on the incident were suppressed at any time (a silence or a maintenance window). */
export const wasSuppressed = (incident: Incident): boolean =>
  incident.suppressed !== undefined ||
  incident.timeline.some(
    (e) => e.kind === 'note' && e.actor.type === 'automation' && e.actor.name === 'silences',
  );

export interface SeverityStats {
  readonly severity: Severity;
  readonly count: number;
  /** How many were acknowledged by a person. */
  readonly acknowledged: number;
  readonly resolved: number;
  /** Means over the incidents that have the value; undefined when none has. */
  readonly mttaMinutes?: number;
  readonly mttrMinutes?: number;
  readonly mttmMinutes?: number;
  readonly medianTtaMinutes?: number;
  readonly medianTtrMinutes?: number;
  /** Resolved incidents by who resolved them. */
  readonly byResolver: Record<ResolvedBy, number>;
}

export interface IncidentStats {
  readonly since: string;
  readonly until: string;
  /** Incidents created in the window that were never suppressed: everything below counts these. */
  readonly total: number;
  /** Incidents created in the window that were suppressed at some time; in no other figure. */
  readonly suppressed: number;
  /** Always P1..P4 in that order, by the incident's severity now. */
  readonly bySeverity: readonly SeverityStats[];
  /** Most incidents first; ties by name. */
  readonly byService: ReadonlyArray<{ readonly service: string; readonly count: number }>;
}

const mean = (values: readonly number[]): number | undefined =>
  values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;

const median = (values: readonly number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? hi) + hi) / 2;
};

/** Keeps the defined numbers. */
const present = (values: ReadonlyArray<number | undefined>): number[] =>
  values.filter((v): v is number => v !== undefined);

/** Drops undefined fields so an absent mean is absent, not `undefined`. */
const defined = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The figures of one severity over its incidents' timings. */
const severityStats = (severity: Severity, timings: readonly IncidentTimings[]): SeverityStats => {
  const tta = present(timings.map((t) => t.timeToAcknowledgeMinutes));
  const ttr = present(timings.map((t) => t.timeToResolveMinutes));
  const ttm = present(timings.map((t) => t.timeToMitigateMinutes));
  const byResolver: Record<ResolvedBy, number> = { automation: 0, human: 0, 'on-its-own': 0 };
  for (const t of timings) if (t.resolvedBy) byResolver[t.resolvedBy]++;
  return defined({
    severity,
    count: timings.length,
    acknowledged: tta.length,
    resolved: ttr.length,
    mttaMinutes: mean(tta),
    mttrMinutes: mean(ttr),
    mttmMinutes: mean(ttm),
    medianTtaMinutes: median(tta),
    medianTtrMinutes: median(ttr),
    byResolver,
  });
};

/**
 * MTTA, MTTM and MTTR per severity, and counts per service, of the incidents created in
 * `since <= createdAt < until`. Suppressed incidents are only counted in `suppressed`: they paged
 * nobody, so their times say nothing about the response.
 */
export const summarizeIncidents = (
  incidents: readonly Incident[],
  window: { readonly since: Date; readonly until: Date },
): IncidentStats => {
  const inWindow = incidents.filter((i) => {
    const created = Date.parse(i.createdAt);
    return created >= window.since.getTime() && created < window.until.getTime();
  });
  const counted = inWindow.filter((i) => !wasSuppressed(i));
  const services = new Map<string, number>();
  for (const i of counted) services.set(i.service, (services.get(i.service) ?? 0) + 1);
  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    total: counted.length,
    suppressed: inWindow.length - counted.length,
    bySeverity: SEVERITIES.map((s) =>
      severityStats(s, counted.filter((i) => i.severity === s).map(incidentTimings)),
    ),
    byService: [...services]
      .map(([service, count]) => ({ service, count }))
      .sort((a, b) => b.count - a.count || a.service.localeCompare(b.service)),
  };
};
