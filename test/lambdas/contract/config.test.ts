import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { alarmIndex, alarmNameFor } from '../../../lambdas/contract/alarm-index';
import { parseConfig } from '../../../lambdas/contract/config';
import type { DeploymentConfig } from '../../../lambdas/contract/config-schema';
import { type FieldProblem, ValidationError } from '../../../lambdas/domain/errors';
import { DEFAULT_SEVERITY_RULES, type SeverityRule } from '../../../lambdas/domain/severity';
import { ConfigFileError, loadConfig } from '../../../lib/config/load';
import { EXAMPLE_CONFIG_PATH, exampleInput, minimalInput } from '../../support/fixtures';

// biome-ignore lint/suspicious/noExplicitAny: the tests write deliberately malformed JSON into a config
type Raw = Record<string, any>;

const problemsOf = (input: unknown): FieldProblem[] => {
  try {
    parseConfig(input, 'test.json');
  } catch (error) {
    if (error instanceof ValidationError) return [...error.problems];
    throw error;
  }
  return expect.fail('expected the config to be rejected');
};

const pathsOf = (input: unknown): string[] => problemsOf(input).map((p) => p.path);

const withChange = (change: (config: Raw) => void, base: () => Raw = minimalInput): Raw => {
  const config = base();
  change(config);
  return config;
};

const writeTemp = (name: string, text: string): string => {
  const path = join(tmpdir(), `${process.pid}-${name}`);
  writeFileSync(path, text);
  return path;
};

describe('the shipped example config', () => {
  it('parses, with all five alarms on checkout and a few on payments', () => {
    const config = loadConfig(EXAMPLE_CONFIG_PATH);

    expect(config.services.map((s) => s.name)).toEqual(['checkout', 'payments']);
    expect(Object.keys(config.services[0]?.alarms ?? {})).toEqual([
      'errorRate',
      'p95Latency',
      'tasksBelowDesired',
      'cpu',
      'memory',
    ]);
    expect(Object.keys(config.contacts)).toEqual(['on-call', 'devops-lead', 'engineering-manager', 'cto']);
  });

  it('indexes every configured alarm by its CloudWatch name', () => {
    const index = alarmIndex(loadConfig(EXAMPLE_CONFIG_PATH));

    expect([...index.keys()]).toEqual([
      'checkout-error-rate',
      'checkout-p95-latency',
      'checkout-tasks-below-desired',
      'checkout-cpu',
      'checkout-memory',
      'payments-api-5xx-rate',
      'payments-tasks-below-desired',
    ]);
    expect(index.get('checkout-cpu')).toEqual({
      serviceName: 'checkout',
      cluster: 'prod',
      service: 'checkout',
      logGroup: '/ecs/prod/checkout',
      kind: 'cpu',
      severity: 'P3',
      runbookUrl: 'https://runbooks.example.com/checkout',
    });
    expect(index.get('payments-api-5xx-rate')?.runbookUrl).toBe('https://runbooks.example.com/payments');
    expect(index.get('checkout-error-rate')?.runbookUrl).toBe(
      'https://runbooks.example.com/checkout/high-error-rate',
    );
  });
});

