import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { INCIDENT_METRICS } from '../../../lambdas/contract/metrics-design';
import { SEVERITIES } from '../../../lambdas/domain/severity';
import { IncidentDashboard, type IncidentDashboardProps } from '../../../lib/constructs/incident-dashboard';
import { appTemplate } from '../../support/app-template';
import { stubFunction, stubStateMachine } from '../../support/stacks';
import { logicalIdOf, onlyIdOf, refText, stateMachineId, tokensToText } from '../../support/template';

/** A metric line of a graph widget: `[namespace, name, dim, value, ..., options]` or `[{ expression }]`. */
type MetricLine = readonly (string | Record<string, unknown>)[];
interface Widget {
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly properties: {
    readonly title?: string;
    readonly markdown?: string;
    readonly metrics?: MetricLine[];
  };
}

const bodyOf = (template: Template): { start: string; widgets: Widget[] } => {
  const dashboard = template.toJSON().Resources[onlyIdOf(template, 'AWS::CloudWatch::Dashboard')];
  return JSON.parse(tokensToText(dashboard.Properties.DashboardBody));
};

const dashboardIn = (props: Partial<IncidentDashboardProps> = {}) => {
  const stack = new Stack();
  const fn = (id: string) => stubFunction(stack, id);
  const machine = (id: string) => stubStateMachine(stack, id);
  const stateMachines = { lifecycle: machine('Lifecycle'), escalation: machine('Escalation') };
  const functions = { intake: fn('Intake'), lifecycle: fn('LifecycleFn') };
  const deadLetterQueues = { intake: new sqs.Queue(stack, 'DeadLetters') };
  const dashboard = new IncidentDashboard(stack, 'Dashboard', {
    dashboardName: 'test-incidents',
    stateMachines,
    functions,
    deadLetterQueues,
    ...props,
  });
  const template = Template.fromStack(stack);
  const body = bodyOf(template);
  const widget = (title: string) => {
    const found = body.widgets.find((w) => w.properties.title === title);
    if (!found) throw new Error(`No widget titled ${title}`);
    return found;
  };
  return { stack, template, dashboard, body, widget, stateMachines, functions, deadLetterQueues };
};

const { namespace: NS, names: NAMES } = INCIDENT_METRICS;
/** The `[namespace, metric, Severity, P1..P4]` lines a per-severity widget must hold. */
const perSeverity = (metricName: string) => SEVERITIES.map((s) => [NS, metricName, 'Severity', s]);
const withoutOptions = (lines: MetricLine[] | undefined) =>
  (lines ?? []).map((line) => line.filter((part) => typeof part === 'string'));
const expressionsOf = (lines: MetricLine[] | undefined) =>
  (lines ?? []).flatMap((line) => line.filter((p) => typeof p === 'object')).map((o) => o.expression);

