/**
 * Automated diagnostics: the runbooks' investigation checklist (recent deployments, the ECS service
 * and its stopped tasks, the metrics, the error logs and the dependencies they name) run over the
 * evidence the adapters gathered. The result names a suspected cause and the playbook that cause
 * calls for (the precedence below); `decide` in `playbooks.ts` then applies the guardrails.
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
 * within the window before the alarm: when a restart fixes the service only for a while, a person
 * is called instead.
 */
import {
  type Correlation,
  correlate,
  deploymentFinding,
  ecsFinding,
  type ServiceFacts,
  serviceFacts,
  type TaskFacts,
  taskFacts,
  tasksFinding,
} from './diagnosis-ecs';
import { type DependencySign, dependencySign, logsFinding, topMessages } from './diagnosis-logs';
import {
  alarmMetricFinding,
  climbOf,
  type MetricStats,
  metricStats,
  metricsFinding,
} from './diagnosis-metrics';
import { fmt, MINUTE_MS, parseTime } from './diagnosis-util';
import { type Facts, isCrashLooping, verdictOf } from './diagnosis-verdict';
import type { Diagnosis, Evidence, Finding } from './evidence';
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

const asAlarmKind = (kind: string | undefined): DiagnosisAlarmKind | undefined =>
  DIAGNOSIS_ALARM_KINDS.find((k) => k === kind);

const unavailable = (source: Finding['source'], reason: string): Finding => ({
  source,
  unavailable: true,
  summary: `unavailable: ${reason}`,
});
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
  // Some tasks failing while others serve is a single component failure with redundancy: P2.
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
const ECS_EVENT_WORDS: Readonly<Record<string, string>> = {
  SERVICE_DEPLOYMENT_FAILED: 'ECS failed',
  SERVICE_DEPLOYMENT_IN_PROGRESS: 'ECS circuit breaker rolled back',
  SERVICE_TASK_START_IMPAIRED: 'ECS could not start tasks of',
};

/** "ECS circuit breaker rolled back checkout:42 (deployment ecs-svc/123) at 07:49 UTC": the deploy it correlates. */
const ecsEventFinding = (e: NonNullable<Evidence['ecsEvents']>[number], evidence: Evidence): Finding => {
  const deployment =
    e.deploymentId && evidence.service.ok
      ? evidence.service.value.deployments.find((d) => d.id === e.deploymentId)
      : undefined;
  const what = deployment
    ? `${deployment.taskDefinition} (deployment ${e.deploymentId})`
    : e.deploymentId
      ? `deployment ${e.deploymentId}`
      : 'the service';
  return {
    source: 'deployment',
    summary: `${ECS_EVENT_WORDS[e.eventName] ?? e.eventName} ${what} at ${e.at.slice(11, 16)} UTC${e.reason ? `: ${e.reason}` : ''}`,
    evidence: {
      ecsEvent: e.eventName,
      at: e.at,
      ...(deployment ? { taskDefinition: deployment.taskDefinition } : {}),
    },
  };
};

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
  // A service with no ECS part: ECS, deployments and tasks do not apply, which is no gap in the evidence.
  const withoutEcs = evidence.alarmMetric !== undefined && !evidence.service.ok;
  if (withoutEcs) {
    findings.push({
      source: 'ecs',
      summary: `not applicable: ${evidence.service.ok ? '' : evidence.service.reason} (no ECS, deployment or task evidence)`,
    });
  } else if (evidence.service.ok) {
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

  for (const e of evidence.ecsEvents ?? []) findings.push(ecsEventFinding(e, evidence));

  let tasks: TaskFacts | undefined;
  if (withoutEcs) {
    // Said once, above.
  } else if (evidence.stoppedTasks.ok) {
    tasks = taskFacts(evidence.stoppedTasks.value, since);
    findings.push(tasksFinding(tasks));
  } else {
    missing.push('tasks');
    findings.push(unavailable('tasks', evidence.stoppedTasks.reason));
  }

  let stats: MetricStats | undefined;
  if (evidence.alarmMetric?.ok) {
    findings.push(alarmMetricFinding(evidence.alarmMetric.value));
  } else if (evidence.alarmMetric) {
    missing.push('metrics');
    findings.push(unavailable('metrics', evidence.alarmMetric.reason));
  } else if (evidence.metrics.ok) {
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
