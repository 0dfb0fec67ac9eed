/**
 * Automated diagnostics: the seeds' investigation checklists (seed 000 "Investigation" and "Common
 * Incident Scenarios", seed 002 "Common Issues and Solutions", seed 004 "Escalation Triggers") run
 * over the evidence the adapters gathered. The result names a suspected cause and the playbook
 * DESIGN.md assigns to it; `decide` in `playbooks.ts` then applies the guardrails.
 *
 * Pure: no SDK, no env, no clock (times come from the evidence and `options.now`). A source that
 * could not be read becomes a finding that says so and the diagnosis is produced anyway; what the
 * evidence cannot establish is never assumed, so missing evidence ends in `page-only`.
 *
 * Precedence when several causes match (the first wins):
 * 1. `bad-deployment` -> `rollback`: a new revision began within `deploymentCorrelationMinutes`
 *    before the alarm and the service shows errors, latency or an outage. A bad deploy that
 *    crash-loops, or whose new code cannot reach its database, is rolled back rather than restarted
 *    or paged as a dependency: restarting the same bad revision changes nothing. With no earlier
 *    revision that completed healthy, `page-only`.
 * 2. `dependency` -> `page-only`: the logs show a database, cache or upstream failing. A restart or
 *    more tasks do not mend a dependency and open more connections to one that is already struggling.
 * 3. `crash-loop` -> `restart`: running below desired and tasks failing, with no new revision.
 * 4. `resource-exhaustion` -> `scale-out`: CPU or memory high while requests are well above the
 *    window's baseline (load, not a leak), within `maxDesiredCount`; otherwise `page-only`.
 * 5. `memory-leak` -> `restart`: memory climbing steadily to high without a matching rise in load.
 * 6. `unknown` -> `page-only`.
 * A restart is never recommended when the service was restarted (the same revision redeployed)
 * within the window before the alarm: seed 004 escalates when "restart temporarily fixes but service
 * fails again".
 */
import type {
  DeploymentInfo,
  Diagnosis,
  Evidence,
  Finding,
  LogMessageCount,
  MetricName,
  MetricSeries,
  Playbook,
  ServiceSnapshot,
  StoppedTask,
  SuspectedCause,
} from './evidence';
import {
  classifySeverity,
  type Impact,
  isMoreSevere,
  type Severity,
  type SeverityRule,
  type SignalMetric,
} from './severity';
import { ALARM_KINDS, type AlarmKind } from './vocabulary';

/** The kind of alarm that opened the incident, as the deployment config names it. */
export const DIAGNOSIS_ALARM_KINDS = ALARM_KINDS;
export type DiagnosisAlarmKind = AlarmKind;

export interface DiagnoseOptions {
  /** When the diagnosis runs; stands in for the alarm time when the evidence's is unreadable. */
  readonly now: Date;
  /**
   * How long before the alarm a deployment counts as its likely cause. It also bounds the look-back
   * for failing tasks and service events, so last week's crash does not read as today's.
   */
  readonly deploymentCorrelationMinutes: number;
  /** @default the evidence's `alarm.kind` when it is one of these, else judged from the evidence alone */
  readonly alarmKind?: DiagnosisAlarmKind;
  /** The incident's severity now: the floor for the suggestion, which may only raise it. */
  readonly currentSeverity: Severity;
  /** @default DEFAULT_SEVERITY_RULES */
  readonly severityRules?: readonly SeverityRule[];
  /** The service's configured scale-out ceiling. @default undefined: never recommend scale-out */
  readonly maxDesiredCount?: number;
}

