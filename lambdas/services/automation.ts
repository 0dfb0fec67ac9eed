/**
 * The automated part of the lifecycle: gather evidence and diagnose (the seeds' investigation
 * checklists), decide under the guardrails, act on ECS (roll back, restart, scale out), and verify
 * recovery. Every decision, taken or refused, goes on the timeline with its reason; each evidence
 * source fails on its own, so a denied or slow API is a finding, never a failed diagnosis.
 */

import type { IncidentStore } from '../adapters/incident-store';
import type { AlarmTarget } from '../contract/alarm-index';
import type { DeploymentConfig, ServiceConfig } from '../contract/config-schema';
import { withPlaybook } from '../domain/custom-actions';
import { diagnose } from '../domain/diagnosis';
import { IncidentNotFoundError } from '../domain/errors';
import type {
  AlarmMetricSeries,
  Decision,
  Diagnosis,
  Evidence,
  GuardrailState,
  LogMessageCount,
  MetricSeries,
  ServiceSnapshot,
  SourceResult,
  StoppedTask,
} from '../domain/evidence';
import { type Actor, advance, appendEntries, changeSeverity, type Incident } from '../domain/incident';
import type { AlarmMetric } from '../domain/incident-record';
import { isOpen } from '../domain/lifecycle';
import { decide } from '../domain/playbooks';
import type { CustomActionPorts } from './custom-actions';
import type { IncidentService } from './incident-service';

/** What automation needs of ECS; `EcsAdapter` implements it over the SDK, the sandbox over its simulation. */
export interface EcsApi {
  describeService(cluster: string, service: string): Promise<ServiceSnapshot>;
  stoppedTasks(cluster: string, service: string, limit?: number): Promise<StoppedTask[]>;
  rollback(cluster: string, service: string, taskDefinition: string): Promise<unknown>;
  restart(cluster: string, service: string): Promise<unknown>;
  scale(cluster: string, service: string, desiredCount: number): Promise<unknown>;
  isSteady(cluster: string, service: string): Promise<{ steady: boolean; reason: string }>;
}

export interface MetricsApi {
  serviceMetrics(query: {
    cluster: string;
    service: string;
    loadBalancer?: { loadBalancer: string; targetGroup: string };
    from: Date;
    to: Date;
    periodSeconds: number;
  }): Promise<MetricSeries[]>;
  alarmMetric(query: {
    metric: AlarmMetric;
    from: Date;
    to: Date;
    periodSeconds: number;
  }): Promise<AlarmMetricSeries>;
}

export interface LogsApi {
  topErrors(logGroup: string, from: Date, to: Date, limit?: number): Promise<LogMessageCount[]>;
}

export interface KillSwitchApi {
  allowsActions(): Promise<boolean>;
}

export type AutomationConfig = Pick<
  DeploymentConfig,
  'automation' | 'severityRules' | 'services' | 'otherServices' | 'verification' | 'actions'
>;

export interface AutomationDeps {
  readonly incidents: IncidentService;
  readonly store: IncidentStore;
  readonly ecs: EcsApi;
  readonly metrics: MetricsApi;
  readonly logs: LogsApi;
  readonly killSwitch: KillSwitchApi;
  readonly config: AutomationConfig;
  readonly alarms: ReadonlyMap<string, AlarmTarget>;
  readonly clock: () => Date;
  /** Upper bound of one evidence source, in ms. @default 8000 */
  readonly sourceTimeoutMs?: number;
  /** What the config's custom actions run through. @default none: a custom action fails, naming this */
  readonly actions?: CustomActionPorts;
}

/** The actor of every entry automation writes. */
export const AUTOMATION: Actor = { type: 'automation', name: 'automation' };
/** How far back diagnostics look before the alarm. */
const LOOKBACK_MINUTES = 60;

export const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** Runs one evidence source, bounded in time; a failure or a timeout is a reason, not an exception. */
const source = async <T>(
  work: () => Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<SourceResult<T>> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, reason: errorText(error) };
  } finally {
    clearTimeout(timer);
  }
};

