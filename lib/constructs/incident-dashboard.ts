import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { dashboardConsoleUrl, INCIDENT_METRICS } from '../../lambdas/contract/metrics-design';
import { SEVERITIES } from '../../lambdas/domain/severity';

export interface IncidentDashboardProps {
  /** The dashboard's name (letters, digits, `-` and `_`), e.g. `${stackName}-incidents`. */
  readonly dashboardName: string;
  /** The product's state machines by label (lifecycle, escalation, post-mortem): their executions are charted. */
  readonly stateMachines: Readonly<Record<string, sfn.IStateMachine>>;
  /** The product's functions by label: errors, throttles and p95 duration are charted. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The dead-letter queues by label: visible messages are charted. @default none */
  readonly deadLetterQueues?: Readonly<Record<string, sqs.IQueue>>;
  /** The bin of the incident numbers (MTTA, MTTR, counts). @default Duration.days(1) */
  readonly incidentPeriod?: Duration;
  /** The bin of the workflow health metrics. @default Duration.minutes(5) */
  readonly healthPeriod?: Duration;
  /** The time range the dashboard opens on. @default Duration.days(14) */
  readonly defaultInterval?: Duration;
}

const DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const { namespace: NAMESPACE, dimensions: DIMENSIONS, names: NAMES } = INCIDENT_METRICS;
/** CloudWatch SEARCH schemas: the per-severity metrics and the per-service-and-severity ones. */
const BY_SEVERITY = `{${NAMESPACE},${DIMENSIONS.severity}}`;
const BY_SERVICE = `{${NAMESPACE},${DIMENSIONS.service},${DIMENSIONS.severity}}`;
/** A CloudWatch dynamic label: each series found by SEARCH is named after its own dimensions. */
const SERVICE_LABEL = `\${PROP('Dim.${DIMENSIONS.service}')} \${PROP('Dim.${DIMENSIONS.severity}')}`;

/**
 * One CloudWatch dashboard of the incidents and of the product itself: how fast incidents are
 * acknowledged, mitigated and resolved per severity; how many open, by severity and by service; who
 * resolved them; what was suppressed; post-mortem reminders; and the health of every state machine,
 * function and dead-letter queue. The incident numbers are the embedded-metric-format metrics the
 * lifecycle function emits (`INCIDENT_METRICS`), each under {Service, Severity} and {Severity} alone:
 * per-severity charts read the latter, per-service charts SEARCH the former, so a new service needs
 * no redeploy to appear.
 */
export class IncidentDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: IncidentDashboardProps) {
    super(scope, id);
    const incidentPeriod = props.incidentPeriod ?? Duration.days(1);
    const healthPeriod = props.healthPeriod ?? Duration.minutes(5);
    const problems: string[] = [];
    if (!DASHBOARD_NAME.test(props.dashboardName)) {
      problems.push(
        `dashboardName ${JSON.stringify(props.dashboardName)} must be 1-255 letters, digits, - or _`,
      );
    }
    if (Object.keys(props.stateMachines).length === 0) problems.push('needs at least one state machine');
    if (incidentPeriod.toSeconds() < 60 || incidentPeriod.toSeconds() % 60 !== 0) {
      problems.push('incidentPeriod must be a whole number of minutes');
    }
    if (healthPeriod.toSeconds() < 60 || healthPeriod.toSeconds() % 60 !== 0) {
      problems.push('healthPeriod must be a whole number of minutes');
    }
    if (problems.length > 0) throw new Error(`IncidentDashboard: ${problems.join('; ')}`);
    this.dashboardName = props.dashboardName;
    const seconds = incidentPeriod.toSeconds();