/** The numbers the diagnosis judges by, and where each comes from. */
const LIMITS = {
  /** Seed 000 scenario 2, "High Error Rate (> 5%)". */
  errorRatePercent: 5,
  /** Seed 000's P2 line, "Latency > 500ms". */
  p95LatencyMs: 500,
  /** Seed 003's alert, "CPU usage >85%". */
  cpuPercent: 85,
  /** Seed 003's alert, "Memory usage >80%". */
  memoryPercent: 80,
  /** Requests at this multiple of the window's baseline (median of its first half) mean "under load". */
  loadFactor: 1.5,
  /** A memory climb spans at least this many datapoints... */
  climbMinPoints: 4,
  /** ...rises at least this many percentage points from first to last... */
  climbMinRise: 20,
  /** ...goes up on at least this share of its steps... */
  climbRisingShare: 0.75,
  /** ...and never drops by more than this many points in one step; a bigger drop starts a new climb. */
  climbMaxDip: 2,
  /** Scale-out asks for this multiple of the desired count (and at least one more task). */
  scaleFactor: 1.5,
} as const;

const MINUTE_MS = 60_000;

/** Seed 000 "If: System Down" and seed 002 "Pod CrashLoopBackOff": how ECS reports a task that failed. */
const FAILED_TASK_REASON =
  /Essential container in task exited|CannotPullContainerError|CannotStartContainerError|ResourceInitializationError|OutOfMemoryError|health ?checks?/i;
const FAILED_STOP_CODES = new Set(['TaskFailedToStart', 'EssentialContainerExited']);
/** ECS stopped these on purpose (scale-in, a deployment, a person): an exit code there is SIGTERM, not a crash. */
const ORDERLY_STOP_CODES = new Set([
  'UserInitiated',
  'ServiceSchedulerInitiated',
  'SpotInterruption',
  'TerminationNotice',
]);
const FAILING_SERVICE_EVENT =
  /unable to consistently start tasks|failed (container|ELB) health checks|is unhealthy|Essential container in task exited|CannotPullContainerError/i;

const DATASTORE = String.raw`\b(db|database|postgres\w*|mysql|mariadb|aurora|rds|redis|elasticache|memcached?|dynamodb|mongo\w*|cassandra|kafka)\b`;
/** Seed 000 scenario 2 and seed 001 RB-101: "If database errors -> Check connection pool", "External API Failure". */
const DEPENDENCY_SIGNS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /connection pool|pool (is )?exhausted|ResourceRequest timed out|pool size \d+/i,
    'connection pool exhausted',
  ],
  [/too many (connections|clients)/i, 'too many connections'],
  [
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|connection refused|could not connect to/i,
    'connection failures',
  ],
  [
    new RegExp(`(timed? ?out|timeout).*${DATASTORE}|${DATASTORE}.*(timed? ?out|timeout)`, 'i'),
    'timeouts to a datastore',
  ],
  [
    /\b(upstream|dependency)\b.*\b5\d\d\b|\b5\d\d\b.*\b(from|upstream)\b|bad gateway|gateway time-?out/i,
    '5xx from an upstream',
  ],
  [/circuit breaker.*\bopen/i, 'circuit breaker open'],
];

interface Stats {
  readonly first: number;
  readonly latest: number;
  readonly peak: number;
  /** Median of the window's first half: what "normal" looked like before the trouble. */
  readonly baseline: number;
  readonly values: readonly number[];
}
type MetricStats = Partial<Record<MetricName, Stats>>;

interface ServiceFacts {
  readonly snapshot: ServiceSnapshot;
  /** Running below a non-zero desired count. */
  readonly down: boolean;
  /** Service events since the look-back began that report failing tasks. */
  readonly failingEvents: readonly string[];
}

interface TaskFacts {
  readonly stopped: readonly StoppedTask[];
  readonly failing: readonly StoppedTask[];
  /** Failing tasks stopped since the look-back began (or with no stop time). */
  readonly recentFailing: number;
  readonly reasons: ReadonlyArray<readonly [string, number]>;
  readonly failingReasons: ReadonlyArray<readonly [string, number]>;
  readonly exitCodes: ReadonlyArray<readonly [string, number]>;
}

interface DependencySign {
  readonly sign: string;
  readonly message: string;
  readonly count: number;
}

type Correlation =
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