/** The incident, or IncidentNotFoundError. */
export const load = async (deps: AutomationDeps, id: string): Promise<Incident> => {
  const incident = await deps.store.getIncident(id);
  if (!incident) throw new IncidentNotFoundError(`no incident ${id}`);
  return incident;
};

/** The incident's watched service, when it is one. */
export const serviceOf = (deps: AutomationDeps, incident: Incident): ServiceConfig | undefined =>
  deps.config.services.find((s) => s.name === incident.service);

/** The evidence around the incident's alarm; every source independent of the others. */
export const gatherEvidence = async (deps: AutomationDeps, incident: Incident): Promise<Evidence> => {
  const svc = serviceOf(deps, incident);
  const target = deps.alarms.get(incident.alarmName);
  const alarm = {
    name: incident.alarmName,
    at: incident.lastAlarmAt,
    ...(target ? { kind: target.kind } : {}),
  };
  const timeout = deps.sourceTimeoutMs ?? 8000;
  const now = deps.clock();
  const from = new Date(Date.parse(incident.lastAlarmAt) - LOOKBACK_MINUTES * 60_000);
  if (!svc) return gatherWithoutEcs(deps, incident, alarm, from, now, timeout);
  const [service, stoppedTasks, metrics, logs] = await Promise.all([
    source(() => deps.ecs.describeService(svc.cluster, svc.service), timeout, 'ECS DescribeServices'),
    source(() => deps.ecs.stoppedTasks(svc.cluster, svc.service), timeout, 'ECS stopped tasks'),
    source(
      () =>
        deps.metrics.serviceMetrics({
          cluster: svc.cluster,
          service: svc.service,
          ...(svc.loadBalancer ? { loadBalancer: svc.loadBalancer } : {}),
          from,
          to: now,
          periodSeconds: 60,
        }),
      timeout,
      'CloudWatch GetMetricData',
    ),
    source(() => deps.logs.topErrors(svc.logGroup, from, now), timeout, 'Logs Insights'),
  ]);
  const ecsEvents = incident.timeline.flatMap((e) =>
    e.kind === 'ecs-event'
      ? [
          {
            eventName: e.details?.eventName ?? 'ECS event',
            at: e.details?.at ?? e.at,
            ...(e.details?.reason ? { reason: e.details.reason } : {}),
            ...(e.details?.deploymentId ? { deploymentId: e.details.deploymentId } : {}),
          },
        ]
      : [],
  );
  return { alarm, service, stoppedTasks, metrics, logs, ...(ecsEvents.length > 0 ? { ecsEvents } : {}) };
};

/**
 * A service with no ECS part (in otherServices, or named by a routing rule): the alarm's own metric
 * and the service's log group, where it has one; ECS, deployments and tasks do not apply.
 */
const gatherWithoutEcs = async (
  deps: AutomationDeps,
  incident: Incident,
  alarm: Evidence['alarm'],
  from: Date,
  now: Date,
  timeout: number,
): Promise<Evidence> => {
  const other = deps.config.otherServices.find((s) => s.name === incident.service);
  const none = {
    ok: false as const,
    reason: other
      ? `${incident.service} has no ECS part`
      : `${incident.alarmName} maps to no watched service (${incident.service})`,
  };
  const metric = incident.alarmMetric;
  const logGroup = other?.logGroup;
  const [alarmMetric, logs] = await Promise.all([
    metric
      ? source(
          () => deps.metrics.alarmMetric({ metric, from, to: now, periodSeconds: 60 }),
          timeout,
          'CloudWatch GetMetricData',
        )
      : Promise.resolve({
          ok: false as const,
          reason: `${incident.alarmName} has no single metric to read (a metric math or composite alarm)`,
        }),
    logGroup
      ? source(() => deps.logs.topErrors(logGroup, from, now), timeout, 'Logs Insights')
      : Promise.resolve({ ok: false as const, reason: `${incident.service} has no log group configured` }),
  ]);
  return { alarm, service: none, stoppedTasks: none, metrics: none, logs, alarmMetric };
};

