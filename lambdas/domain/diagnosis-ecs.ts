/**
 * The ECS evidence: the service and its deployments (is the latest one a suspect, and what would a
 * rollback return to), and the tasks that stopped (which of them failed, and why).
 */
import {
  FAILED_STOP_CODES,
  FAILED_TASK_REASON,
  FAILING_SERVICE_EVENT,
  ORDERLY_STOP_CODES,
} from './diagnosis-rules';
import { countBy, counted, MINUTE_MS, parseTime, quote } from './diagnosis-util';
import type { DeploymentInfo, Finding, ServiceSnapshot, StoppedTask } from './evidence';

export interface ServiceFacts {
  readonly snapshot: ServiceSnapshot;
  /** Running below a non-zero desired count. */
  readonly down: boolean;
  /** Service events since the look-back began that report failing tasks. */
  readonly failingEvents: readonly string[];
}

export interface TaskFacts {
  readonly stopped: readonly StoppedTask[];
  readonly failing: readonly StoppedTask[];
  /** Failing tasks stopped since the look-back began (or with no stop time). */
  readonly recentFailing: number;
  readonly reasons: ReadonlyArray<readonly [string, number]>;
  readonly failingReasons: ReadonlyArray<readonly [string, number]>;
  readonly exitCodes: ReadonlyArray<readonly [string, number]>;
}

export type Correlation =
  | { readonly kind: 'none' }
  | { readonly kind: 'unknown-time'; readonly latest: DeploymentInfo }
  | { readonly kind: 'after-alarm'; readonly latest: DeploymentInfo; readonly minutes: number }
  | { readonly kind: 'outside-window'; readonly latest: DeploymentInfo; readonly minutes: number }
  | {
      readonly kind: 'within-window';
      readonly latest: DeploymentInfo;
      readonly minutes: number;
      /** The same revision as the deployment before it: a forced new deployment, not a code change. */
      readonly restart: boolean;
    };

export const serviceFacts = (snapshot: ServiceSnapshot, since: number): ServiceFacts => ({
  snapshot,
  down: snapshot.desired > 0 && snapshot.running < snapshot.desired,
  failingEvents: snapshot.events
    .filter((e) => (parseTime(e.at) ?? since) >= since && FAILING_SERVICE_EVENT.test(e.message))
    .map((e) => e.message),
});

const newestFirst = (deployments: readonly DeploymentInfo[]): DeploymentInfo[] =>
  [...deployments].sort(
    (a, b) =>
      (parseTime(b.createdAt) ?? Number.NEGATIVE_INFINITY) -
      (parseTime(a.createdAt) ?? Number.NEGATIVE_INFINITY),
  );

const primaryOf = (snapshot: ServiceSnapshot): DeploymentInfo | undefined =>
  snapshot.deployments.find((d) => d.status === 'PRIMARY');

export const ecsFinding = ({ snapshot }: ServiceFacts): Finding => {
  const rollout = primaryOf(snapshot)?.rolloutState;
  const latestEvent = snapshot.events[0];
  const summary = [
    `${snapshot.service}: running ${snapshot.running} of ${snapshot.desired} (${snapshot.pending} pending)`,
    `task definition ${snapshot.taskDefinition}`,
    ...(rollout ? [`rollout ${rollout}`] : []),
    ...(latestEvent ? [`latest event: ${quote(latestEvent.message)}`] : []),
  ].join(', ');
  return {
    source: 'ecs',
    summary,
    evidence: {
      cluster: snapshot.cluster,
      service: snapshot.service,
      status: snapshot.status,
      running: snapshot.running,
      desired: snapshot.desired,
      pending: snapshot.pending,
      taskDefinition: snapshot.taskDefinition,
      rolloutState: rollout,
      events: snapshot.events.slice(0, 5),
    },
  };
};

/** The latest deployment, and whether it began shortly before the alarm (the only case it is a suspect). */
export const correlate = (snapshot: ServiceSnapshot, alarmAt: number, windowMs: number): Correlation => {
  const [latest, previous] = newestFirst(snapshot.deployments);
  if (!latest) return { kind: 'none' };
  const created = parseTime(latest.createdAt);
  if (created === undefined) return { kind: 'unknown-time', latest };
  const before = alarmAt - created;
  const minutes = Math.round(Math.abs(before) / MINUTE_MS);
  if (before < 0) return { kind: 'after-alarm', latest, minutes };
  if (before > windowMs) return { kind: 'outside-window', latest, minutes };
  const restart = previous !== undefined && previous.taskDefinition === latest.taskDefinition;
  return { kind: 'within-window', latest, minutes, restart };
};