interface Verdict {
  readonly cause: SuspectedCause;
  readonly recommended: Playbook;
  readonly rollbackTo?: string;
  readonly scaleTo?: number;
  readonly summary: string;
  readonly findings: readonly Finding[];
}

const parseTime = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
};

const fmt = (n: number): string => String(Math.round(n * 10) / 10);

const quote = (s: string, max = 100): string => `"${s.length > max ? `${s.slice(0, max - 3)}...` : s}"`;

const counted = ([label, n]: readonly [string, number]): string => `${label} x${n}`;

/** Counts of each key, most frequent first (ties in first-seen order). */
const countBy = <T>(items: readonly T[], keys: (item: T) => readonly string[]): Array<[string, number]> => {
  const counts = new Map<string, number>();
  for (const item of items) for (const k of keys(item)) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? hi) + hi) / 2;
};

const asAlarmKind = (kind: string | undefined): DiagnosisAlarmKind | undefined =>
  DIAGNOSIS_ALARM_KINDS.find((k) => k === kind);

const unavailable = (source: Finding['source'], reason: string): Finding => ({
  source,
  unavailable: true,
  summary: `unavailable: ${reason}`,
});

const statsOf = (series: MetricSeries): Stats | undefined => {
  const values = series.points.map((p) => p.value).filter(Number.isFinite);
  const first = values[0];
  const latest = values[values.length - 1];
  if (first === undefined || latest === undefined) return undefined;
  const baseline = median(values.slice(0, Math.max(1, Math.floor(values.length / 2))));
  return { first, latest, peak: Math.max(...values), baseline, values };
};

const metricStats = (series: readonly MetricSeries[]): MetricStats => {
  const stats: MetricStats = {};
  for (const s of series) {
    const st = stats[s.metric] ? undefined : statsOf(s);
    if (st) stats[s.metric] = st;
  }
  return stats;
};

const METRIC_UNITS: Record<MetricName, readonly [label: string, unit: string]> = {
  errorRatePercent: ['error rate', '%'],
  p95LatencyMs: ['p95', ' ms'],
  p99LatencyMs: ['p99', ' ms'],
  requestCount: ['requests', ''],
  cpuPercent: ['CPU', '%'],
  memoryPercent: ['memory', '%'],
};

const amount = (metric: MetricName, v: number): string => `${fmt(v)}${METRIC_UNITS[metric][1]}`;
const show = (metric: MetricName, v: number): string => `${METRIC_UNITS[metric][0]} ${amount(metric, v)}`;

const metricsFinding = (stats: MetricStats): Finding => {
  const parts: string[] = [];
  const evidence: Record<string, unknown> = {};
  for (const metric of Object.keys(METRIC_UNITS) as MetricName[]) {
    const s = stats[metric];
    if (!s) continue;
    const extra = metric === 'requestCount' ? ` (baseline ${amount(metric, s.baseline)})` : '';
    const peak = s.peak > s.latest ? ` (peak ${amount(metric, s.peak)})` : '';
    parts.push(`${show(metric, s.latest)}${peak}${extra}`);
    evidence[metric] = { latest: s.latest, peak: s.peak, first: s.first, baseline: s.baseline };
  }
  return {
    source: 'metrics',
    summary: parts.length > 0 ? parts.join(', ') : 'no datapoints in the window',
    evidence,
  };
};

interface Climb {
  readonly from: number;
  readonly to: number;
  readonly points: number;
}

/**
 * The leak pattern of seed 002 "High Memory Usage": memory going steadily up to a clearly higher
 * level. Judged over the window's trailing stretch without a real drop (small dips, a GC sawtooth,
 * are part of a climb), from that stretch's last low point: so a leak that began mid-window (flat,
 * then climbing) counts, and so does one resuming after tasks were replaced.
 */
