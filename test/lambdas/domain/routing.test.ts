import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alarmIndex } from '../../../lambdas/contract/alarm-index';
import { parseConfig } from '../../../lambdas/contract/config';
import {
  type RoutableAlarm,
  type RouteDecision,
  routeAlarm,
  type TagLookup,
} from '../../../lambdas/domain/routing';
import { parseAlarmEvent } from '../../../lambdas/intake/alarm-event';
import { toAlarmToRecord } from '../../../lambdas/services/intake';
import { routedInput } from '../../support/fixtures';

const config = parseConfig(routedInput(), 'routed test config');
const watched = alarmIndex(config);

const decide = (alarm: RoutableAlarm, cfg = config, tags?: TagLookup): RouteDecision => {
  const result = routeAlarm(cfg, alarmIndex(cfg), alarm, tags);
  if ('needsTags' in result) throw new Error('asked for tags');
  return result;
};

const sample = (path: string) => {
  const [item] = parseAlarmEvent(
    JSON.parse(readFileSync(new URL(`../../events/${path}`, import.meta.url), 'utf8')),
  );
  if (item?.kind !== 'state-change') throw new Error(`${path} holds no state change`);
  return item.change;
};

describe('routing the alarms in AWS samples', () => {
  it.each([
    ['eventbridge/anomaly-detection-alarm-state-change-aws-docs.json', 'noisy-anomaly', null, null, 'ignore'],
    ['eventbridge/metric-alarm-state-change-aws-docs.json', 'ec2-any', 'fleet', 'P3', 'open'],
    ['eventbridge/metric-math-alarm-state-change-aws-docs.json', 'ec2-network', 'fleet', 'P2', 'open'],
    [
      'eventbridge/composite-alarm-with-suppressor-state-change-aws-docs.json',
      'composites',
      'edge',
      'P1',
      'open',
    ],
    ['sns/lambda-sns-record-single-metric-aws-lambda-go.json', 'ec2-network', 'fleet', 'P2', 'open'],
    ['sns/lambda-sns-record-metric-math-aws-lambda-go.json', 'ec2-network', 'fleet', 'P2', 'open'],
    [
      'lambda-action/lambda-action-metric-alarm-docs-artifact-rust.json',
      'other-account',
      null,
      null,
      'ignore',
    ],
    [
      'lambda-action/lambda-action-metric-math-alarm-powertools.json',
      'lambda',
      'lambda-platform',
      'P2',
      'open',
    ],
    ['composite/lambda-action-composite-alarm-powertools.json', 'composites', 'edge', 'P1', 'open'],
  ])('%s: rule %s, service %s, severity %s', (path, rule, service, severity, action) => {
    const decision = decide(sample(path));

    expect({
      rule: decision.rule,
      service: decision.service,
      severity: decision.severity,
      action: decision.action,
    }).toEqual({
      rule,
      service,
      severity,
      action,
    });
  });

  it("takes the first rule that matches: a NetworkOut alarm is ec2-network's, though ec2-any matches it too", () => {
    const decision = decide(sample('eventbridge/metric-math-alarm-state-change-aws-docs.json'));

    expect(decision.matched).toEqual(['ec2-network']);
    expect(decision.why).toContain(
      'noisy-anomaly: no match, alarm name TotalNetworkTrafficTooHigh does not match {"glob":"*Anomaly"}',
    );
  });

  it("gives a routed service's own runbook, and the default's when the service has none", () => {
    expect(decide(sample('eventbridge/metric-alarm-state-change-aws-docs.json')).runbookUrl).toBe(
      'https://runbooks.example.com/fleet',
    );
    expect(decide(sample('composite/lambda-action-composite-alarm-powertools.json')).runbookUrl).toBe(
      'https://runbooks.example.com/triage',
    );
  });

  it("routes the stack's own alarms by name before any rule", () => {
    const [name, target] = [...watched.entries()][0] ?? [];
    const decision = decide({
      alarmName: name ?? '',
      metrics: [{ namespace: 'AWS/EC2', name: 'NetworkOut' }],
      dimensions: {},
    });

    expect(decision).toMatchObject({
      rule: 'builtin:watched-alarm',
      service: target?.serviceName,
      severity: target?.severity,
    });
  });

  it('applies the default route to an alarm no rule matches', () => {
    const decision = decide({
      alarmName: 'orders-queue-depth',
      metrics: [{ namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible' }],
      dimensions: {},
    });

    expect(decision).toMatchObject({
      rule: null,
      matched: [],
      service: null,
      severity: 'P4',
      action: 'open',
      runbookUrl: 'https://runbooks.example.com/triage',
    });
    expect(decision.why).toContain('no rule matched: the default route applies');
  });

  it('ignores what the default ignores, and the built-in families whatever the rules say', () => {
    const ignoring = parseConfig({ ...routedInput(), routing: { default: { action: 'ignore' } } }, 'x');

    expect(decide({ alarmName: 'orders-queue-depth', metrics: [], dimensions: {} }, ignoring)).toMatchObject({
      rule: null,
      action: 'ignore',
      severity: null,
    });
    expect(
      decide({ alarmName: 'TargetTracking-service/prod/checkout-AlarmHigh-1', metrics: [], dimensions: {} }),
    ).toMatchObject({
      rule: 'builtin:target-tracking',
      action: 'ignore',
    });
  });
});

describe('continue', () => {
  const input = routedInput();
  (input.routing as { rules: unknown[] }).rules = [
    { id: 'ec2-is-p1', match: { namespace: 'AWS/EC2' }, severity: 'P1', continue: true },
    {
      id: 'ec2-network',
      match: { metricName: 'NetworkOut' },
      service: 'fleet',
      severity: 'P3',
      runbookUrl: 'https://runbooks.example.com/network',
    },
  ];
  const cfg = parseConfig(input, 'continue config');

  it('lets a later rule fill only the fields still unset', () => {
    const decision = decide(sample('sns/lambda-sns-record-single-metric-aws-lambda-go.json'), cfg);

    expect(decision).toMatchObject({
      rule: 'ec2-is-p1',
      matched: ['ec2-is-p1', 'ec2-network'],
      service: 'fleet',
      severity: 'P1',
      runbookUrl: 'https://runbooks.example.com/network',
    });
    expect(decision.why).toContain(
      'severity from ec2-is-p1, service from ec2-network, runbookUrl from ec2-network, action from ec2-network',
    );
  });

  it('leaves to the default what no matched rule set', () => {
    const decision = decide(sample('eventbridge/metric-alarm-state-change-aws-docs.json'), cfg);

    expect(decision).toMatchObject({
      rule: 'ec2-is-p1',
      matched: ['ec2-is-p1'],
      service: null,
      severity: 'P1',
      action: 'open',
    });
  });
});

describe('tags', () => {
  const input = routedInput();
  (input.routing as { rules: unknown[] }).rules = [
    {
      id: 'team-payments',
      match: { tags: { team: 'payments' } },
      serviceFrom: { tag: 'service' },
      severityFromTag: 'severity',
    },
    { id: 'ec2', match: { namespace: 'AWS/EC2' }, service: 'fleet', severity: 'P3' },
  ];
  const cfg = parseConfig(input, 'tag config');
  const alarm = sample('eventbridge/metric-alarm-state-change-aws-docs.json');

  it('asks for the tags only when it reaches a rule that reads them', () => {
    expect(routeAlarm(cfg, alarmIndex(cfg), alarm)).toEqual({ needsTags: true });
    expect(routeAlarm(config, watched, alarm)).not.toHaveProperty('needsTags');
  });

  it('routes on the tags, the service and the severity taken from them', () => {
    const decision = decide(alarm, cfg, {
      ok: true,
      tags: { team: 'payments', service: 'edge', severity: 'p1' },
    });

    expect(decision).toMatchObject({ rule: 'team-payments', service: 'edge', severity: 'P1' });
  });

  it('leaves a tag that is no severity to the default, and says so', () => {
    const decision = decide(alarm, cfg, { ok: true, tags: { team: 'payments', severity: 'SEV1' } });

    expect(decision).toMatchObject({ rule: 'team-payments', service: null, severity: 'P4' });
    expect(decision.why).toContain(
      '  team-payments: tag severity is "SEV1", not P1-P4, so it sets no severity',
    );
  });

  it('falls back to the rules that need no tags when the lookup fails, and keeps the alarm', () => {
    const decision = decide(alarm, cfg, { ok: false, reason: 'AccessDenied: not authorized' });

    expect(decision).toMatchObject({ rule: 'ec2', service: 'fleet', severity: 'P3', action: 'open' });
    expect(decision.why[0]).toBe(
      'team-payments: skipped, it matches on tags and they could not be read (AccessDenied: not authorized)',
    );
  });
});

describe('the routing config', () => {
  const problems = (change: (routing: { rules: Record<string, unknown>[] }) => void) => {
    const input = routedInput();
    change(input.routing as { rules: Record<string, unknown>[] });
    try {
      parseConfig(input, 'x');
      return [];
    } catch (error) {
      return (error as { problems: unknown[] }).problems;
    }
  };

  it('names every bad field', () => {
    expect(
      problems((r) => {
        r.rules.push(
          { id: 'ec2-any', match: {}, service: 'nowhere', serviceFrom: { tag: 'service' } },
          {
            id: 'two',
            match: { alarmName: { eq: 'a', prefix: 'b' } },
            severity: 'P1',
            severityFromTag: 'sev',
          },
          { id: 'bad-regex', match: { alarmName: { regex: '(' } }, action: 'ignore', continue: true },
        );
      }),
    ).toEqual([
      { path: 'routing.rules[7].match.alarmName', message: 'needs exactly one of eq, prefix, glob, regex' },
      {
        path: 'routing.rules[8].match.alarmName.regex',
        message: 'must be a valid regular expression (JavaScript syntax, u flag)',
      },
      { path: 'routing.rules[6].id', message: "'ec2-any' is already the id of routing.rules[2]" },
      {
        path: 'routing.rules[6].service',
        message:
          "'nowhere' is not a configured service (services and otherServices: checkout, payments, fleet, lambda-platform, edge)",
      },
      { path: 'routing.rules[6].serviceFrom', message: 'set service or serviceFrom, not both' },
      { path: 'routing.rules[7].severityFromTag', message: 'set severity or severityFromTag, not both' },
      {
        path: 'routing.rules[8].continue',
        message: 'an ignored alarm sets nothing later rules could add to: drop continue or the ignore',
      },
    ]);
  });

  it('points the old unmappedAlarms at routing', () => {
    const input = { ...routedInput(), unmappedAlarms: { action: 'open' } };

    expect(() => parseConfig(input, 'x')).toThrow(
      'unmappedAlarms: was replaced by routing: move action and severity to routing.default, ignoreTargetTracking and ignoreOperatorAlarms to routing',
    );
  });
});

describe('INSUFFICIENT_DATA', () => {
  it('is no incident signal: the intake leaves it out before routing, with the reason', async () => {
    const change = {
      ...sample('eventbridge/metric-alarm-state-change-aws-docs.json'),
      state: 'INSUFFICIENT_DATA' as const,
    };

    expect(await toAlarmToRecord(change, { config, alarms: watched })).toEqual({
      ignored: 'ServerCpuTooHigh: INSUFFICIENT_DATA is not an incident signal',
    });
  });
});
