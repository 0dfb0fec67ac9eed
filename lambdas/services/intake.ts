/**
 * Alarm intake: any event shape CloudWatch delivers -> validated alarm state changes -> the incident
 * of their dedup key. Malformed input is a `rejected` outcome with the reason, never a crash; an alarm
 * that maps to no configured service opens an incident at the default severity unless configured to
 * be ignored, or unless it is of a family left out by default (target-tracking alarms, the stack's own
 * operator alarms), which the EventBridge rule already drops but an SNS topic or a Lambda alarm action
 * still delivers; an OK that resolves an incident resumes the workflow waiting for recovery.
 */

import * as z from 'zod/mini';
import type { IncidentMetricsSink } from '../adapters/incident-metrics';
import type { WorkflowCallbacks } from '../adapters/workflow-callbacks';
import { isStaleToken } from '../adapters/workflow-callbacks';
import type { AlarmTarget } from '../contract/alarm-index';
import type { DeploymentConfig } from '../contract/config-schema';
import { IncidentError, ValidationError } from '../domain/errors';
import type { AlarmSignal, Incident, Suppression } from '../domain/incident';
import { type RouteDecision, type RoutingInput, routeWithTags, type TagLookup } from '../domain/routing';
import { classifySeverity, SEVERITIES } from '../domain/severity';
import { type AlarmStateChange, parseAlarmEvent } from '../intake/alarm-event';
import { isEcsEvent } from '../intake/ecs-event';
import type { AlarmToRecord, IncidentService, RecordOutcome } from './incident-service';
import { intakeEcsEvent } from './intake-ecs';

export type IntakeOutcome = RecordOutcome | 'rejected';

/** What the intake tells the workflow (and `incident replay`): small, JSON, no raw event. */
export interface IntakeResult {
  readonly outcome: IntakeOutcome;
  readonly reason: string;
  readonly incidentId?: string;
  readonly severity?: string;
  /** The incident's status after this event. */
  readonly status?: string;
  readonly service?: string;
  readonly alarmName?: string;
  /** Set when the incident was recorded while its service is silenced: the workflow waits until then. */
  readonly suppressedUntil?: string;
}

export interface IntakeDeps {
  readonly incidents: IncidentService;
  readonly callbacks: WorkflowCallbacks;
  readonly config: RoutingInput & Pick<DeploymentConfig, 'severityRules' | 'ecsEvents'>;
  readonly alarms: ReadonlyMap<string, AlarmTarget>;
  /** The open incidents of a service: an ECS event goes on the newest. */
  readonly openIncidents: (service: string) => Promise<readonly Incident[]>;
  /** The alarm's tags, for rules that route on them (cached by the adapter). @default none are read */
  readonly alarmTags?: (alarmArn: string | undefined) => Promise<TagLookup>;
  /** The silence or maintenance window covering `service` at `at`, if any. @default nothing is ever silenced */
  readonly suppressionFor?: (service: string, at: Date) => Promise<Suppression | undefined>;
  readonly metrics?: Pick<IncidentMetricsSink, 'incidentSuppressed'>;
}

const KIND_TITLES: Readonly<Record<AlarmTarget['kind'], string>> = {
  errorRate: 'error rate high',
  p95Latency: 'p95 latency high',
  tasksBelowDesired: 'running tasks below desired',
  cpu: 'CPU high',
  memory: 'memory high',
};

/** Service name used for alarms that map to no configured service. */
export const UNMAPPED_SERVICE = 'unmapped';

/** Routes a state change, reading the alarm's tags only when a rule needs them. */
export const routeChange = (
  change: AlarmStateChange,
  deps: Pick<IntakeDeps, 'config' | 'alarms' | 'alarmTags'>,
): Promise<RouteDecision> =>
  routeWithTags(deps.config, deps.alarms, change, () =>
    deps.alarmTags ? deps.alarmTags(change.alarmArn) : { ok: false, reason: 'this intake reads no tags' },
  );

