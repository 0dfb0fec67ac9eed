import { describe, expect, it } from 'vitest';
import { alarmIndex } from '../../../lambdas/contract/alarm-index';
import { parseConfig } from '../../../lambdas/contract/config';
import { alarmRuleScope } from '../../../lib/config/alarm-rule-scope';
import { routedInput } from '../../support/fixtures';

type Rules = Array<Record<string, unknown>>;

const configWith = (change: (routing: { rules: Rules; default: Record<string, unknown> }) => void) => {
  const input = routedInput();
  change(input.routing as { rules: Rules; default: Record<string, unknown> });
  return parseConfig(input, 'scope test');
};
const metric = (leaf: Record<string, unknown>) => ({
  configuration: { metrics: { metricStat: { metric: leaf } } },
});

describe('the alarms the EventBridge rule lets through', () => {
  it('are every alarm but the built-in families while the default route opens', () => {
    expect(alarmRuleScope(configWith(() => {}))).toEqual({
      all: true,
      ignoredPrefixes: ['TargetTracking-', 'IncidentResponse-operator-'],
    });
  });

  it('are the stack alarms and one clause per opening rule while the default ignores', () => {
    const config = configWith((r) => {
      r.default = { action: 'ignore' };
      const composites = r.rules.find((rule) => rule.id === 'composites') as Record<string, unknown>;
      composites.match = { alarmName: { prefix: 'Service' } };
      r.rules.push(
        { id: 'glob', match: { alarmName: { glob: 'orders-*-cpu' } }, service: 'edge' },
        {
          id: 'glob-one-char',
          match: { alarmName: { glob: 'q?-depth' }, namespace: 'AWS/SQS' },
          service: 'edge',
        },
        { id: 'tagged', match: { tags: { team: 'edge' }, namespace: 'AWS/RDS' }, service: 'edge' },
        { id: 'severity-only', match: { namespace: 'AWS/ELB' }, severity: 'P1', continue: true },
      );
    });
    const scope = alarmRuleScope(config);

    expect(scope).toEqual({
      all: false,
      alarmNames: [...alarmIndex(config).keys()],
      routed: [
        // noisy-anomaly and other-account ignore, severity-only continues without opening: no clause.
        metric({ namespace: ['AWS/EC2'], name: ['NetworkOut'] }),
        metric({ namespace: ['AWS/EC2'], dimensions: { InstanceId: [{ exists: true }] } }),
        // The region is no field of detail: only the namespace narrows it.
        metric({ namespace: ['AWS/Lambda'] }),
        { alarmName: [{ prefix: 'Service' }] },
        { alarmName: [{ wildcard: 'orders-*-cpu' }] },
        // EventBridge wildcards know only *: a ? glob keeps its other matchers.
        metric({ namespace: ['AWS/SQS'] }),
        // Tags are not in the event.
        metric({ namespace: ['AWS/RDS'] }),
      ],
    });
    expect(alarmIndex(config).size).toBe(7);
  });

  it('fall back to every alarm when an opening rule has nothing a pattern can express', () => {
    // `composites` matches on a regex only.
    expect(alarmRuleScope(configWith((r) => (r.default = { action: 'ignore' }))).all).toBe(true);
  });

  it('fall back to every alarm when the pattern would pass EventBridge 2,048 characters', () => {
    const scope = alarmRuleScope(
      configWith((r) => {
        r.default = { action: 'ignore' };
        r.rules = Array.from({ length: 60 }, (_, i) => ({
          id: `r${i}`,
          match: { alarmName: { prefix: `team-${i}-service-with-a-long-name-` } },
          service: 'edge',
        }));
      }),
    );

    expect(scope.all).toBe(true);
  });
});