describe('defaults', () => {
  const config = parseConfig(minimalInput(), 'minimal');

  it('follow seed 000: escalation matrix', () => {
    expect(config.escalation).toEqual({
      P1: {
        steps: [
          {
            afterMinutes: 0,
            trigger: 'not-acknowledged',
            notify: ['on-call'],
            repeat: { times: 2, everyMinutes: 5 },
          },
          { afterMinutes: 60, trigger: 'not-resolved', notify: ['devops-lead'] },
          { afterMinutes: 120, trigger: 'not-resolved', notify: ['engineering-manager'] },
        ],
      },
      P2: {
        steps: [
          { afterMinutes: 0, trigger: 'not-acknowledged', notify: ['on-call'] },
          { afterMinutes: 60, trigger: 'not-resolved', notify: ['devops-lead'] },
        ],
      },
      P3: { steps: [{ afterMinutes: 0, trigger: 'not-acknowledged', notify: ['on-call'] }] },
      P4: { steps: [] },
    });
  });

  it('follow seed 000: response times, status updates, post-mortems, severity rules', () => {
    expect(config.responseMinutes).toEqual({ P1: 15, P2: 60, P3: 240, P4: null });
    expect(config.statusUpdateMinutes).toEqual({ P1: 60, P2: 240, P3: 1440, P4: null });
    expect(config.postMortem).toEqual({ requiredFor: ['P1', 'P2'], dueHours: 48, remindEveryHours: 24 });
    expect(config.severityRules).toEqual(DEFAULT_SEVERITY_RULES);
  });

  it('keep automation safe and the table retained', () => {
    expect(config.automation).toEqual({
      enabled: true,
      dryRun: false,
      allowlist: [],
      cooldownMinutes: 15,
      maxActionsPerIncident: 2,
      maxActionsPerHour: 5,
      approvalRequiredFor: [],
      deploymentCorrelationMinutes: 30,
      approvalTimeoutMinutes: 15,
      killSwitchParameterName: '/incident-response/automation-enabled',
    });
    expect(config.table).toEqual({ removalPolicy: 'retain', customerManagedKey: false });
    expect(config.stackName).toBe('IncidentResponse');
    expect(config.env).toBeUndefined();
    expect(config.routing).toEqual({
      rules: [],
      default: { action: 'open', severity: 'P3' },
      ignoreTargetTracking: true,
      ignoreOperatorAlarms: true,
      tagCacheMinutes: 10,
    });
    expect(config.otherServices).toEqual([]);
    expect(config.ecsEvents).toEqual({ enabled: true, severity: 'P2' });
    expect(config.reopenWindowMinutes).toBe(30);
    expect(config.dedupKey).toEqual(['service', 'alarm']);
    expect(config.services[0]?.alarms.errorRate).toEqual({
      threshold: 10,
      severity: 'P2',
      evaluationPeriods: 3,
      periodSeconds: 60,
    });
  });

  it('are fresh copies: changing one parsed config leaves the next alone', () => {
    const first = parseConfig(minimalInput(), 'first');
    first.escalation.P1.steps[0]?.notify.push('cto');
    first.dedupKey.push('region');

    const second = parseConfig(minimalInput(), 'second');
    expect(second.escalation.P1.steps[0]?.notify).toEqual(['on-call']);
    expect(second.dedupKey).toEqual(['service', 'alarm']);
  });

  it('let a team replace one severity policy and keep the others', () => {
    const custom = parseConfig(
      withChange((c) => {
        c.escalation = { P3: { steps: [] } };
      }),
      'custom',
    );
    expect(custom.escalation.P3).toEqual({ steps: [] });
    expect(custom.escalation.P2.steps).toHaveLength(2);
  });

  it('produce exactly the domain SeverityRule type', () => {
    expectTypeOf<DeploymentConfig['severityRules'][number]>().toEqualTypeOf<SeverityRule>();
  });
});