describe('IncidentDashboard', () => {
  it('is named as told and opens on the last two weeks', () => {
    const { template, body, dashboard } = dashboardIn();

    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'test-incidents' });
    expect(dashboard.dashboardName).toBe('test-incidents');
    expect(body.start).toBe('-P14D');
  });

  it('opens with a full-width text that explains every number', () => {
    const { body } = dashboardIn();
    const [first] = body.widgets;

    expect(first).toMatchObject({ type: 'text', x: 0, y: 0, width: 24 });
    for (const term of [
      'MTTA',
      'MTTR',
      'time to mitigate',
      'Resolved by',
      'Suppressed',
      'Post-mortem',
      'Workflow health',
    ]) {
      expect(first?.properties.markdown, term).toContain(term);
    }
  });

  it.each([
    ['MTTA: time to acknowledge (avg)', NAMES.timeToAcknowledge],
    ['Time to mitigate (avg)', NAMES.timeToMitigate],
    ['MTTR: time to resolve (avg)', NAMES.timeToResolve],
  ])('charts %s per severity, averaged over a day, from the Severity-only metrics', (title, metricName) => {
    const { widget } = dashboardIn();
    const lines = widget(title).properties.metrics ?? [];

    expect(withoutOptions(lines)).toEqual(perSeverity(metricName));
    // Average is CloudWatch's default statistic: no "stat" written, and none other allowed.
    for (const line of lines) expect(line.at(-1)).toEqual({ label: line[3], period: 86_400 });
  });

  it.each([
    ['Incidents opened by severity', NAMES.opened],
    ['Incidents resolved by severity', NAMES.resolved],
    ['Post-mortem reminders by severity', NAMES.postMortemReminders],
  ])('counts %s', (title, metricName) => {
    const { widget } = dashboardIn();
    const lines = widget(title).properties.metrics ?? [];

    expect(withoutOptions(lines)).toEqual(perSeverity(metricName));
    for (const line of lines) expect(line.at(-1)).toMatchObject({ stat: 'Sum', period: 86_400 });
  });

  it.each([
    ['Incidents opened by service and severity', NAMES.opened],
    ['Suppressed (silence or maintenance) by service', NAMES.suppressed],
  ])(
    'finds %s by SEARCH over Service and Severity, so a new service shows up by itself',
    (title, metricName) => {
      const { widget } = dashboardIn();
      const [line] = widget(title).properties.metrics ?? [];

      expect(line).toEqual([
        {
          expression: `SEARCH('{IncidentResponse,Service,Severity} MetricName="${metricName}"', 'Sum', 86400)`,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudWatch dynamic label, not a template
          label: "${PROP('Dim.Service')} ${PROP('Dim.Severity')}",
          period: 86_400,
        },
      ]);
    },
  );

  it('splits resolutions into automation, a person and on its own, each summed over every severity', () => {
    const { widget } = dashboardIn();
    const lines = widget('Resolved by').properties.metrics;

    expect(expressionsOf(lines)).toEqual(
      [NAMES.resolvedByAutomation, NAMES.resolvedByHuman, NAMES.resolvedOnItsOwn].map(
        (name) => `SUM(SEARCH('{IncidentResponse,Severity} MetricName="${name}"', 'Sum', 86400))`,
      ),
    );
    expect((lines ?? []).map((line) => (line[0] as { label: string }).label)).toEqual([
      'automation',
      'a person',
      'on its own',
    ]);
  });

  it('charts every incident metric the lifecycle function emits', () => {
    const { template } = dashboardIn();
    const body = JSON.stringify(bodyOf(template));

    for (const name of Object.values(NAMES)) expect(body, name).toContain(`"${name}`);
  });

  it('takes the incident bin as told', () => {
    const { widget } = dashboardIn({ incidentPeriod: Duration.hours(6) });

    expect(widget('MTTR: time to resolve (avg)').properties.metrics?.[0]?.at(-1)).toMatchObject({
      period: 21_600,
    });
    expect(expressionsOf(widget('Resolved by').properties.metrics)[0]).toContain("'Sum', 21600))");
  });

  it('charts started, succeeded, failed, timed-out and throttled executions of each state machine', () => {
    const { widget, stateMachines } = dashboardIn();

    for (const [label, machine] of Object.entries(stateMachines)) {
      expect(withoutOptions(widget(`${label} executions`).properties.metrics)).toEqual(
        [
          'ExecutionsStarted',
          'ExecutionsSucceeded',
          'ExecutionsFailed',
          'ExecutionsTimedOut',
          'ExecutionThrottled',
        ].map((metric) => ['AWS/States', metric, 'StateMachineArn', refText(logicalIdOf(machine))]),
      );
    }
  });

  it("charts each function's errors, throttles and p95 duration, and the dead letters", () => {
    const { widget, functions, deadLetterQueues } = dashboardIn();
    const fn = (name: keyof typeof functions) => refText(logicalIdOf(functions[name]));

    expect(withoutOptions(widget('Function errors and throttles').properties.metrics)).toEqual([
      ['AWS/Lambda', 'Errors', 'FunctionName', fn('intake')],
      ['AWS/Lambda', 'Throttles', 'FunctionName', fn('intake')],
      ['AWS/Lambda', 'Errors', 'FunctionName', fn('lifecycle')],
      ['AWS/Lambda', 'Throttles', 'FunctionName', fn('lifecycle')],
    ]);
    const duration = widget('Function duration p95').properties.metrics ?? [];
    expect(withoutOptions(duration)).toEqual([
      ['AWS/Lambda', 'Duration', 'FunctionName', fn('intake')],
      ['AWS/Lambda', 'Duration', 'FunctionName', fn('lifecycle')],
    ]);
    for (const line of duration) expect(line.at(-1)).toMatchObject({ stat: 'p95' });
    const deadLetters = widget('Dead letters (visible messages)').properties.metrics ?? [];
    expect(withoutOptions(deadLetters)).toEqual([
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        `<GetAtt:${logicalIdOf(deadLetterQueues.intake)}.QueueName>`,
      ],
    ]);
    expect(deadLetters[0]?.at(-1)).toMatchObject({ stat: 'Maximum' });
  });

  it('lays widgets out on the 24-column grid without overlap', () => {
    const { body } = dashboardIn();
    const cells = new Set<string>();

    for (const w of body.widgets) {
      expect(w.x + w.width, w.properties.title).toBeLessThanOrEqual(24);
      const cell = `${w.x},${w.y}`;
      expect(cells.has(cell), cell).toBe(false);
      cells.add(cell);
    }
  });

  it('links to itself in the CloudWatch console of the stack region', () => {
    const { stack, dashboard } = dashboardIn();

    expect(tokensToText(stack.resolve(dashboard.consoleUrl))).toBe(
      'https://<Ref:AWS::Region>.console.aws.amazon.com/cloudwatch/home?region=<Ref:AWS::Region>#dashboards/dashboard/test-incidents',
    );
  });

  it('rejects a name CloudWatch refuses, no state machine and a bin under a minute, all at once', () => {
    expect(() =>
      dashboardIn({ dashboardName: 'my incidents', stateMachines: {}, healthPeriod: Duration.seconds(30) }),
    ).toThrow(
      'IncidentDashboard: dashboardName "my incidents" must be 1-255 letters, digits, - or _; needs at least one state machine; healthPeriod must be a whole number of minutes',
    );
  });
});

describe('IncidentDashboard in the stack', () => {
  it('watches the three state machines, the five functions and the intake dead letters', () => {
    const template = appTemplate();
    const body = bodyOf(template);
    const text = JSON.stringify(body);

    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'IncidentResponse-incidents',
    });
    for (const suffix of ['-lifecycle', '-escalation', '-postmortem'] as const) {
      expect(text, suffix).toContain(refText(stateMachineId(template, suffix)));
    }
    for (const id of Object.keys(template.findResources('AWS::Lambda::Function'))) {
      expect(text, id).toContain(refText(id));
    }
    expect(body.widgets.map((w) => w.properties.title)).toEqual(
      expect.arrayContaining(['lifecycle executions', 'escalation executions', 'post-mortem executions']),
    );
    expect(text).toContain(`<GetAtt:${onlyIdOf(template, 'AWS::SQS::Queue')}.QueueName>`);
  });
});
