import { describe, expect, it } from 'vitest';
import {
  classifySeverity,
  DEFAULT_SEVERITY_RULES,
  mostSevere,
  type Severity,
  type SeverityEvidence,
  type SeverityRule,
} from '../../../lambdas/domain/severity';

// Every severity example of seed 000 (the defaults), in the seed's words, with the evidence the
// workflow would hold for it. The floor is P4 so the evidence alone decides.
const seed000: Array<[string, SeverityEvidence, Severity]> = [
  ['P1: system completely down (all instances failing)', { metrics: { runningTasks: 0 } }, 'P1'],
  ['P1: 100% error rate (scenario 1)', { metrics: { errorRatePercent: 100 } }, 'P1'],
  ['P1: database corruption or data loss', { impacts: ['data-loss'] }, 'P1'],
  ['P1: security breach detected', { impacts: ['security-breach'] }, 'P1'],
  ['P1: service down', { impacts: ['service-down'] }, 'P1'],
  ['P2: error rate > 10%', { metrics: { errorRatePercent: 12 } }, 'P2'],
  ['P2: latency > 500ms', { metrics: { p95LatencyMs: 650 } }, 'P2'],
  ['P2: single component failure (with redundancy)', { impacts: ['component-failure'] }, 'P2'],
  ['P3: error rate 1-5%', { metrics: { errorRatePercent: 3 } }, 'P3'],
  ['P3: error rate exactly 1%', { metrics: { errorRatePercent: 1 } }, 'P3'],
  ['P3: latency 50-200ms', { metrics: { p95LatencyMs: 120 } }, 'P3'],
  ['P3: non-critical feature unavailable', { impacts: ['non-critical-feature'] }, 'P3'],
  ['P4: cosmetic issues', { impacts: ['cosmetic'] }, 'P4'],
  ['P4: performance optimization opportunities', { impacts: ['optimization'] }, 'P4'],
  ['P4: documentation issues', { impacts: ['documentation'] }, 'P4'],
  ['P4: error rate below 1%', { metrics: { errorRatePercent: 0.4 } }, 'P4'],
  // The seed leaves gaps; they fall to the lower level.
  ['gap: error rate 5-10% is P3 (not above P2 threshold)', { metrics: { errorRatePercent: 7 } }, 'P3'],
  ['gap: latency 200-500ms is P3', { metrics: { p95LatencyMs: 350 } }, 'P3'],
  ['boundary: error rate exactly 10% is not "> 10%"', { metrics: { errorRatePercent: 10 } }, 'P3'],
  ['boundary: latency exactly 500 ms is not "> 500ms"', { metrics: { p95LatencyMs: 500 } }, 'P3'],
  [
    'the worst signal decides: 3% errors and 0 tasks',
    { metrics: { errorRatePercent: 3, runningTasks: 0 } },
    'P1',
  ],
];

describe('seed 000 severity matrix (defaults)', () => {
  it.each(seed000)('%s', (_, evidence, expected) => {
    expect(classifySeverity(evidence, 'P4').severity).toBe(expected);
  });
});

describe('automation may only raise severity', () => {
  it('an alarm configured P2 whose service has 0 running tasks is P1 (DESIGN.md)', () => {
    const j = classifySeverity({ metrics: { runningTasks: 0 } }, 'P2');
    expect(j).toMatchObject({ severity: 'P1', reason: 'no running tasks: service down' });
  });

  it('evidence of a lower level keeps the configured level and says why', () => {
    const j = classifySeverity({ metrics: { errorRatePercent: 3 } }, 'P2');
    expect(j.severity).toBe('P2');
    expect(j.reason).toBe('kept P2: evidence alone says P3 (error rate 1% or more)');
  });

  it('no evidence keeps the configured level', () => {
    expect(classifySeverity({}, 'P3')).toMatchObject({ severity: 'P3', reason: 'configured P3' });
  });

  it('ignores a metric that is not a finite number', () => {
    expect(classifySeverity({ metrics: { errorRatePercent: Number.NaN } }, 'P4').severity).toBe('P4');
  });
});

describe('other teams matrices (seeds 003, 004) are expressible as rules', () => {
  // Seed 004: P1 (High) error rate > 50%, P2 (Medium) error rate 10-50%, P3 degraded < 20%.
  const seed004: SeverityRule[] = [
    {
      severity: 'P1',
      when: { metric: 'errorRatePercent', op: '>', value: 50 },
      reason: 'error rate > 50% (seed 004 High)',
    },
    {
      severity: 'P2',
      when: { metric: 'errorRatePercent', op: '>=', value: 10 },
      reason: 'error rate 10-50% (seed 004 Medium)',
    },
  ];
  it.each<[number, Severity]>([
    [60, 'P1'],
    [50, 'P2'],
    [10, 'P2'],
    [9, 'P4'],
  ])('error rate %d%% -> %s', (rate, expected) => {
    expect(classifySeverity({ metrics: { errorRatePercent: rate } }, 'P4', seed004).severity).toBe(expected);
  });

  it('rule order in the config does not matter: the most severe match wins', () => {
    const reversed = [...DEFAULT_SEVERITY_RULES].reverse();
    expect(classifySeverity({ metrics: { errorRatePercent: 100 } }, 'P4', reversed).severity).toBe('P1');
  });
});

describe('mostSevere', () => {
  it.each<[Severity, Severity, Severity]>([
    ['P1', 'P2', 'P1'],
    ['P3', 'P2', 'P2'],
    ['P4', 'P4', 'P4'],
  ])('%s vs %s -> %s', (a, b, expected) => {
    expect(mostSevere(a, b)).toBe(expected);
  });
});
