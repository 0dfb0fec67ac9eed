/**
 * What the simulated environment is made of: ECS services with their deployments, metrics, logs and
 * stopped tasks, resources with no ECS part and the team's own alarms on them, and how a revision
 * behaves once deployed.
 */
import type { AlarmKind } from '../lambdas/contract/config-schema';

export interface SimDeployment {
  readonly id: string;
  readonly taskDefinition: string;
  /** An ACTIVE deployment drains until then, and then leaves the service's list, as in ECS. */
  drainUntil?: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  readonly createdAt: string;
}

export interface SimMetrics {
  errorRatePercent: number;
  p95LatencyMs: number;
  cpuPercent: number;
  memoryPercent: number;
  requestsPerMinute: number;
}

export interface SimService {
  readonly name: string;
  readonly cluster: string;
  readonly service: string;
  readonly logGroup: string;
  desired: number;
  running: number;
  deployments: SimDeployment[];
  metrics: SimMetrics;
  readonly events: Array<{ createdAt: string; message: string }>;
  readonly logs: Array<{ at: string; message: string }>;
  /** One sample per simulated minute, oldest first: what GetMetricData returns. */
  readonly history: Array<{ at: string; metrics: SimMetrics; running: number; desired: number }>;
  readonly stoppedTasks: Array<{
    taskArn: string;
    taskDefinition: string;
    stoppedAt: string;
    stoppedReason: string;
    exitCode: number;
  }>;
}

/**
 * A resource with no ECS part (an RDS instance, a queue): one CloudWatch metric and, optionally, a log
 * group. A scenario moves its value; the alarms on it are the team's own, routed by the config.
 */
export interface SimResource {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  value: number;
  readonly logGroup?: string;
  readonly logs: Array<{ at: string; message: string }>;
  /** One sample per simulated minute, oldest first. */
  readonly history: Array<{ at: string; value: number }>;
}

/** An alarm the stack did not create, on a SimResource: what routing rules are for. */
export interface SimExternalAlarm {
  readonly alarmName: string;
  readonly resource: string;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly tags?: Readonly<Record<string, string>>;
}

/** How a task definition revision behaves once deployed, as a scenario defines it. */
export interface RevisionBehaviour {
  readonly metrics?: Partial<SimMetrics>;
  /** Tasks of this revision exit on start: running drops to 0. */
  readonly crashes?: boolean;
}

/** How long a replaced deployment stays listed as ACTIVE while its tasks drain. */
export const DRAIN_MINUTES = 5;

export const HEALTHY: Readonly<SimMetrics> = {
  errorRatePercent: 0.2,
  p95LatencyMs: 120,
  cpuPercent: 35,
  memoryPercent: 45,
  requestsPerMinute: 1200,
};

/** The value the stack's alarm of `kind` reads from the service. */
export const metricValue = (kind: AlarmKind, s: SimService): number => {
  switch (kind) {
    case 'errorRate':
      return s.metrics.errorRatePercent;
    case 'p95Latency':
      return s.metrics.p95LatencyMs;
    case 'tasksBelowDesired':
      return s.desired - s.running;
    case 'cpu':
      return s.metrics.cpuPercent;
    case 'memory':
      return s.metrics.memoryPercent;
  }
};

export const breaches = (kind: AlarmKind | undefined, value: number, threshold: number): boolean =>
  kind === 'tasksBelowDesired' ? value >= threshold : value > threshold;
