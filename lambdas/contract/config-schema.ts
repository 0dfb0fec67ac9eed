import { z } from 'zod';
import {
  COMPARISONS,
  DEFAULT_SEVERITY_RULES,
  IMPACTS,
  type Severity,
  type SeverityRule,
  SIGNAL_METRICS,
} from '../domain/severity';
import { ALARM_KINDS, type AlarmKind, DEDUP_KEY_PARTS, WEEKDAYS } from '../domain/vocabulary';
import {
  accountIdSchema,
  distinctList,
  httpsUrl,
  regionSchema,
  serviceNameSchema,
  severitySchema,
  tierNameSchema,
} from './config-schema-fields';
import { actionsSchema, playbookSchema, ticketsSchema, webhooksSchema } from './config-schema-integrations';
import { oncallConfigSchema } from './config-schema-oncall';
import {
  contactTierSchema,
  DEFAULT_ESCALATION,
  escalationPolicySchema,
  minutesOrNull,
  perSeverity,
} from './config-schema-paging';
import { ecsEventsSchema, otherServiceSchema, routingSchema } from './config-schema-routing';
import { statusPageConfigSchema } from './config-schema-status-page';

export {
  ALARM_KINDS,
  type AlarmKind,
  DEDUP_KEY_PARTS,
  type DedupKeyPart,
  ESCALATION_TRIGGERS,
  type EscalationTrigger,
  LOAD_BALANCER_ALARM_KINDS,
  WEEKDAYS,
  type Weekday,
} from '../domain/vocabulary';
export { DEFAULT_ESCALATION } from './config-schema-paging';

/**
 * The deployment config: what a DevOps engineer edits to watch services, route pages and bound the
 * automation. Every object is strict, so a misspelt key is an error that names it instead of a setting
 * silently ignored. Omitted settings take the defaults of the runbooks' severity matrix (P1: respond within 15 min, P2:
 * 1 h, P3: 4 h, P4: next business day).
 *
 * Rules that span fields (unique names, tiers and services that exist, a runbook for every alarm, a load
 * balancer for the alarms that read its metrics, an evaluation window CloudWatch accepts) are not here:
 * they run in `parseConfig` beside this schema, so they are reported together with structural problems.
 *
 * The field schemas the parts share are in config-schema-fields.ts; the contact tiers and the escalation
 * policy in config-schema-paging.ts.
 */

/** Alarm settings used when the config leaves them out. */
export const ALARM_DEFAULTS = { evaluationPeriods: 3, periodSeconds: 60 } as const;

/** CloudWatch evaluates an alarm over at most one day: evaluation periods times period. */
export const MAX_ALARM_EVALUATION_SECONDS = 86_400;

const percentThreshold = z
  .number()
  .gt(0, 'must be a percentage above 0')
  .lte(100, 'must be a percentage of at most 100');

const alarmSchema = <T extends z.ZodType<number>>(threshold: T) =>
  z.strictObject({
    /** @default `${serviceName}-${kind in kebab-case}`, e.g. checkout-error-rate */
    alarmName: z
      .string()
      .min(1)
      .max(255)
      .regex(/^\P{Cc}+$/u, 'must not contain control characters')
      .optional(),
    threshold,
    evaluationPeriods: z.int().min(1).max(100).default(ALARM_DEFAULTS.evaluationPeriods),
    periodSeconds: z
      .int()
      .refine(
        (p) => p === 10 || p === 30 || (p >= 60 && p % 60 === 0),
        'must be 10, 30 or a multiple of 60 seconds',
      )
      .default(ALARM_DEFAULTS.periodSeconds),
    severity: severitySchema,
    /** @default the service's runbookUrl (one of the two is required) */
    runbookUrl: httpsUrl.optional(),
  });

const alarmsSchema = z
  .strictObject({
    errorRate: alarmSchema(percentThreshold).optional(),
    p95Latency: alarmSchema(z.number().gt(0, 'must be a latency in milliseconds above 0')).optional(),
    /**
     * Desired minus running tasks, from `ECS/ContainerInsights`: those metrics exist only when
     * Container Insights is on for the service's cluster (`aws ecs update-cluster-settings --cluster C
     * --settings name=containerInsights,value=enabled`), which CloudWatch bills as custom metrics plus
     * the ingestion of its performance logs. Without it the alarm stays INSUFFICIENT_DATA (missing data
     * is treated as missing) and never opens an incident; the synth warns for every service that has it.
     */
    tasksBelowDesired: alarmSchema(
      z.int('must be a whole number of missing tasks').min(1, 'must be at least 1 missing task'),
    ).optional(),
    cpu: alarmSchema(percentThreshold).optional(),
    memory: alarmSchema(percentThreshold).optional(),
  })
  .refine(
    (alarms) => ALARM_KINDS.some((kind) => alarms[kind] !== undefined),
    `needs at least one alarm: ${ALARM_KINDS.join(', ')}`,
  );

