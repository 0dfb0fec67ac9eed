/**
 * Which CloudWatch alarm is which: the names the CDK side gives the alarms it creates, the index the
 * intake looks them up in, and the alarm families the EventBridge rule and the intake both leave out.
 * Zod-free, so the Lambda bundles can import it.
 */

import { type FieldProblem, ValidationError } from '../domain/errors';
import type { Severity } from '../domain/severity';
import { formatPath } from '../domain/validation';
import { ALARM_KINDS, type AlarmKind } from '../domain/vocabulary';
import type { DeploymentConfig } from './config-schema';

const KIND_SLUGS: Readonly<Record<AlarmKind, string>> = {
  errorRate: 'error-rate',
  p95Latency: 'p95-latency',
  tasksBelowDesired: 'tasks-below-desired',
  cpu: 'cpu',
  memory: 'memory',
};

/** The CloudWatch alarm name: the alarm's own `alarmName`, or `${serviceName}-${kind}` in kebab-case. */
export const alarmNameFor = (
  serviceName: string,
  kind: AlarmKind,
  alarm?: { readonly alarmName?: string },
): string => alarm?.alarmName ?? `${serviceName}-${KIND_SLUGS[kind]}`;

/**
 * The services automation may roll back once deployed: allow-listed, with automation enabled and not a
 * dry run (both are read from the bundled config, so changing them takes a deploy). A rollback deploys
 * an earlier task definition, so these are the services whose task roles automation must be able to pass.
 */
export const servicesAutomationMayRollBack = (
  config: Pick<DeploymentConfig, 'automation'>,
): readonly string[] =>
  config.automation.enabled && !config.automation.dryRun ? config.automation.allowlist : [];

/** What the alarm intake needs to turn a configured alarm's state change into an incident. */
export interface AlarmTarget {
  readonly serviceName: string;
  readonly cluster: string;
  readonly service: string;
  readonly logGroup: string;
  readonly kind: AlarmKind;
  readonly severity: Severity;
  /** The alarm's runbook, or the service's when the alarm has none. */
  readonly runbookUrl: string;
}

/**
 * Configured alarms by CloudWatch alarm name. `parseConfig` guarantees unique names and a runbook for
 * every alarm; a config built any other way that breaks either is refused here rather than half-indexed.
 * @throws ValidationError naming every duplicate name and every alarm without a runbook
 */
export const alarmIndex = (config: Pick<DeploymentConfig, 'services'>): ReadonlyMap<string, AlarmTarget> => {
  const index = new Map<string, AlarmTarget>();
  const problems: FieldProblem[] = [];
  config.services.forEach((svc, i) => {
    for (const kind of ALARM_KINDS) {
      const alarm = svc.alarms[kind];
      if (alarm === undefined) continue;
      const path = formatPath(['services', i, 'alarms', kind]);
      const name = alarmNameFor(svc.name, kind, alarm);
      const runbookUrl = alarm.runbookUrl ?? svc.runbookUrl;
      if (index.has(name)) problems.push({ path, message: `alarm name '${name}' is used twice` });
      if (runbookUrl === undefined) problems.push({ path, message: 'has no runbook URL' });
      else {
        const { cluster, service, logGroup } = svc;
        index.set(name, {
          serviceName: svc.name,
          cluster,
          service,
          logGroup,
          kind,
          severity: alarm.severity,
          runbookUrl,
        });
      }
    }
  });
  if (problems.length > 0) throw new ValidationError('Alarm index', problems);
  return index;
};

// --- alarm families the intake leaves out

/**
 * Application Auto Scaling names the alarms of a target-tracking policy `TargetTracking-<resource>-
 * AlarmHigh-<id>` and `...-AlarmLow-<id>`; they change state all day by design, as scaling happens.
 */
export const TARGET_TRACKING_ALARM_PREFIX = 'TargetTracking-';

/** The name of every operator alarm (an alarm on the product itself) of the stack `stackName` starts so. */
export const operatorAlarmPrefix = (stackName: string): string => `${stackName}-operator-`;

/** A family of alarms left out by name prefix, and the config setting that does it. */
export interface IgnoredAlarmFamily {
  /** The built-in routing rule's id, as `incident route explain` names it. */
  readonly id: 'builtin:target-tracking' | 'builtin:operator-alarms';
  readonly prefix: string;
  readonly family: string;
  readonly setting: string;
}

/**
 * The families the intake leaves out, as `routing` turns them on: target-tracking alarms, and
 * the stack's own operator alarms (they page the operators' topic themselves, and an incident about a
 * failing intake would go through that intake). Both the EventBridge rule and the intake read this.
 */
export const ignoredAlarmFamilies = (
  stackName: string,
  settings: { readonly ignoreTargetTracking: boolean; readonly ignoreOperatorAlarms: boolean },
): IgnoredAlarmFamily[] => [
  ...(settings.ignoreTargetTracking
    ? [
        {
          id: 'builtin:target-tracking' as const,
          prefix: TARGET_TRACKING_ALARM_PREFIX,
          family: `an Application Auto Scaling target-tracking alarm (${TARGET_TRACKING_ALARM_PREFIX}*)`,
          setting: 'routing.ignoreTargetTracking',
        },
      ]
    : []),
  ...(settings.ignoreOperatorAlarms
    ? [
        {
          id: 'builtin:operator-alarms' as const,
          prefix: operatorAlarmPrefix(stackName),
          family: `an operator alarm of ${stackName} (${operatorAlarmPrefix(stackName)}*)`,
          setting: 'routing.ignoreOperatorAlarms',
        },
      ]
    : []),
];