describe('a bad config', () => {
  it('with three mistakes in different places gives one error that names all three', () => {
    const input = withChange((c) => {
      c.services[0].alarms.errorRate.threshold = 150;
      c.contacts['on-call'].email = ['oncall-at-example.com'];
      c.automation = { cooldownMinutes: -5 };
    });

    const error = (() => {
      try {
        parseConfig(input, 'config/prod.json');
      } catch (e) {
        return e;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(ValidationError);
    const { message, problems } = error as ValidationError;
    expect(problems.map((p) => p.path)).toEqual([
      'services[0].alarms.errorRate.threshold',
      'contacts.on-call.email[0]',
      'automation.cooldownMinutes',
    ]);
    expect(message).toContain('Deployment config config/prod.json: 3 problems');
    expect(message).toContain('services[0].alarms.errorRate.threshold: must be a percentage of at most 100');
    expect(message).toContain('contacts.on-call.email[0]: must be an email address');
    expect(message).toContain('automation.cooldownMinutes: must be 0 or more');
  });

  it('reports cross-field problems together with structural ones', () => {
    const input = withChange((c) => {
      c.services[0].cluster = 'prod cluster';
      c.escalation = {
        P2: { steps: [{ afterMinutes: 0, trigger: 'not-acknowledged', notify: ['oncall'] }] },
      };
    });

    expect(pathsOf(input)).toEqual(['services[0].cluster', 'escalation.P2.steps[0].notify[0]']);
  });

  it('refuses more escalation rounds per execution than fit in the 25,000-event history', () => {
    const problems = problemsOf(
      withChange((c) => {
        c.escalationRoundsPerExecution = 1_301;
      }),
    );

    expect(problems.map((p) => p.path)).toEqual(['escalationRoundsPerExecution']);
    const at = parseConfig(
      withChange((c) => {
        c.escalationRoundsPerExecution = 1_300;
      }),
      'test.json',
    );
    expect(at.escalationRoundsPerExecution).toBe(1_300);
  });

  it('names a misspelt key at its own path', () => {
    const input = withChange((c) => {
      c.services[0].alarms.errorRate.treshold = 5;
      c.autmation = {};
    });

    const problems = problemsOf(input);
    expect(problems).toContainEqual({
      path: 'services[0].alarms.errorRate.treshold',
      message: 'is not a known setting (a typo?)',
    });
    expect(problems).toContainEqual({ path: 'autmation', message: 'is not a known setting (a typo?)' });
  });

  it('says which required fields are missing', () => {
    expect(problemsOf({ services: [{ name: 'checkout', alarms: {} }] })).toEqual([
      { path: 'services[0].cluster', message: 'is required (a string)' },
      { path: 'services[0].service', message: 'is required (a string)' },
      { path: 'services[0].logGroup', message: 'is required (a string)' },
      {
        path: 'services[0].alarms',
        message: 'needs at least one alarm: errorRate, p95Latency, tasksBelowDesired, cpu, memory',
      },
      {
        path: 'routing',
        message:
          'is required, an object such as {"default": {"action": "open", "severity": "P3"}}: the default route decides what happens to every alarm the stack did not create',
      },
      { path: 'contacts', message: 'is required (an object)' },
    ]);
  });

  it.each([
    ['no service at all', (c: Raw) => (c.services = []), 'services', 'must list at least 1 entry'],
    [
      'a period CloudWatch does not offer',
      (c: Raw) => (c.services[0].alarms.errorRate.periodSeconds = 45),
      'services[0].alarms.errorRate.periodSeconds',
      'must be 10, 30 or a multiple of 60 seconds',
    ],
    [
      'a fractional task count',
      (c: Raw) => (c.services[0].alarms.tasksBelowDesired = { threshold: 0.5, severity: 'P1' }),
      'services[0].alarms.tasksBelowDesired.threshold',
      'must be a whole number of missing tasks',
    ],
    [
      'a load balancer given as a full ARN',
      (c: Raw) =>
        (c.services[0].loadBalancer.loadBalancer =
          'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/prod-public/50dc6c495c0c9188'),
      'services[0].loadBalancer.loadBalancer',
      'must be an ALB ARN suffix such as app/prod-public/50dc6c495c0c9188',
    ],
    [
      'a task role given by name instead of ARN',
      (c: Raw) =>
        (c.services[0].taskRoleArns = ['arn:aws:iam::123456789012:role/checkout-task', 'checkout-task']),
      'services[0].taskRoleArns[1]',
      'must be an IAM role ARN such as arn:aws:iam::123456789012:role/checkout-task',
    ],
    [
      'a task definition ARN where a role belongs',
      (c: Raw) =>
        (c.services[0].taskRoleArns = ['arn:aws:ecs:eu-west-1:123456789012:task-definition/checkout:41']),
      'services[0].taskRoleArns[0]',
      'must be an IAM role ARN such as arn:aws:iam::123456789012:role/checkout-task',
    ],
    [
      'an empty list of task roles',
      (c: Raw) => (c.services[0].taskRoleArns = []),
      'services[0].taskRoleArns',
      'must list at least 1 entry',
    ],
    [
      'a plain-http runbook',
      (c: Raw) => (c.services[0].runbookUrl = 'http://runbooks.example.com/checkout'),
      'services[0].runbookUrl',
      'must be an https:// URL',
    ],
    [
      'a local phone number',
      (c: Raw) => (c.contacts['engineering-manager'].sms = ['555-0102']),
      'contacts.engineering-manager.sms[0]',
      'must be a phone number in E.164 form such as +15555550100',
    ],
    [
      'a tier nobody can be reached on',
      (c: Raw) => (c.contacts.cto = { email: [], sms: [] }),
      'contacts.cto',
      'needs at least one endpoint (an email, an SMS number or a chat channel) or a schedule',
    ],
    [
      'an unknown severity',
      (c: Raw) => (c.routing = { default: { action: 'open', severity: 'SEV1' } }),
      'routing.default.severity',
      'must be one of "P1", "P2", "P3", "P4"',
    ],
    [
      'a repeated dedup key part',
      (c: Raw) => (c.dedupKey = ['service', 'service']),
      'dedupKey[1]',
      'repeats "service"',
    ],
    [
      'a severity rule with an unknown metric',
      (c: Raw) =>
        (c.severityRules = [{ severity: 'P1', when: { metric: 'cpu', op: '>', value: 95 }, reason: 'hot' }]),
      'severityRules[0].when.metric',
      'must be one of "errorRatePercent", "p95LatencyMs", "runningTasks", "cpuPercent", "memoryPercent"',
    ],
    [
      'a string where minutes belong',
      (c: Raw) => (c.responseMinutes = { P1: '15' }),
      'responseMinutes.P1',
      'must be a whole number of minutes, or null',
    ],
  ])('rejects %s', (_what, change, path, message) => {
    expect(problemsOf(withChange(change))).toEqual([{ path, message }]);
  });
});

describe('cross-field checks', () => {
  it('refuse a configured alarm named like a family the intake leaves out, naming the setting', () => {
    const input = withChange((c) => {
      c.stackName = 'Prod';
      c.services[0].alarms.errorRate.alarmName = 'TargetTracking-checkout-5xx';
      c.services[0].alarms.cpu = { alarmName: 'Prod-operator-cpu', threshold: 80, severity: 'P3' };
    });

    expect(problemsOf(input)).toEqual([
      {
        path: 'services[0].alarms.errorRate.alarmName',
        message:
          "'TargetTracking-checkout-5xx' starts with TargetTracking-, which the intake leaves out while routing.ignoreTargetTracking is true: rename the alarm or set it to false",
      },
      {
        path: 'services[0].alarms.cpu.alarmName',
        message:
          "'Prod-operator-cpu' starts with Prod-operator-, which the intake leaves out while routing.ignoreOperatorAlarms is true: rename the alarm or set it to false",
      },
    ]);
  });

  it('accept such a name once that family is let through', () => {
    const input = withChange((c) => {
      c.services[0].alarms.errorRate.alarmName = 'TargetTracking-checkout-5xx';
      c.routing = { default: { action: 'open' }, ignoreTargetTracking: false };
    });

    expect(parseConfig(input, 'test.json').services[0]?.alarms.errorRate?.alarmName).toBe(
      'TargetTracking-checkout-5xx',
    );
  });

  it('refuse an escalation step that names an unknown tier', () => {
    const input = withChange((c) => {
      c.escalation = {
        P1: { steps: [{ afterMinutes: 0, trigger: 'not-acknowledged', notify: ['on-call', 'sre-lead'] }] },
      };
    });

    expect(problemsOf(input)).toEqual([
      {
        path: 'escalation.P1.steps[0].notify[1]',
        message:
          "names tier 'sre-lead', which contacts does not define (defined: on-call, devops-lead, engineering-manager)",
      },
    ]);
  });

  it('say so when the unknown tier comes from the default escalation', () => {
    const input = withChange((c) => {
      delete c.contacts['engineering-manager'];
    });

    const [problem, ...others] = problemsOf(input);
    expect(others).toEqual([]);
    expect(problem?.path).toBe('escalation.P1.steps[2].notify[0]');
    expect(problem?.message).toContain("names tier 'engineering-manager'");
    expect(problem?.message).toContain(
      "this step is the default escalation policy's: add the tier to contacts or set escalation.P1",
    );
  });

  it('refuse an allowlist entry that is not a configured service', () => {
    const input = withChange((c) => {
      c.automation = { allowlist: ['checkout', 'billing'] };
    });

    expect(problemsOf(input)).toEqual([
      {
        path: 'automation.allowlist[1]',
        message: "'billing' is not a configured service (services: checkout)",
      },
    ]);
  });

  it('refuse duplicate service names, and the alarm names they collide on', () => {
    const input = withChange((c) => {
      c.services.push({ ...c.services[0], service: 'checkout-v2' });
    });

    expect(problemsOf(input)).toEqual([
      {
        path: 'services[1].name',
        message: "'checkout' is already the name of services[0]; names must be unique",
      },
      {
        path: 'services[1].alarms.errorRate',
        message:
          "alarm name 'checkout-error-rate' is also the name of services[0].alarms.errorRate; " +
          'CloudWatch alarm names must be unique',
      },
    ]);
  });

  it('refuse an explicit alarm name that another alarm already has', () => {
    const input = withChange((c) => {
      c.services[0].alarms.cpu = { threshold: 80, severity: 'P3', alarmName: 'checkout-error-rate' };
    });

    expect(pathsOf(input)).toEqual(['services[0].alarms.cpu.alarmName']);
  });

  it('require a runbook for every alarm, from the alarm or its service', () => {
    const input = withChange((c) => {
      delete c.services[0].runbookUrl;
      c.services[0].alarms.cpu = {
        threshold: 80,
        severity: 'P3',
        runbookUrl: 'https://runbooks.example.com/checkout/cpu',
      };
    });

    expect(problemsOf(input)).toEqual([
      {
        path: 'services[0].alarms.errorRate',
        message: 'has no runbook URL: set runbookUrl on this alarm or on services[0]',
      },
    ]);
  });

  it('require a load balancer for the alarms that read its metrics', () => {
    const input = withChange((c) => {
      delete c.services[0].loadBalancer;
      c.services[0].alarms.p95Latency = { threshold: 500, severity: 'P2' };
      c.services[0].alarms.cpu = { threshold: 80, severity: 'P3' };
    });

    expect(problemsOf(input)).toEqual(
      ['errorRate', 'p95Latency'].map((kind) => ({
        path: `services[0].alarms.${kind}`,
        message:
          'reads load balancer metrics: set services[0].loadBalancer (its LoadBalancer and TargetGroup dimensions)',
      })),
    );
  });

  it('refuse an alarm that would evaluate over more than a day', () => {
    const input = withChange((c) => {
      c.services[0].alarms.errorRate.periodSeconds = 3600;
      c.services[0].alarms.errorRate.evaluationPeriods = 25;
    });

    expect(problemsOf(input)).toEqual([
      {
        path: 'services[0].alarms.errorRate.evaluationPeriods',
        message: '25 periods of 3600 s span 90000 s; CloudWatch evaluates at most 86400 s (one day)',
      },
    ]);
  });
});

describe('loadConfig', () => {
  it('reports a JSON syntax error with the file name and line', () => {
    const path = writeTemp('broken.json', '{\n  "services": [],\n}\n');

    expect(() => loadConfig(path)).toThrow(ValidationError);
    expect(() => loadConfig(path)).toThrow(
      new RegExp(`Deployment config ${path}: 1 problem[\\s\\S]*line 3 column 1`),
    );
  });

  it('reports a missing file as such, with its path', () => {
    const path = join(tmpdir(), 'no-such-config.json');
    expect(() => loadConfig(path)).toThrow(ConfigFileError);
    expect(() => loadConfig(path)).toThrow(`Cannot read deployment config ${path}`);
  });
});

describe('alarm names', () => {
  it('default to the service name and the kind in kebab-case', () => {
    expect(alarmNameFor('checkout', 'errorRate')).toBe('checkout-error-rate');
    expect(alarmNameFor('checkout', 'tasksBelowDesired', {})).toBe('checkout-tasks-below-desired');
    expect(alarmNameFor('checkout', 'cpu', { alarmName: 'legacy-cpu-high' })).toBe('legacy-cpu-high');
  });

  it('are refused by the index when a config that skipped validation breaks its rules', () => {
    const [checkout] = parseConfig(exampleInput(), 'example').services;
    const cpu = checkout?.alarms.cpu;
    if (checkout === undefined || cpu === undefined) return expect.fail('the example watches checkout CPU');
    const broken = {
      services: [
        checkout,
        { ...checkout, runbookUrl: undefined, alarms: { cpu: { ...cpu, runbookUrl: undefined } } },
      ],
    };

    expect(() => alarmIndex(broken)).toThrow(ValidationError);
    expect(() => alarmIndex(broken)).toThrow(
      /services\[1\]\.alarms\.cpu: alarm name 'checkout-cpu' is used twice/,
    );
    expect(() => alarmIndex(broken)).toThrow(/services\[1\]\.alarms\.cpu: has no runbook URL/);
  });
});

describe('tickets in the deployment config (issue 15)', () => {
  const github = {
    provider: 'github',
    owner: 'acme',
    repo: 'incidents',
    tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:incident/github-token-AbCdEf',
  };

  it('is optional, and takes the defaults: P1 and P2, closed on resolve', () => {
    expect(parseConfig(minimalInput(), 'test.json').tickets).toBeUndefined();
    expect(parseConfig({ ...minimalInput(), tickets: github }, 'test.json').tickets).toEqual({
      ...github,
      labels: [],
      severities: ['P1', 'P2'],
      closeOnResolve: true,
    });
  });

  it('reports a bad field under tickets with the rest of the config', () => {
    expect(
      pathsOf({ ...minimalInput(), tickets: { ...github, repo: 'incidents.git', closeOnResolv: false } }),
    ).toEqual(['tickets.repo', 'tickets.closeOnResolv']);
  });

  it('takes a secret by its complete ARN only: the grant names it exactly', () => {
    const partial = { ...github, tokenSecretArn: github.tokenSecretArn.replace(/-AbCdEf$/, '') };
    expect(problemsOf({ ...minimalInput(), tickets: partial })).toEqual([
      {
        path: 'tickets.tokenSecretArn',
        message: expect.stringContaining('must be the complete ARN, ending in the - and six characters'),
      },
    ]);
  });
});

describe('statusPage in the deployment config (issue 14)', () => {
  const statusPage = (services: string[]) => ({
    title: 'Example status',
    components: [
      { name: 'Checkout API', services: ['checkout'] },
      { name: 'Payments', services },
    ],
  });

  it('is optional, and takes the schema defaults when given', () => {
    expect(parseConfig(minimalInput(), 'test.json').statusPage).toBeUndefined();
    expect(
      parseConfig({ ...minimalInput(), statusPage: statusPage(['checkout']) }, 'test.json').statusPage,
    ).toMatchObject({ severities: ['P1', 'P2'], confirmFirstPost: true });
  });

  it("names a component's unknown service by its path, with the configured ones", () => {
    expect(problemsOf({ ...minimalInput(), statusPage: statusPage(['checkout', 'paymnets']) })).toEqual([
      {
        path: 'statusPage.components[1].services[1]',
        message: expect.stringMatching(
          /^'paymnets' is not a configured service \(services and otherServices: checkout/,
        ),
      },
    ]);
  });
});