const serviceSchema = z.strictObject({
  name: serviceNameSchema,
  /** The ECS cluster name (a name, not an ARN: alarms use it as the ClusterName dimension). */
  cluster: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be an ECS cluster name (letters, digits, hyphens, underscores)'),
  service: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be an ECS service name (letters, digits, hyphens, underscores)'),
  logGroup: z
    .string()
    .regex(/^[\w.\-/#]{1,512}$/, 'must be a CloudWatch Logs log group name such as /ecs/checkout'),
  runbookUrl: httpsUrl.optional(),
  /**
   * The Application Load Balancer target group in front of the service, as CloudWatch names them in the
   * `LoadBalancer` and `TargetGroup` dimensions (the ARN suffixes). The errorRate and p95Latency alarms
   * read its metrics, so they need it.
   * @default none: the service has only ECS alarms
   */
  loadBalancer: z
    .strictObject({
      loadBalancer: z
        .string()
        .regex(
          /^app\/[A-Za-z0-9-]+\/[0-9a-f]+$/,
          'must be an ALB ARN suffix such as app/prod-public/50dc6c495c0c9188',
        ),
      targetGroup: z
        .string()
        .regex(
          /^targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]+$/,
          'must be a target group ARN suffix such as targetgroup/checkout/73e2d6bc24d8a067',
        ),
    })
    .optional(),
  /** The most tasks a scale-out may ask for; without it the service is never scaled out. */
  maxDesiredCount: z.int().min(1).optional(),
  /**
   * The task role and the execution role of the service's task definitions. A rollback deploys an
   * earlier task definition (ECS UpdateService with `taskDefinition`), which passes its roles to ECS,
   * so automation gets `iam:PassRole` on exactly these, for `ecs-tasks.amazonaws.com` only. Find them
   * with `aws ecs describe-task-definition --task-definition FAMILY:REVISION --query
   * 'taskDefinition.[taskRoleArn,executionRoleArn]'`. Restart and scale pass no task definition.
   * @default none: if automation may roll the service back, PassRole is granted on every role of the
   * account (still only to ECS tasks) and the synth warns, naming this field
   */
  taskRoleArns: distinctList(
    z
      .string()
      .regex(
        /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
        'must be an IAM role ARN such as arn:aws:iam::123456789012:role/checkout-task',
      ),
  )
    .min(1)
    .optional(),
  alarms: alarmsSchema,
  /**
   * Custom actions (names in `actions`) to run for a diagnosis and severity instead of the built-in
   * playbook, under the same guardrails (config-schema-integrations.ts). @default none
   */
  playbook: playbookSchema.optional(),
});

const metricConditionSchema = z
  .strictObject({ metric: z.enum(SIGNAL_METRICS), op: z.enum(COMPARISONS), value: z.number() })
  .readonly();
const impactConditionSchema = z
  .strictObject({ impact: z.array(z.enum(IMPACTS)).min(1).readonly() })
  .readonly();

/** One line of a severity matrix, exactly the domain's {@link SeverityRule}. */
export const severityRuleSchema = z
  .strictObject({
    severity: severitySchema,
    when: z.union([metricConditionSchema, impactConditionSchema]),
    reason: z.string().min(1),
  })
  .readonly() satisfies z.ZodType<SeverityRule>;

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * A scheduled maintenance window: once (`from`..`until`, ISO 8601 with a zone) or weekly (`days` at
 * `startUtc` for `durationMinutes`, in UTC). `service` is a configured service, or `*` for all of them.
 */
const maintenanceWindowSchema = z.union([
  z.strictObject({
    service: z.union([serviceNameSchema, z.literal('*')]),
    reason: z.string().min(1).max(200),
    from: z.iso.datetime({ offset: true }),
    until: z.iso.datetime({ offset: true }),
  }),
  z.strictObject({
    service: z.union([serviceNameSchema, z.literal('*')]),
    reason: z.string().min(1).max(200),
    days: distinctList(z.enum(WEEKDAYS)).min(1),
    startUtc: z.string().regex(HH_MM, 'must be a UTC time of day HH:MM, such as 02:00'),
    durationMinutes: z.int().min(1).max(1_440),
  }),
]);

/** The CloudFormation stack name when the config sets none. */
export const DEFAULT_STACK_NAME = 'IncidentResponse';

export const deploymentConfigSchema = z.strictObject({
  stackName: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
      'must start with a letter and hold only letters, digits and hyphens (at most 128 characters)',
    )
    .default(DEFAULT_STACK_NAME),
  env: z
    .strictObject({
      account: accountIdSchema.optional(),
      region: regionSchema.optional(),
    })
    .optional(),
  table: z
    .strictObject({
      removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
      customerManagedKey: z.boolean().default(false),
    })
    .prefault({}),
  services: z.array(serviceSchema).min(1),
  /** Services that are not on ECS (databases, queues, external APIs): routing rules may page for them. */
  otherServices: z.array(otherServiceSchema).default([]),
  /** How alarms the stack did not create find their service, severity and runbook (config-schema-routing.ts). */
  routing: routingSchema,
  ecsEvents: ecsEventsSchema.prefault({}),
  severityRules: z.array(severityRuleSchema).readonly().prefault(DEFAULT_SEVERITY_RULES),
  contacts: z
    .record(tierNameSchema, contactTierSchema)
    .refine((tiers) => Object.keys(tiers).length > 0, 'needs at least one escalation tier, such as on-call'),
  escalation: perSeverity(escalationPolicySchema, DEFAULT_ESCALATION),
  /** People, calendars and rotation schedules that tiers with a `schedule` page (config-schema-oncall.ts). */
  oncall: oncallConfigSchema.optional(),
  statusUpdateMinutes: perSeverity(minutesOrNull, { P1: 60, P2: 240, P3: 1440, P4: null }),
  /**
   * Plan-wait-fire rounds (an escalation step or a status update each) one escalation execution runs
   * before it continues as a new one. At most 1,300: a round writes about 18 events to the execution's
   * history, which Step Functions caps at 25,000. Lower it only to see the hand-over happen in a drill.
   */
  escalationRoundsPerExecution: z.int().min(2).max(1_300).default(1_000),
  responseMinutes: perSeverity(minutesOrNull, { P1: 15, P2: 60, P3: 240, P4: null }),
  automation: z
    .strictObject({
      enabled: z.boolean().default(true),
      dryRun: z.boolean().default(false),
      /** Services automation may change; empty means none. */
      allowlist: distinctList(serviceNameSchema).default([]),
      cooldownMinutes: z.int().min(0).default(15),
      maxActionsPerIncident: z.int().min(1).default(2),
      maxActionsPerHour: z.int().min(1).default(5),
      approvalRequiredFor: distinctList(severitySchema).default([]),
      deploymentCorrelationMinutes: z.int().min(1).default(30),
      /** How long an action that needs approval waits for a person; then no action, and escalation. */
      approvalTimeoutMinutes: z.int().min(1).max(1_440).default(15),
      killSwitchParameterName: z
        .string()
        .max(1011)
        .regex(/^\/[A-Za-z0-9_.\-/]+$/, 'must be an SSM parameter name starting with /')
        .default('/incident-response/automation-enabled'),
    })
    .prefault({}),
  intake: z
    .strictObject({
      /** SNS topics that already carry the team's alarm notifications; each is subscribed to the intake. */
      alarmTopicArns: distinctList(
        z
          .string()
          .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN'),
      ).default([]),
    })
    .prefault({}),
  verification: z
    .strictObject({
      /** How long the workflow waits for the alarm to return to OK before it escalates. */
      recoveryTimeoutMinutes: z.int().min(1).max(10_080).default(60),
      /** After an automatic action: how long the alarm must hold OK (and ECS stay steady) to count as recovered. */
      holdOkMinutes: z.int().min(0).max(1_440).default(3),
      /** After an automatic action: how long to wait for that recovery before escalating as a failed mitigation. */
      timeoutMinutes: z.int().min(1).max(1_440).default(15),
    })
    .prefault({}),
  reopenWindowMinutes: z.int().min(0).default(30),
  dedupKey: distinctList(z.enum(DEDUP_KEY_PARTS)).min(1).default(['service', 'alarm']),
  postMortem: z
    .strictObject({
      requiredFor: distinctList(severitySchema).default(['P1', 'P2']),
      dueHours: z.int().min(1).default(48),
      /** Reminders to the owner: every this many hours after resolution until the post-mortem is done. */
      remindEveryHours: z.int().min(1).max(168).default(24),
      /** The tier reminded about post-mortems. @default the first tier the severity's policy pages */
      ownerTier: tierNameSchema.optional(),
    })
    .prefault({}),
  /** Scheduled maintenance: alarms of these services are recorded on a suppressed incident and page nobody. */
  maintenanceWindows: z.array(maintenanceWindowSchema).default([]),
  silences: z
    .strictObject({
      /** The longest `incident silence --for` accepted: a silence always expires. */
      maxHours: z.int().min(1).max(168).default(24),
    })
    .prefault({}),
  /** One GitHub or Jira ticket per incident of the listed severities (config-schema-integrations.ts). @default no tickets */
  tickets: ticketsSchema.optional(),
  /**
   * Signed deliveries of lifecycle events (opened, acknowledged, escalated, mitigated, resolved,
   * reopened, status update) to HTTPS receivers, through an SQS queue (config-schema-integrations.ts,
   * lib/constructs/webhook-delivery.ts). @default none
   */
  webhooks: webhooksSchema.optional(),
  /** Custom remediation actions by name, which services' playbooks name (config-schema-integrations.ts). @default none */
  actions: actionsSchema.optional(),
  /** The public status page (config-schema-status-page.ts): its components, wording and confirmation. @default no status page */
  statusPage: statusPageConfigSchema.optional(),
});

/** The config after validation, with every default applied. */
export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;
/** The config as written in the JSON file. */
export type DeploymentConfigInput = z.input<typeof deploymentConfigSchema>;

export type ServiceConfig = DeploymentConfig['services'][number];
export type AlarmConfig = NonNullable<ServiceConfig['alarms'][AlarmKind]>;
export type ContactTier = DeploymentConfig['contacts'][string];
export type MaintenanceWindow = DeploymentConfig['maintenanceWindows'][number];
export type EscalationStep = DeploymentConfig['escalation'][Severity]['steps'][number];