const climbOf = (s: Stats): Climb | undefined => {
  const v = s.values;
  let low = 0;
  for (let i = 1; i < v.length; i++) {
    const value = v[i] ?? 0;
    if (value < (v[i - 1] ?? 0) - LIMITS.climbMaxDip || value <= (v[low] ?? 0)) low = i;
  }
  const climb = v.slice(low);
  const from = climb[0];
  const to = climb[climb.length - 1];
  if (from === undefined || to === undefined) return undefined;
  if (climb.length < LIMITS.climbMinPoints || to - from < LIMITS.climbMinRise) return undefined;
  let rises = 0;
  for (let i = 1; i < climb.length; i++) if ((climb[i] ?? 0) > (climb[i - 1] ?? 0)) rises++;
  return rises >= LIMITS.climbRisingShare * (climb.length - 1)
    ? { from, to, points: climb.length }
    : undefined;
};

/** How many times the window's baseline the latest request count is; undefined when it cannot be told. */
const loadFactorOf = (requests: Stats | undefined): number | undefined =>
  requests && requests.values.length >= 2 && requests.baseline > 0
    ? requests.latest / requests.baseline
    : undefined;

const serviceFacts = (snapshot: ServiceSnapshot, since: number): ServiceFacts => ({
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

const ecsFinding = ({ snapshot }: ServiceFacts): Finding => {
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
const correlate = (snapshot: ServiceSnapshot, alarmAt: number, windowMs: number): Correlation => {
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

const deploymentFinding = (c: Correlation, windowMinutes: number): Finding => {
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
const rollbackTarget = (
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

const taskFacts = (stopped: readonly StoppedTask[], since: number): TaskFacts => {
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

const tasksFinding = (f: TaskFacts): Finding => {
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

const topMessages = (logs: readonly LogMessageCount[]): LogMessageCount[] =>
  [...logs].sort((a, b) => b.count - a.count);

const dependencySign = (top: readonly LogMessageCount[]): DependencySign | undefined => {
  for (const { message, count } of top) {
    const hit = DEPENDENCY_SIGNS.find(([re]) => re.test(message));
    if (hit) return { sign: hit[1], message, count };
  }
  return undefined;
};

const logsFinding = (top: readonly LogMessageCount[], dependency: DependencySign | undefined): Finding => ({
  source: 'logs',
  summary:
    top.length === 0
      ? 'no error messages in the window'
      : `top messages: ${top
          .slice(0, 3)
          .map((m) => counted([quote(m.message, 80), m.count]))
          .join('; ')}${dependency ? ` (dependency sign: ${dependency.sign})` : ''}`,
  evidence: { top: top.slice(0, 10), dependencySign: dependency?.sign },
});

interface Facts {
  readonly kind: DiagnosisAlarmKind | undefined;
  readonly service: ServiceFacts | undefined;
  readonly correlation: Correlation;
  readonly tasks: TaskFacts | undefined;
  readonly stats: MetricStats | undefined;
  readonly dependency: DependencySign | undefined;
  readonly unavailable: readonly string[];
  readonly windowMinutes: number;
  readonly maxDesiredCount: number | undefined;
}

/** The alarm's symptom in a few words, for the one-line summary. */
const symptomOf = ({ kind, stats, service }: Facts): string | undefined => {
  const err = stats?.errorRatePercent;
  const p95 = stats?.p95LatencyMs;
  const running = service ? `running ${service.snapshot.running} of ${service.snapshot.desired}` : undefined;
  switch (kind) {
    case 'errorRate':
      return err ? show('errorRatePercent', err.latest) : 'error-rate alarm';
    case 'p95Latency':
      return p95 ? show('p95LatencyMs', p95.latest) : 'latency alarm';
    case 'tasksBelowDesired':
      return running ?? 'tasks-below-desired alarm';
    case 'cpu':
      return stats?.cpuPercent ? show('cpuPercent', stats.cpuPercent.latest) : 'CPU alarm';
    case 'memory':
      return stats?.memoryPercent ? show('memoryPercent', stats.memoryPercent.latest) : 'memory alarm';
    case undefined:
      if (service?.down) return running;
      if (err && err.latest > LIMITS.errorRatePercent) return show('errorRatePercent', err.latest);
      if (p95 && p95.latest > LIMITS.p95LatencyMs) return show('p95LatencyMs', p95.latest);
      return undefined;
  }
};

const line = (...parts: ReadonlyArray<string | undefined>): string =>
  parts.filter((p): p is string => p !== undefined && p !== '').join('; ');

const isCrashLooping = (f: Facts): boolean =>
  (f.service?.down ?? false) &&
  ((f.tasks?.recentFailing ?? 0) > 0 || (f.service?.failingEvents.length ?? 0) > 0);

/** Errors, latency or an outage: the symptoms a bad deployment is rolled back for. */
const isRegression = (f: Facts): boolean =>
  f.kind === 'errorRate' ||
  f.kind === 'p95Latency' ||
  f.kind === 'tasksBelowDesired' ||
  (f.stats?.errorRatePercent?.latest ?? 0) > LIMITS.errorRatePercent ||
  (f.stats?.p95LatencyMs?.latest ?? 0) > LIMITS.p95LatencyMs ||
  isCrashLooping(f);

const serviceName = (f: Facts): string => f.service?.snapshot.service ?? 'the service';

const badDeployment = (
  f: Facts,
  snapshot: ServiceSnapshot,
  suspect: DeploymentInfo,
  minutes: number,
): Verdict => {
  const { target, skipped } = rollbackTarget(snapshot, suspect);
  const head = `${suspect.taskDefinition} deployed ${minutes} min before the alarm`;
  if (target) {
    return {
      cause: 'bad-deployment',
      recommended: 'rollback',
      rollbackTo: target,
      summary: line(head, symptomOf(f), `roll back to ${target}`),
      findings:
        skipped.length > 0 ? [{ source: 'deployment', summary: `rollback skips ${skipped.join('; ')}` }] : [],
    };
  }
  const why = `no rollback target: no other revision of ${snapshot.service} completed a healthy deployment${
    skipped.length > 0 ? ` (${skipped.join('; ')})` : ''
  }`;
  return {
    cause: 'bad-deployment',
    recommended: 'page-only',
    summary: line(head, symptomOf(f), 'no healthy earlier revision to roll back to: page the on-call'),
    findings: [{ source: 'deployment', summary: why, evidence: { skipped } }],
  };
};

/** A restart, unless one already ran in the window before the alarm and did not hold (seed 004). */
const restartOrEscalate = (f: Facts, cause: SuspectedCause, found: string): Verdict => {
  const c = f.correlation;
  if (c.kind === 'within-window' && c.restart) {
    return {
      cause,
      recommended: 'page-only',
      summary: line(found, `a restart ${c.minutes} min before the alarm did not hold: page the on-call`),
      findings: [
        {
          source: 'deployment',
          summary: `not restarting again: ${c.latest.taskDefinition} was restarted ${c.minutes} min before the alarm and the service failed again (seed 004: escalate)`,
        },
      ],
    };
  }
  return {
    cause,
    recommended: 'restart',
    summary: line(found, 'restart (force a new deployment)'),
    findings: [],
  };
};

const scaleOut = (f: Facts, found: string): Verdict => {
  const desired = f.service?.snapshot.desired;
  const max = f.maxDesiredCount;
  const refuse = (why: string): Verdict => ({
    cause: 'resource-exhaustion',
    recommended: 'page-only',
    summary: line(found, `${why}: page the on-call`),
    findings: [{ source: 'ecs', summary: `no scale-out: ${why}` }],
  });
  if (desired === undefined) return refuse('the desired count is unknown (ECS unavailable)');
  if (max === undefined) return refuse(`no maxDesiredCount is configured for ${serviceName(f)}`);
  if (desired >= max)
    return refuse(`${serviceName(f)} already runs ${desired} tasks, the configured maximum of ${max}`);
  const scaleTo = Math.min(max, Math.max(Math.ceil(desired * LIMITS.scaleFactor), desired + 1));
  return {
    cause: 'resource-exhaustion',
    recommended: 'scale-out',
    scaleTo,
    summary: line(found, `scale out from ${desired} to ${scaleTo} tasks`),
    findings: [],
  };
};

const unavailableNote = (f: Facts): string | undefined =>
  f.unavailable.length > 0 ? `${f.unavailable.join(', ')} unavailable` : undefined;

/** Applies the precedence in the module comment. */
const verdictOf = (f: Facts): Verdict => {
  const c = f.correlation;
  if (c.kind === 'within-window' && !c.restart && f.service && isRegression(f)) {
    return badDeployment(f, f.service.snapshot, c.latest, c.minutes);
  }
  if (f.dependency) {
    const d = f.dependency;
    return {
      cause: 'dependency',
      recommended: 'page-only',
      summary: line(
        `${serviceName(f)}: ${d.sign} in the logs (${counted([quote(d.message, 80), d.count])})`,
        symptomOf(f),
        'a dependency is failing: page the on-call, no automatic action',
      ),
      findings: [],
    };
  }
  if (isCrashLooping(f) && f.service) {
    const { running, desired } = f.service.snapshot;
    const top = f.tasks?.failingReasons[0];
    const found = line(
      `${serviceName(f)} running ${running} of ${desired}`,
      f.tasks && f.tasks.failing.length > 0
        ? `${f.tasks.failing.length} tasks failing${top ? ` (${top[0]})` : ''}`
        : `service events: ${quote(f.service.failingEvents[0] ?? '')}`,
      c.kind === 'within-window' ? undefined : `no deployment in the ${f.windowMinutes} min before the alarm`,
    );
    return restartOrEscalate(f, 'crash-loop', found);
  }
  const cpu = f.stats?.cpuPercent;
  const memory = f.stats?.memoryPercent;
  const load = loadFactorOf(f.stats?.requestCount);
  const cpuHigh = cpu !== undefined && cpu.latest >= LIMITS.cpuPercent;
  const memoryHigh = memory !== undefined && memory.latest >= LIMITS.memoryPercent;
  if (load !== undefined && load >= LIMITS.loadFactor && (cpuHigh || memoryHigh)) {
    const pressure = [
      ...(cpuHigh && cpu ? [show('cpuPercent', cpu.latest)] : []),
      ...(memoryHigh && memory ? [show('memoryPercent', memory.latest)] : []),
    ].join(' and ');
    return scaleOut(f, `${serviceName(f)} ${pressure} with requests at ${fmt(load)}x the window's baseline`);
  }
  const climb = memory && climbOf(memory);
  if (climb && (memoryHigh || f.kind === 'memory')) {
    return restartOrEscalate(
      f,
      'memory-leak',
      `${serviceName(f)} memory climbing from ${fmt(climb.from)}% to ${fmt(climb.to)}%${load === undefined ? '' : ' without a rise in load'}`,
    );
  }
  return {
    cause: 'unknown',
    recommended: 'page-only',
    summary: line(
      `${serviceName(f)}: ${symptomOf(f) ?? 'alarm'}`,
      unavailableNote(f),
      'no known pattern: page the on-call with the runbook',
    ),
    findings: [],
  };
};

const severitySuggestion = (f: Facts, options: DiagnoseOptions): Diagnosis['severitySuggestion'] => {
  const metrics: Partial<Record<SignalMetric, number>> = {};
  const impacts: Impact[] = [];
  const s = f.stats;
  if (s?.errorRatePercent) metrics.errorRatePercent = s.errorRatePercent.latest;
  if (s?.p95LatencyMs) metrics.p95LatencyMs = s.p95LatencyMs.latest;
  if (s?.cpuPercent) metrics.cpuPercent = s.cpuPercent.latest;
  if (s?.memoryPercent) metrics.memoryPercent = s.memoryPercent.latest;
  const snapshot = f.service?.snapshot;
  // A service scaled to zero on purpose is not down.
  if (snapshot && snapshot.desired > 0) metrics.runningTasks = snapshot.running;
  // Seed 000 P2, "Single component failure (with redundancy)": some tasks failing, others serving.
  if (snapshot && snapshot.running > 0 && isCrashLooping(f)) impacts.push('component-failure');
  const judged = classifySeverity({ metrics, impacts }, options.currentSeverity, options.severityRules);
  return isMoreSevere(judged.severity, options.currentSeverity)
    ? { severity: judged.severity, reason: judged.reason }
    : undefined;
};

/**
 * Turns the evidence gathered around an alarm into findings, a suspected cause, the recommended
 * playbook (with its rollback or scale target), a severity suggestion and a one-line summary for pages.
 * Never throws on missing evidence: each unreadable source is a finding `unavailable: <reason>`.
 */
export function diagnose(evidence: Evidence, options: DiagnoseOptions): Diagnosis {
  const alarmAt = parseTime(evidence.alarm.at) ?? options.now.getTime();
  const windowMinutes = options.deploymentCorrelationMinutes;
  const since = alarmAt - windowMinutes * MINUTE_MS;
  const kind = options.alarmKind ?? asAlarmKind(evidence.alarm.kind);

  const findings: Finding[] = [
    {
      source: 'alarm',
      summary: `${evidence.alarm.name}${kind ? ` (${kind})` : ''} fired at ${evidence.alarm.at}`,
      evidence: { name: evidence.alarm.name, kind, at: evidence.alarm.at },
    },
  ];
  const missing: string[] = [];

  let service: ServiceFacts | undefined;
  let correlation: Correlation = { kind: 'none' };
  if (evidence.service.ok) {
    service = serviceFacts(evidence.service.value, since);
    correlation = correlate(evidence.service.value, alarmAt, windowMinutes * MINUTE_MS);
    findings.push(ecsFinding(service), deploymentFinding(correlation, windowMinutes));
  } else {
    missing.push('ecs');
    findings.push(
      unavailable('ecs', evidence.service.reason),
      unavailable('deployment', `${evidence.service.reason} (deployments come from the ECS service)`),
    );
  }

  let tasks: TaskFacts | undefined;
  if (evidence.stoppedTasks.ok) {
    tasks = taskFacts(evidence.stoppedTasks.value, since);
    findings.push(tasksFinding(tasks));
  } else {
    missing.push('tasks');
    findings.push(unavailable('tasks', evidence.stoppedTasks.reason));
  }

  let stats: MetricStats | undefined;
  if (evidence.metrics.ok) {
    stats = metricStats(evidence.metrics.value);
    findings.push(metricsFinding(stats));
    const climb = stats.memoryPercent && climbOf(stats.memoryPercent);
    if (climb) {
      findings.push({
        source: 'metrics',
        summary: `memory climbing steadily from ${fmt(climb.from)}% to ${fmt(climb.to)}% over ${climb.points} datapoints`,
        evidence: { memoryClimb: climb },
      });
    }
  } else {
    missing.push('metrics');
    findings.push(unavailable('metrics', evidence.metrics.reason));
  }

  let dependency: DependencySign | undefined;
  if (evidence.logs.ok) {
    const top = topMessages(evidence.logs.value);
    dependency = dependencySign(top);
    findings.push(logsFinding(top, dependency));
  } else {
    missing.push('logs');
    findings.push(unavailable('logs', evidence.logs.reason));
  }

  const facts: Facts = {
    kind,
    service,
    correlation,
    tasks,
    stats,
    dependency,
    unavailable: missing,
    windowMinutes,
    maxDesiredCount: options.maxDesiredCount,
  };
  const verdict = verdictOf(facts);
  const severity = severitySuggestion(facts, options);
  return {
    findings: [...findings, ...verdict.findings],
    suspectedCause: verdict.cause,
    recommended: verdict.recommended,
    ...(verdict.rollbackTo ? { rollbackTo: verdict.rollbackTo } : {}),
    ...(verdict.scaleTo !== undefined ? { scaleTo: verdict.scaleTo } : {}),
    ...(severity ? { severitySuggestion: severity } : {}),
    summary: verdict.summary,
  };
}