export interface DiagnoseResult {
  readonly incidentId: string;
  readonly recommended: Diagnosis['recommended'];
  readonly suspectedCause: Diagnosis['suspectedCause'];
  readonly summary: string;
}

/** Investigation: gather, diagnose, and write the findings (and any severity raise) on the timeline. */
export const diagnoseIncident = async (deps: AutomationDeps, incidentId: string): Promise<DiagnoseResult> => {
  const incident = await load(deps, incidentId);
  const evidence = await gatherEvidence(deps, incident);
  const svc = serviceOf(deps, incident);
  const diagnosis = diagnose(evidence, {
    now: deps.clock(),
    deploymentCorrelationMinutes: deps.config.automation.deploymentCorrelationMinutes,
    currentSeverity: incident.severity,
    severityRules: deps.config.severityRules,
    ...(evidence.alarm.kind
      ? { alarmKind: evidence.alarm.kind as NonNullable<Parameters<typeof diagnose>[1]['alarmKind']> }
      : {}),
    ...(svc?.maxDesiredCount ? { maxDesiredCount: svc.maxDesiredCount } : {}),
  });
  await deps.incidents.update(incidentId, (i, at) => {
    let next = advance(i, 'INVESTIGATING', AUTOMATION, at, 'automated diagnostics');
    next = appendEntries(
      next,
      at,
      ...diagnosis.findings.map((f) => ({
        kind: 'diagnosis' as const,
        actor: AUTOMATION,
        summary: `${f.source}: ${f.summary}`,
        details: { source: f.source, ...(f.unavailable ? { unavailable: true } : {}), ...(f.evidence ?? {}) },
      })),
      {
        kind: 'diagnosis',
        actor: AUTOMATION,
        summary: `diagnosis: ${diagnosis.summary}`,
        details: {
          suspectedCause: diagnosis.suspectedCause,
          recommended: diagnosis.recommended,
          ...(diagnosis.rollbackTo ? { rollbackTo: diagnosis.rollbackTo } : {}),
          ...(diagnosis.scaleTo ? { scaleTo: diagnosis.scaleTo } : {}),
        },
      },
    );
    if (diagnosis.severitySuggestion) {
      next = changeSeverity(
        next,
        diagnosis.severitySuggestion.severity,
        AUTOMATION,
        diagnosis.severitySuggestion.reason,
        at,
      );
    }
    return { ...next, diagnosis };
  });
  return {
    incidentId,
    recommended: diagnosis.recommended,
    suspectedCause: diagnosis.suspectedCause,
    summary: diagnosis.summary,
  };
};

export const HOUR = 3_600_000;