    /** The average of `metricName` per severity, in minutes (the {Severity} dimension set). */
    const perSeverity = (metricName: string, statistic: string) =>
      SEVERITIES.map(
        (severity) =>
          new cloudwatch.Metric({
            namespace: NAMESPACE,
            metricName,
            dimensionsMap: { [DIMENSIONS.severity]: severity },
            statistic,
            period: incidentPeriod,
            label: severity,
          }),
      );
    /** One series per service and severity found by SEARCH, labelled with both. */
    const perService = (metricName: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('${BY_SERVICE} MetricName="${metricName}"', 'Sum', ${seconds})`,
        period: incidentPeriod,
        label: SERVICE_LABEL,
      });
    /** The sum over every severity: one series. */
    const total = (metricName: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SUM(SEARCH('${BY_SEVERITY} MetricName="${metricName}"', 'Sum', ${seconds}))`,
        period: incidentPeriod,
        label,
      });
    const minutes: cloudwatch.YAxisProps = { label: 'minutes', showUnits: false, min: 0 };
    const count: cloudwatch.YAxisProps = { label: 'incidents', showUnits: false, min: 0 };
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      extra: Partial<cloudwatch.GraphWidgetProps> = {},
    ) => new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: props.defaultInterval ?? Duration.days(14),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        width: 24,
        height: 5,
        markdown: [
          '# Incidents',
          `Incident numbers come from the lifecycle function (namespace \`${NAMESPACE}\`), binned by ${incidentPeriod.toHumanString()}, all times in minutes from detection (the first alarm):`,
          `**MTTA** is the mean time to the first acknowledgement (\`${NAMES.timeToAcknowledge}\`), **time to mitigate** to the first mitigation by automation or a person (\`${NAMES.timeToMitigate}\`), **MTTR** to resolution (\`${NAMES.timeToResolve}\`), each averaged per severity.`,
          `**Resolved by** counts who ended it: automation acted, a person acted, or the alarm recovered on its own. **Suppressed** counts alarms recorded during a silence or maintenance window (nobody paged). **Post-mortem reminders** are the reminders sent to owners of overdue post-mortems.`,
          `**Workflow health** (binned by ${healthPeriod.toHumanString()}) is the product itself: failed, timed-out or throttled executions, function errors and throttles, and dead letters also raise the operators alarms.`,
        ].join('\n\n'),
      }),
    );
    this.dashboard.addWidgets(
      graph('MTTA: time to acknowledge (avg)', perSeverity(NAMES.timeToAcknowledge, 'Average'), {
        leftYAxis: minutes,
      }),
      graph('Time to mitigate (avg)', perSeverity(NAMES.timeToMitigate, 'Average'), { leftYAxis: minutes }),
      graph('MTTR: time to resolve (avg)', perSeverity(NAMES.timeToResolve, 'Average'), {
        leftYAxis: minutes,
      }),
    );
    this.dashboard.addWidgets(
      graph('Incidents opened by severity', perSeverity(NAMES.opened, 'Sum'), {
        stacked: true,
        leftYAxis: count,
      }),
      graph('Incidents opened by service and severity', [perService(NAMES.opened)], {
        stacked: true,
        leftYAxis: count,
      }),
      graph(
        'Resolved by',
        [
          total(NAMES.resolvedByAutomation, 'automation'),
          total(NAMES.resolvedByHuman, 'a person'),
          total(NAMES.resolvedOnItsOwn, 'on its own'),
        ],
        { stacked: true, leftYAxis: count },
      ),
    );
    this.dashboard.addWidgets(
      graph('Suppressed (silence or maintenance) by service', [perService(NAMES.suppressed)], {
        stacked: true,
        leftYAxis: count,
      }),
      graph('Post-mortem reminders by severity', perSeverity(NAMES.postMortemReminders, 'Sum'), {
        stacked: true,
        leftYAxis: { label: 'reminders', showUnits: false, min: 0 },
      }),
      graph('Incidents resolved by severity', perSeverity(NAMES.resolved, 'Sum'), {
        stacked: true,
        leftYAxis: count,
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ width: 24, height: 1, markdown: '## Workflow health' }),
    );
    const period = healthPeriod;
    const machines = Object.entries(props.stateMachines).map(([label, machine]) =>
      graph(`${label} executions`, [
        machine.metricStarted({ period, label: 'started' }),
        machine.metricSucceeded({ period, label: 'succeeded' }),
        machine.metricFailed({ period, label: 'failed' }),
        machine.metricTimedOut({ period, label: 'timed out' }),
        machine.metricThrottled({ period, label: 'throttled' }),
      ]),
    );
    const functions = Object.entries(props.functions);
    const queues = Object.entries(props.deadLetterQueues ?? {});
    this.dashboard.addWidgets(
      ...machines,
      graph(
        'Function errors and throttles',
        functions.flatMap(([label, fn]) => [
          fn.metricErrors({ period, label: `${label} errors` }),
          fn.metricThrottles({ period, label: `${label} throttles` }),
        ]),
      ),
      graph(
        'Function duration p95',
        functions.map(([label, fn]) => fn.metricDuration({ period, statistic: 'p95', label })),
        { leftYAxis: { label: 'ms', showUnits: false, min: 0 } },
      ),
      ...(queues.length > 0
        ? [
            graph(
              'Dead letters (visible messages)',
              queues.map(([label, queue]) =>
                queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label }),
              ),
            ),
          ]
        : []),
    );
  }

  /** The dashboard in the CloudWatch console of the stack's region. */
  get consoleUrl(): string {
    return dashboardConsoleUrl(this.dashboardName, Stack.of(this).region);
  }
}