/** Maps a state change to what the store records, or a reason to ignore it. */
export const toAlarmToRecord = async (
  change: AlarmStateChange,
  deps: Pick<IntakeDeps, 'config' | 'alarms' | 'alarmTags'>,
): Promise<AlarmToRecord | { ignored: string }> => {
  if (change.state === 'INSUFFICIENT_DATA')
    return { ignored: `${change.alarmName}: INSUFFICIENT_DATA is not an incident signal` };
  const route = await routeChange(change, deps);
  if (route.action === 'ignore') return { ignored: ignoredReason(change.alarmName, route) };
  const target = route.watched;
  const service = route.service ?? UNMAPPED_SERVICE;
  const metric = singleMetric(change);
  const signal: AlarmSignal = {
    alarmName: change.alarmName,
    state: change.state,
    at: change.at,
    reason: change.reason,
    service,
    ...(change.account ? { account: change.account } : {}),
    ...(change.region ? { region: change.region } : {}),
    ...(metric ? { metric } : {}),
  };
  const floor = route.severity ?? deps.config.routing.default.severity;
  const judged = classifySeverity({}, floor, deps.config.severityRules);
  return {
    signal,
    severity: judged.severity,
    severityReason: target
      ? `${judged.reason} for ${change.alarmName}`
      : route.rule
        ? `${change.alarmName} routed by rule ${route.matched.join(' + ')}: ${floor}`
        : `${change.alarmName} matched no routing rule: default severity ${floor}`,
    title: target
      ? `${target.serviceName} ${KIND_TITLES[target.kind]}`
      : `${service}: ${change.alarmName} in ALARM`,
    ...(route.runbookUrl ? { runbookUrl: route.runbookUrl } : {}),
  };
};

const ignoredReason = (alarmName: string, route: RouteDecision): string => {
  if (route.rule?.startsWith('builtin:')) return route.why.join('; ');
  return route.rule
    ? `${alarmName} is ignored by routing rule ${route.rule}`
    : `${alarmName} matched no routing rule, and routing.default.action is ignore`;
};

/** The alarm's one metric, for diagnosis to read; none for metric math and composite alarms. */
const singleMetric = (change: AlarmStateChange): AlarmSignal['metric'] => {
  const [only, ...more] = change.metrics;
  if (!only || more.length > 0 || !only.namespace || !only.name || change.composite) return undefined;
  return { namespace: only.namespace, name: only.name, dimensions: change.dimensions };
};

const rejection = (error: unknown): IntakeResult | undefined =>
  error instanceof ValidationError ? { outcome: 'rejected', reason: error.message } : undefined;

/**
 * A person declares an incident (the seeds' "user reports" path): `incident declare` sends this
 * event to the workflow, so a declared incident gets the same lifecycle as an alarmed one. Its `id`
 * makes a redelivery join the same incident.
 */
export const DECLARATION_SOURCE = 'incident-response.cli';
export const declarationSchema = z.object({
  source: z.literal(DECLARATION_SOURCE),
  'detail-type': z.literal('Incident Declared'),
  id: z.string().check(z.minLength(1)),
  time: z.iso.datetime(),
  detail: z.object({
    service: z.string().check(z.minLength(1)),
    severity: z.enum(SEVERITIES),
    title: z.string().check(z.minLength(1), z.maxLength(200)),
    by: z.string().check(z.minLength(1)),
  }),
});
export type Declaration = z.infer<typeof declarationSchema>;

export const declarationEvent = (input: Declaration['detail'] & { id: string; at: Date }): Declaration => ({
  source: DECLARATION_SOURCE,
  'detail-type': 'Incident Declared',
  id: input.id,
  time: input.at.toISOString(),
  detail: { service: input.service, severity: input.severity, title: input.title, by: input.by },
});

const intakeDeclaration = async (declaration: Declaration, deps: IntakeDeps): Promise<IntakeResult> => {
  const { service, severity, title, by } = declaration.detail;
  const runbookUrl = [...deps.alarms.values()].find((a) => a.serviceName === service)?.runbookUrl;
  const recorded = await deps.incidents.recordAlarm({
    signal: { alarmName: `declared:${declaration.id}`, state: 'ALARM', at: declaration.time, service },
    severity,
    severityReason: `declared ${severity} by ${by}`,
    title,
    declaredBy: by,
    ...(runbookUrl ? { runbookUrl } : {}),
  });
  return {
    outcome: recorded.outcome,
    reason: recorded.reason,
    service,
    ...(recorded.incidentId ? { incidentId: recorded.incidentId } : {}),
    ...(recorded.incident ? { severity: recorded.incident.severity, status: recorded.incident.status } : {}),
  };
};

