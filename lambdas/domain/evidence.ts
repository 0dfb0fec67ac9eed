/**
 * What diagnostics gather about a service around an alarm, in domain terms (the adapters translate
 * AWS responses into these). Each source can fail on its own: a denied or slow API is an
 * `unavailable` result with its reason, never a failed diagnosis.
 */
import type { Severity } from './severity';

export type SourceResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

export interface DeploymentInfo {
  readonly id: string;
  /** `family:revision`, e.g. `checkout:42`. */
  readonly taskDefinition: string;
  readonly status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  readonly rolloutState?: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  readonly createdAt: string;
  readonly updatedAt?: string;
  readonly failedTasks?: number;
  readonly runningCount?: number;
  readonly desiredCount?: number;
}

export interface ServiceSnapshot {
  readonly cluster: string;
  readonly service: string;
  readonly status: string;
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
  /** The task definition of the PRIMARY deployment, `family:revision`. */
  readonly taskDefinition: string;
  /** Newest first. */
  readonly deployments: readonly DeploymentInfo[];
  /** The latest service events, newest first. */
  readonly events: ReadonlyArray<{ readonly at: string; readonly message: string }>;
}

export interface StoppedTask {
  readonly taskArn: string;
  readonly taskDefinition: string;
  readonly stoppedAt?: string;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly containers: ReadonlyArray<{
    readonly name: string;
    readonly exitCode?: number;
    readonly reason?: string;
  }>;
}

export const METRIC_NAMES = [
  'errorRatePercent',
  'p95LatencyMs',
  'p99LatencyMs',
  'requestCount',
  'cpuPercent',
  'memoryPercent',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface MetricSeries {
  readonly metric: MetricName;
  /** Oldest first. */
  readonly points: ReadonlyArray<{ readonly at: string; readonly value: number }>;
}

/** The alarm's own metric around the alarm (a service with no ECS part), per period, oldest first. */
export interface AlarmMetricSeries {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly points: ReadonlyArray<{ readonly at: string; readonly max: number; readonly avg: number }>;
}

export interface LogMessageCount {
  readonly message: string;
  readonly count: number;
}

/** Everything gathered for one diagnosis. */
export interface Evidence {
  readonly alarm: { readonly name: string; readonly kind?: string; readonly at: string };
  readonly service: SourceResult<ServiceSnapshot>;
  readonly stoppedTasks: SourceResult<readonly StoppedTask[]>;
  readonly metrics: SourceResult<readonly MetricSeries[]>;
  readonly logs: SourceResult<readonly LogMessageCount[]>;
  /** ECS trouble events already on the incident (failed or rolled-back deployments), oldest first. */
  readonly ecsEvents?: ReadonlyArray<{
    readonly eventName: string;
    readonly at: string;
    readonly reason?: string;
    readonly deploymentId?: string;
  }>;
  /** For a service with no ECS part: the alarm's own metric instead of the ECS and load balancer ones. */
  readonly alarmMetric?: SourceResult<AlarmMetricSeries>;
}

export type FindingSource = 'alarm' | 'ecs' | 'deployment' | 'tasks' | 'metrics' | 'logs';

export interface Finding {
  readonly source: FindingSource;
  readonly summary: string;
  /** True when the source could not be read; `summary` says why. */
  readonly unavailable?: boolean;
  readonly evidence?: Readonly<Record<string, unknown>>;
}

/**
 * What automation can do. `custom` is a remediation action of the config (`actions`, issue 15) that
 * the service's playbook names for the diagnosis and severity; the diagnosis itself never recommends it.
 */
export const PLAYBOOKS = ['rollback', 'restart', 'scale-out', 'page-only', 'custom'] as const;
export type Playbook = (typeof PLAYBOOKS)[number];

/** The causes a diagnosis can name (a service's playbook maps them to custom actions). */
export const SUSPECTED_CAUSES = [
  'bad-deployment',
  'crash-loop',
  'memory-leak',
  'resource-exhaustion',
  'dependency',
  'unknown',
] as const;
export type SuspectedCause = (typeof SUSPECTED_CAUSES)[number];

export interface Diagnosis {
  readonly findings: readonly Finding[];
  readonly suspectedCause: SuspectedCause;
  readonly recommended: Playbook;
  /** For `rollback`: the revision to return to, one whose deployment completed healthy. */
  readonly rollbackTo?: string;
  /** For `scale-out`: the desired count to ask for (within the configured maximum). */
  readonly scaleTo?: number;
  /** For `custom`: the name of the configured action the service's playbook names. */
  readonly action?: string;
  /** Automation may only raise severity; the workflow applies it through changeSeverity. */
  readonly severitySuggestion?: { readonly severity: Severity; readonly reason: string };
  /** One line for pages: what was found and what is recommended. */
  readonly summary: string;
}

/** What the guardrails know when automation is about to act. */
export interface GuardrailState {
  readonly automationEnabled: boolean;
  /** The kill switch's value; false stops every automatic action without a deploy. */
  readonly killSwitchAllowsActions: boolean;
  readonly allowlisted: boolean;
  readonly dryRun: boolean;
  readonly actionsThisIncident: number;
  readonly maxActionsPerIncident: number;
  readonly actionsLastHourForService: number;
  readonly maxActionsPerHour: number;
  /** When automation last acted on this service (any incident), for the cooldown. */
  readonly lastActionAt?: string;
  readonly cooldownMinutes: number;
  readonly approvalRequired: boolean;
  /** For scale-out: the configured maximum desired count; undefined = never scale out. */
  readonly maxDesiredCount?: number;
}

export const DECISION_VERDICTS = ['act', 'dry-run', 'needs-approval', 'refused', 'page-only'] as const;
export type DecisionVerdict = (typeof DECISION_VERDICTS)[number];

export interface Decision {
  readonly verdict: DecisionVerdict;
  readonly playbook: Playbook;
  /** Why, in words for the timeline: every decision, taken or refused, is recorded with this. */
  readonly reason: string;
  readonly rollbackTo?: string;
  readonly scaleTo?: number;
  /** For `custom`: the configured action's name. */
  readonly action?: string;
}