/** Decides under the guardrails and records the decision, taken or refused, with its reason. */
export const decideAction = async (
  deps: AutomationDeps,
  incidentId: string,
): Promise<Decision & { incidentId: string }> => {
  const incident = await load(deps, incidentId);
  if (!incident.diagnosis) throw new IncidentNotFoundError(`${incidentId} has no diagnosis to decide on`);
  const now = deps.clock();
  const svc = serviceOf(deps, incident);
  const log = await deps.store.getServiceActions(incident.service);
  const killSwitch = await source(
    () => deps.killSwitch.allowsActions(),
    deps.sourceTimeoutMs ?? 8000,
    'kill switch',
  );
  const auto = deps.config.automation;
  const last = log.actions.at(-1);
  const guardrails: GuardrailState = {
    automationEnabled: auto.enabled,
    killSwitchAllowsActions: killSwitch.ok ? killSwitch.value : false,
    allowlisted: auto.allowlist.includes(incident.service),
    dryRun: auto.dryRun,
    actionsThisIncident: log.actions.filter((a) => a.incidentId === incident.id).length,
    maxActionsPerIncident: auto.maxActionsPerIncident,
    actionsLastHourForService: log.actions.filter((a) => now.getTime() - Date.parse(a.at) < HOUR).length,
    maxActionsPerHour: auto.maxActionsPerHour,
    ...(last ? { lastActionAt: last.at } : {}),
    cooldownMinutes: auto.cooldownMinutes,
    approvalRequired: auto.approvalRequiredFor.includes(incident.severity),
    ...(svc?.maxDesiredCount ? { maxDesiredCount: svc.maxDesiredCount } : {}),
  };
  // The service's playbook may name a custom action for this diagnosis: the same guardrails decide it.
  const diagnosis = withPlaybook(incident.diagnosis, svc?.playbook ?? [], incident.severity);
  const decision = decide(diagnosis, guardrails, now);
  // Said on the decision, since the diagnosis line gives the built-in recommendation it replaces.
  const playbookNote =
    diagnosis === incident.diagnosis
      ? ''
      : ` (${incident.service}'s playbook names ${diagnosis.action} for ${diagnosis.suspectedCause} at ${incident.severity}, in place of ${incident.diagnosis.recommended})`;
  const reason = killSwitch.ok
    ? `${decision.reason}${playbookNote}`
    : `${decision.reason}${playbookNote} (kill switch unreadable: ${killSwitch.reason})`;
  await deps.incidents.update(incidentId, (i, at) =>
    appendEntries(i, at, {
      kind: 'action',
      actor: AUTOMATION,
      summary: `decision: ${decision.verdict} ${decision.playbook}: ${reason}`,
      details: {
        verdict: decision.verdict,
        playbook: decision.playbook,
        ...(decision.rollbackTo ? { rollbackTo: decision.rollbackTo } : {}),
        ...(decision.scaleTo ? { scaleTo: decision.scaleTo } : {}),
        ...(decision.action ? { action: decision.action } : {}),
      },
    }),
  );
  return { ...decision, reason, incidentId };
};

/** One `action` entry on the timeline, by automation. */
export const note = (deps: AutomationDeps, incidentId: string, summary: string) =>
  deps.incidents.update(incidentId, (i, at) =>
    appendEntries(i, at, { kind: 'action', actor: AUTOMATION, summary }),
  );

import type { VerifyOutcome } from '../contract/steps';

export type { VerifyOutcome };

/**
 * One verification check after an action: recovered once ECS is steady and the alarm has held OK for
 * `holdOkMinutes`; failed when that has not happened `timeoutMinutes` after the action started.
 */
export const verify = async (
  deps: AutomationDeps,
  incidentId: string,
  startedAt: string,
): Promise<{ incidentId: string; outcome: VerifyOutcome; reason: string }> => {
  const incident = await load(deps, incidentId);
  const svc = serviceOf(deps, incident);
  const now = deps.clock();
  const { holdOkMinutes, timeoutMinutes } = deps.config.verification;
  const steady = svc
    ? await source(
        () => deps.ecs.isSteady(svc.cluster, svc.service),
        deps.sourceTimeoutMs ?? 8000,
        'ECS steady state',
      )
    : undefined;
  const okSince =
    !isOpen(incident.status) && incident.lastOkAt && incident.lastOkAt > incident.lastAlarmAt
      ? incident.lastOkAt
      : undefined;
  const heldMinutes = okSince ? (now.getTime() - Date.parse(okSince)) / 60_000 : 0;
  const isSteady = steady?.ok === true && steady.value.steady;
  if (isSteady && okSince && heldMinutes >= holdOkMinutes) {
    await note(deps, incidentId, `verified: ECS steady and the alarm OK for ${Math.floor(heldMinutes)} min`);
    return { incidentId, outcome: 'recovered', reason: 'steady and OK' };
  }
  const elapsed = (now.getTime() - Date.parse(startedAt)) / 60_000;
  const state = `${isSteady ? 'ECS steady' : `ECS not steady (${steady?.ok ? steady.value.reason : (steady?.reason ?? 'unknown')})`}, ${okSince ? `alarm OK for ${Math.floor(heldMinutes)} of ${holdOkMinutes} min` : 'alarm not OK'}`;
  if (elapsed >= timeoutMinutes) {
    return {
      incidentId,
      outcome: 'failed',
      reason: `not recovered ${timeoutMinutes} min after the action: ${state}`,
    };
  }
  return { incidentId, outcome: 'waiting', reason: state };
};