/**
 * Records every alarm change an event carries. An event with several (a Lambda SNS batch) reports
 * the most consequential outcome; each change is recorded on its own.
 */
export const intakeEvent = async (event: unknown, deps: IntakeDeps): Promise<IntakeResult> => {
  const declaration = declarationSchema.safeParse(event);
  if (declaration.success) return intakeDeclaration(declaration.data, deps);
  if (isEcsEvent(event)) return intakeEcsEvent(event, deps);
  let parsed: ReturnType<typeof parseAlarmEvent>;
  try {
    parsed = parseAlarmEvent(event);
  } catch (error) {
    const rejected = rejection(error);
    if (rejected) return rejected;
    throw error;
  }
  const results: IntakeResult[] = [];
  for (const item of parsed) {
    if (item.kind === 'ignored') {
      results.push({ outcome: 'ignored', reason: item.reason });
      continue;
    }
    results.push(await intakeChange(item.change, deps));
  }
  return mostConsequential(results);
};

const intakeChange = async (change: AlarmStateChange, deps: IntakeDeps): Promise<IntakeResult> => {
  const mapped = await toAlarmToRecord(change, deps);
  if ('ignored' in mapped) return { outcome: 'ignored', reason: mapped.ignored, alarmName: change.alarmName };
  // Looked up before recording, so the incident is created already suppressed (one write).
  const suppression =
    mapped.signal.state === 'ALARM' && deps.suppressionFor
      ? await deps.suppressionFor(mapped.signal.service, new Date(change.at))
      : undefined;
  let recorded: Awaited<ReturnType<IncidentService['recordAlarm']>>;
  try {
    recorded = await deps.incidents.recordAlarm({ ...mapped, ...(suppression ? { suppression } : {}) });
  } catch (error) {
    const rejected = rejection(error);
    if (rejected) return { ...rejected, alarmName: change.alarmName };
    throw error;
  }
  const suppressed =
    (recorded.outcome === 'opened' || recorded.outcome === 'reopened') && recorded.incident?.suppressed
      ? recorded.incident.suppressed
      : undefined;
  if (suppressed && recorded.incident) deps.metrics?.incidentSuppressed(recorded.incident);
  const token = recorded.incident?.recoveryToken;
  if (recorded.outcome === 'resolved' && token) {
    try {
      await deps.callbacks.succeed(token, {
        recovered: true,
        incidentId: recorded.incidentId,
        at: change.at,
      });
    } catch (error) {
      // The waiting step already ended (timed out, or its execution was stopped): the incident is
      // resolved in the record either way, which is what the resolve step reads.
      if (!isStaleToken(error))
        throw new IncidentError(`could not resume the workflow of ${recorded.incidentId}`, { cause: error });
    }
  }
  return {
    outcome: recorded.outcome,
    reason: recorded.reason,
    alarmName: change.alarmName,
    service: mapped.signal.service,
    ...(recorded.incidentId ? { incidentId: recorded.incidentId } : {}),
    ...(recorded.incident ? { severity: recorded.incident.severity, status: recorded.incident.status } : {}),
    ...(suppressed ? { suppressedUntil: suppressed.until } : {}),
  };
};

const PRECEDENCE: readonly IntakeOutcome[] = [
  'opened',
  'reopened',
  'resolved',
  'updated',
  'duplicate',
  'ignored',
  'rejected',
];

const mostConsequential = (results: IntakeResult[]): IntakeResult => {
  const sorted = [...results].sort((a, b) => PRECEDENCE.indexOf(a.outcome) - PRECEDENCE.indexOf(b.outcome));
  return sorted[0] ?? { outcome: 'ignored', reason: 'the event carried no alarm state change' };
};