export const deploymentFinding = (c: Correlation, windowMinutes: number): Finding => {
  if (c.kind === 'none') return { source: 'deployment', summary: 'no deployments listed for the service' };
  const td = c.latest.taskDefinition;
  const evidence = {
    taskDefinition: td,
    createdAt: c.latest.createdAt,
    status: c.latest.status,
    rolloutState: c.latest.rolloutState,
    windowMinutes,
  };
  switch (c.kind) {
    case 'unknown-time':
      return {
        source: 'deployment',
        summary: `${td}: deployment time unreadable (${quote(c.latest.createdAt)}): not treated as the cause`,
        evidence,
      };
    case 'after-alarm':
      return {
        source: 'deployment',
        summary: `${td} deployed ${c.minutes} min after the alarm: the alarm predates it, so it is not the cause`,
        evidence: { ...evidence, minutesAfterAlarm: c.minutes },
      };
    case 'outside-window':
      return {
        source: 'deployment',
        summary: `${td} deployed ${c.minutes} min before the alarm, outside the ${windowMinutes}-min correlation window: not treated as the cause`,
        evidence: { ...evidence, minutesBeforeAlarm: c.minutes },
      };
    case 'within-window':
      return {
        source: 'deployment',
        summary: c.restart
          ? `${td} redeployed ${c.minutes} min before the alarm (same revision: a restart, not a code change)`
          : `${td} deployed ${c.minutes} min before the alarm, within the ${windowMinutes}-min correlation window`,
        evidence: { ...evidence, minutesBeforeAlarm: c.minutes, restart: c.restart },
      };
  }
};

const revisionOf = (taskDefinition: string): { family: string; revision: number } | undefined => {
  const m = /([^/:]+):(\d+)$/.exec(taskDefinition);
  return m?.[1] && m[2] ? { family: m[1], revision: Number(m[2]) } : undefined;
};

/** Completed its rollout, or was a primary whose rollout ECS did not track and lost no tasks. */
const completedHealthy = (d: DeploymentInfo): boolean =>
  d.rolloutState === 'COMPLETED' || (d.rolloutState === undefined && !(d.failedTasks && d.failedTasks > 0));

/**
 * The newest other revision whose deployment completed healthy. Never the revision running now or
 * the suspect one, never a revision that failed a rollout (in any deployment listed), and never a
 * newer revision of the same family: a rollback does not roll forward.
 */
export const rollbackTarget = (
  snapshot: ServiceSnapshot,
  suspect: DeploymentInfo,
): { readonly target?: string; readonly skipped: readonly string[] } => {
  const current = revisionOf(snapshot.taskDefinition);
  const excluded = new Set([snapshot.taskDefinition, suspect.taskDefinition]);
  const failed = new Set(
    snapshot.deployments.filter((d) => d.rolloutState === 'FAILED').map((d) => d.taskDefinition),
  );
  const skipped = new Set<string>();
  for (const d of newestFirst(snapshot.deployments)) {
    const td = d.taskDefinition;
    const rev = revisionOf(td);
    if (excluded.has(td)) continue;
    if (failed.has(td)) skipped.add(`${td} failed its rollout`);
    else if (!completedHealthy(d)) skipped.add(`${td} never completed its rollout (${d.rolloutState})`);
    else if (current && rev && rev.family === current.family && rev.revision > current.revision)
      skipped.add(`${td} is newer than ${snapshot.taskDefinition}`);
    else return { target: td, skipped: [...skipped] };
  }
  return { skipped: [...skipped] };
};

const isFailing = (t: StoppedTask): boolean => {
  const reasons = [t.stoppedReason, ...t.containers.map((c) => c.reason)];
  if (reasons.some((r) => r !== undefined && FAILED_TASK_REASON.test(r))) return true;
  if (t.stopCode !== undefined && FAILED_STOP_CODES.has(t.stopCode)) return true;
  if (t.stopCode !== undefined && ORDERLY_STOP_CODES.has(t.stopCode)) return false;
  return t.containers.some((c) => c.exitCode !== undefined && c.exitCode !== 0);
};

const reasonOf = (t: StoppedTask): string[] => [t.stoppedReason ?? t.stopCode ?? 'no reason given'];

export const taskFacts = (stopped: readonly StoppedTask[], since: number): TaskFacts => {
  const failing = stopped.filter(isFailing);
  return {
    stopped,
    failing,
    recentFailing: failing.filter((t) => (parseTime(t.stoppedAt) ?? since) >= since).length,
    reasons: countBy(stopped, reasonOf),
    failingReasons: countBy(failing, reasonOf),
    exitCodes: countBy(failing, (t) =>
      t.containers
        .filter((c) => c.exitCode !== undefined && c.exitCode !== 0)
        .map((c) => `exit code ${c.exitCode}`),
    ),
  };
};

export const tasksFinding = (f: TaskFacts): Finding => {
  if (f.stopped.length === 0) return { source: 'tasks', summary: 'no stopped tasks' };
  const revisions = countBy(f.failing, (t) => [t.taskDefinition]);
  const summary = [
    `${f.stopped.length} stopped tasks, ${f.failing.length} failing`,
    ...f.reasons.slice(0, 3).map(([r, n]) => counted([quote(r, 80), n])),
    ...f.exitCodes.slice(0, 3).map(counted),
    ...(revisions.length > 0 ? [`failing on ${revisions.map(([td]) => td).join(', ')}`] : []),
  ].join('; ');
  return {
    source: 'tasks',
    summary,
    evidence: {
      stopped: f.stopped.length,
      failing: f.failing.length,
      recentFailing: f.recentFailing,
      reasons: Object.fromEntries(f.reasons),
      exitCodes: Object.fromEntries(f.exitCodes),
      failingRevisions: Object.fromEntries(revisions),
    },
  };
};
