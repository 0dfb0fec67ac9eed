/**
 * Severity levels and their classification by a matrix of rules (DEFAULT_SEVERITY_RULES unless the
 * deployment config sets its own).
 *
 * Pure: no SDK, no env, no clock. The rules are data so a team can express its own matrix, with its
 * own thresholds, in the deployment config.
 */

export const SEVERITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Numbers a signal or a diagnosis can carry; each rule compares one of them. */
export const SIGNAL_METRICS = [
  'errorRatePercent',
  'p95LatencyMs',
  'runningTasks',
  'cpuPercent',
  'memoryPercent',
] as const;
export type SignalMetric = (typeof SIGNAL_METRICS)[number];

/** Impacts the severity matrix names rather than measures ("data loss", "cosmetic issue"). */
export const IMPACTS = [
  'service-down',
  'data-loss',
  'security-breach',
  'component-failure',
  'non-critical-feature',
  'cosmetic',
  'optimization',
  'documentation',
] as const;
export type Impact = (typeof IMPACTS)[number];

export const COMPARISONS = ['>', '>=', '<', '<='] as const;
export type Comparison = (typeof COMPARISONS)[number];

export interface MetricCondition {
  readonly metric: SignalMetric;
  readonly op: Comparison;
  readonly value: number;
}

/** One line of a severity matrix: `severity` applies when the metric condition or one of the impacts holds. */
export interface SeverityRule {
  readonly severity: Severity;
  readonly when: MetricCondition | { readonly impact: readonly Impact[] };
  /** Shown on the timeline when the rule decides, e.g. "error rate above 10%". */
  readonly reason: string;
}

/**
 * The default matrix: P1 when the service is down, data is lost or security breached; P2 above 10 %
 * errors or 500 ms p95, or one component failed; P3 from 1 % errors or 50 ms p95, or a non-critical
 * feature unavailable; P4 when no user is affected. Where the matrix's ranges leave a gap (errors
 * 5-10 %, latency 200-500 ms), the lower level applies.
 */
export const DEFAULT_SEVERITY_RULES: readonly SeverityRule[] = [
  {
    severity: 'P1',
    when: { impact: ['service-down', 'data-loss', 'security-breach'] },
    reason: 'service down, data loss or security breach',
  },
  {
    severity: 'P1',
    when: { metric: 'runningTasks', op: '<=', value: 0 },
    reason: 'no running tasks: service down',
  },
  {
    severity: 'P1',
    when: { metric: 'errorRatePercent', op: '>=', value: 95 },
    reason: 'error rate about 100%: service down',
  },
  {
    severity: 'P2',
    when: { metric: 'errorRatePercent', op: '>', value: 10 },
    reason: 'error rate above 10%',
  },
  {
    severity: 'P2',
    when: { metric: 'p95LatencyMs', op: '>', value: 500 },
    reason: 'p95 latency above 500 ms',
  },
  { severity: 'P2', when: { impact: ['component-failure'] }, reason: 'a single component failed' },
  {
    severity: 'P3',
    when: { metric: 'errorRatePercent', op: '>=', value: 1 },
    reason: 'error rate 1% or more',
  },
  {
    severity: 'P3',
    when: { metric: 'p95LatencyMs', op: '>=', value: 50 },
    reason: 'p95 latency 50 ms or more',
  },
  {
    severity: 'P3',
    when: { impact: ['non-critical-feature'] },
    reason: 'a non-critical feature is unavailable',
  },
  {
    severity: 'P4',
    when: { impact: ['cosmetic', 'optimization', 'documentation'] },
    reason: 'no user impact',
  },
];

/** What is known about an incident when its severity is judged: the alarm's signal, later the diagnosis. */
export interface SeverityEvidence {
  readonly metrics?: Partial<Record<SignalMetric, number>>;
  readonly impacts?: readonly Impact[];
}

export interface SeverityJudgement {
  readonly severity: Severity;
  /** The rule that decided, or undefined when the floor (the configured severity) stood. */
  readonly rule?: SeverityRule;
  readonly reason: string;
}

/** P1 is the highest; a lower rank is more severe. */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export const isMoreSevere = (a: Severity, than: Severity): boolean => severityRank(a) < severityRank(than);

export const mostSevere = (a: Severity, b: Severity): Severity => (isMoreSevere(b, a) ? b : a);

const compare = (actual: number, op: Comparison, value: number): boolean => {
  switch (op) {
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
  }
};

const ruleMatches = (rule: SeverityRule, evidence: SeverityEvidence): boolean => {
  if ('impact' in rule.when) {
    const impacts = evidence.impacts ?? [];
    return rule.when.impact.some((i) => impacts.includes(i));
  }
  const actual = evidence.metrics?.[rule.when.metric];
  return actual !== undefined && Number.isFinite(actual) && compare(actual, rule.when.op, rule.when.value);
};

/**
 * Judges severity from evidence. `floor` is the severity configured for the alarm (or the current
 * severity): the evidence may raise it, never lower it, because automation may only raise.
 * Rules are tried most severe first, so their order in the config does not matter.
 */
export const classifySeverity = (
  evidence: SeverityEvidence,
  floor: Severity,
  rules: readonly SeverityRule[] = DEFAULT_SEVERITY_RULES,
): SeverityJudgement => {
  const ordered = [...rules].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  const rule = ordered.find((r) => ruleMatches(r, evidence));
  if (rule && isMoreSevere(rule.severity, floor)) {
    return { severity: rule.severity, rule, reason: rule.reason };
  }
  return {
    severity: floor,
    reason: rule
      ? `kept ${floor}: evidence alone says ${rule.severity} (${rule.reason})`
      : `configured ${floor}`,
  };
};
