/**
 * From the facts to a verdict: the suspected cause and the playbook it calls for, in the precedence
 * `diagnose` documents (diagnosis.ts), with the one-line summary pages show.
 */
import { type Correlation, rollbackTarget, type ServiceFacts, type TaskFacts } from './diagnosis-ecs';
import type { DependencySign } from './diagnosis-logs';
import { climbOf, loadFactorOf, type MetricStats, show } from './diagnosis-metrics';
import { LIMITS } from './diagnosis-rules';
import { counted, fmt, line, quote } from './diagnosis-util';
import type { DeploymentInfo, Finding, Playbook, ServiceSnapshot, SuspectedCause } from './evidence';
import type { AlarmKind } from './vocabulary';

export interface Verdict {
  readonly cause: SuspectedCause;
  readonly recommended: Playbook;
  readonly rollbackTo?: string;
  readonly scaleTo?: number;
  readonly summary: string;
  readonly findings: readonly Finding[];
}

export interface Facts {
  readonly kind: AlarmKind | undefined;
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

export const isCrashLooping = (f: Facts): boolean =>
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

/**
 * A restart, unless one already ran in the window before the alarm and did not hold: a restart that
 * fixes the service only for a while is escalated to a person, not repeated.
 */
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
          summary: `not restarting again: ${c.latest.taskDefinition} was restarted ${c.minutes} min before the alarm and the service failed again: a restart that does not hold is escalated, not repeated`,
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

/** Applies the precedence documented in diagnosis.ts. */
export const verdictOf = (f: Facts): Verdict => {
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
