import { describe, expect, it } from 'vitest';
import type { Decision, DecisionVerdict, Diagnosis, GuardrailState } from '../../../lambdas/domain/evidence';
import { decide, describeAction } from '../../../lambdas/domain/playbooks';

const now = new Date('2026-11-23T10:30:00.000Z');
const minutesAgo = (n: number) => new Date(now.getTime() - n * 60_000).toISOString();

const rollback: Diagnosis = {
  findings: [],
  suspectedCause: 'bad-deployment',
  recommended: 'rollback',
  rollbackTo: 'checkout:41',
  summary: 'checkout:42 deployed 3 min before the alarm; error rate 35%; roll back to checkout:41',
};
const restart: Diagnosis = {
  findings: [],
  suspectedCause: 'crash-loop',
  recommended: 'restart',
  summary: 'checkout running 0 of 3; restart (force a new deployment)',
};
const scaleOut: Diagnosis = {
  findings: [],
  suspectedCause: 'resource-exhaustion',
  recommended: 'scale-out',
  scaleTo: 5,
  summary: 'checkout CPU 95% with requests at 3x the baseline; scale out from 3 to 5 tasks',
};
const pageOnly: Diagnosis = {
  findings: [],
  suspectedCause: 'dependency',
  recommended: 'page-only',
  summary: 'checkout: connection pool exhausted in the logs; page the on-call',
};

/** Every guardrail passes. */
const open: GuardrailState = {
  automationEnabled: true,
  killSwitchAllowsActions: true,
  allowlisted: true,
  dryRun: false,
  actionsThisIncident: 0,
  maxActionsPerIncident: 2,
  actionsLastHourForService: 0,
  maxActionsPerHour: 3,
  cooldownMinutes: 15,
  approvalRequired: false,
  maxDesiredCount: 12,
};
const guard = (over: Partial<GuardrailState> = {}): GuardrailState => ({ ...open, ...over });

describe('decide: each refusal with its reason', () => {
  it.each<[string, Diagnosis, Partial<GuardrailState>, string]>([
    [
      'automation disabled in the config',
      rollback,
      { automationEnabled: false },
      'refused to roll back to checkout:41: automation is disabled in the deployment config: no automatic actions',
    ],
    [
      'kill switch off',
      rollback,
      { killSwitchAllowsActions: false },
      'refused to roll back to checkout:41: the kill switch is off: no automatic actions',
    ],
    [
      'both off: says both',
      restart,
      { automationEnabled: false, killSwitchAllowsActions: false },
      'refused to force a new deployment (restart): automation is disabled in the deployment config and the kill switch is off: no automatic actions',
    ],
    [
      'service not allow-listed',
      rollback,
      { allowlisted: false },
      'refused to roll back to checkout:41: the service is not on the automation allow-list',
    ],
    [
      'per-incident cap reached',
      restart,
      { actionsThisIncident: 2 },
      'refused to force a new deployment (restart): cap reached: 2 automatic actions already in this incident (at most 2)',
    ],
    [
      'hourly cap for the service reached',
      restart,
      { actionsLastHourForService: 3 },
      'refused to force a new deployment (restart): cap reached: 3 automatic actions on the service in the last hour (at most 3 an hour)',
    ],
    [
      'cooldown: 4 min after the last action, 11 of 15 minutes left',
      rollback,
      { lastActionAt: minutesAgo(4) },
      'refused to roll back to checkout:41: cooldown: the last automatic action on the service was 4 min ago; 11 minutes left of the 15-min cooldown',
    ],
    [
      'cooldown: 14.5 min after, 1 minute left (rounded up, never "0 minutes")',
      rollback,
      { lastActionAt: minutesAgo(14.5) },
      'refused to roll back to checkout:41: cooldown: the last automatic action on the service was 14 min ago; 1 minute left of the 15-min cooldown',
    ],
    [
      'cooldown: an unreadable last-action time refuses rather than guesses',
      rollback,
      { lastActionAt: 'yesterday' },
      'refused to roll back to checkout:41: cooldown: the last action time "yesterday" is unreadable',
    ],
    [
      'scale-out without maxDesiredCount',
      scaleOut,
      { maxDesiredCount: undefined },
      'refused to scale out to 5 tasks: scale-out needs maxDesiredCount configured for the service',
    ],
    [
      'scale-out above the configured maximum',
      scaleOut,
      { maxDesiredCount: 4 },
      'refused to scale out to 5 tasks: scale-out to 5 tasks is above the configured maximum of 4',
    ],
    [
      'scale-out without a target count',
      { ...scaleOut, scaleTo: undefined },
      {},
      'refused to scale out: scale-out without a target count',
    ],
    [
      'rollback without a target revision',
      { ...rollback, rollbackTo: undefined },
      {},
      'refused to roll back: rollback without a target revision',
    ],
  ])('%s', (_, diagnosis, over, reason) => {
    expect(decide(diagnosis, guard(over), now)).toMatchObject({ verdict: 'refused', reason });
  });

  it('the cooldown has passed exactly at cooldownMinutes', () => {
    expect(decide(rollback, guard({ lastActionAt: minutesAgo(15) }), now).verdict).toBe('act');
  });

  it('caps are "at most": one below the cap still acts', () => {
    expect(
      decide(rollback, guard({ actionsThisIncident: 1, actionsLastHourForService: 2 }), now).verdict,
    ).toBe('act');
  });
});

describe('decide: outcomes when every guardrail passes', () => {
  it.each<[string, Diagnosis, Partial<GuardrailState>, Decision]>([
    [
      'dry-run says what it would do',
      rollback,
      { dryRun: true },
      {
        verdict: 'dry-run',
        playbook: 'rollback',
        rollbackTo: 'checkout:41',
        reason: 'dry run: would roll back to checkout:41',
      },
    ],
    [
      'approval required',
      scaleOut,
      { approvalRequired: true },
      {
        verdict: 'needs-approval',
        playbook: 'scale-out',
        scaleTo: 5,
        reason: 'approval required to scale out to 5 tasks',
      },
    ],
    [
      'act',
      restart,
      {},
      {
        verdict: 'act',
        playbook: 'restart',
        reason: 'force a new deployment (restart): every guardrail passed',
      },
    ],
    [
      'act carries the rollback target',
      rollback,
      {},
      {
        verdict: 'act',
        playbook: 'rollback',
        rollbackTo: 'checkout:41',
        reason: 'roll back to checkout:41: every guardrail passed',
      },
    ],
    [
      'page-only passes through whatever the guardrails, with the diagnosis in the reason',
      pageOnly,
      { automationEnabled: false, killSwitchAllowsActions: false, allowlisted: false, dryRun: true },
      {
        verdict: 'page-only',
        playbook: 'page-only',
        reason:
          'no automatic action for dependency: checkout: connection pool exhausted in the logs; page the on-call',
      },
    ],
  ])('%s', (_, diagnosis, over, expected) => {
    expect(decide(diagnosis, guard(over), now)).toEqual(expected);
  });

  it('a refusal still carries the target, so the timeline shows what was not done', () => {
    expect(decide(scaleOut, guard({ allowlisted: false }), now)).toMatchObject({
      verdict: 'refused',
      scaleTo: 5,
    });
  });
});

describe('decide: the order of checks', () => {
  // Everything fails at once; each row clears the check that decided the row before, so the next
  // check in the documented order decides.
  const steps: Array<[string, Partial<GuardrailState>, DecisionVerdict, RegExp]> = [
    ['everything fails: the switch decides', {}, 'refused', /automation is disabled/],
    [
      'then the allow-list',
      { automationEnabled: true, killSwitchAllowsActions: true },
      'refused',
      /allow-list/,
    ],
    ['then the incident cap', { allowlisted: true }, 'refused', /in this incident/],
    ['then the hourly cap', { actionsThisIncident: 0 }, 'refused', /in the last hour/],
    ['then the cooldown', { actionsLastHourForService: 0 }, 'refused', /cooldown/],
    ['then the scale-out maximum', { lastActionAt: undefined }, 'refused', /maxDesiredCount/],
    ['then dry-run (before approval)', { maxDesiredCount: 12 }, 'dry-run', /would scale out to 5 tasks/],
    ['then approval', { dryRun: false }, 'needs-approval', /approval required/],
    ['then act', { approvalRequired: false }, 'act', /every guardrail passed/],
  ];
  let state: GuardrailState = {
    automationEnabled: false,
    killSwitchAllowsActions: false,
    allowlisted: false,
    dryRun: true,
    actionsThisIncident: 5,
    maxActionsPerIncident: 2,
    actionsLastHourForService: 5,
    maxActionsPerHour: 3,
    lastActionAt: minutesAgo(1),
    cooldownMinutes: 15,
    approvalRequired: true,
  };
  const rows = steps.map(([name, fix, verdict, reason]) => {
    state = { ...state, ...fix };
    return [name, state, verdict, reason] as const;
  });

  it.each(rows)('%s', (_, guardrails, verdict, reason) => {
    const d = decide(scaleOut, guardrails, now);
    expect(d.verdict).toBe(verdict);
    expect(d.reason).toMatch(reason);
  });
});

describe('describeAction', () => {
  it.each<[string, Decision, number | undefined, string]>([
    [
      'rollback',
      { verdict: 'act', playbook: 'rollback', rollbackTo: 'checkout:41', reason: '' },
      undefined,
      'roll back checkout to checkout:41',
    ],
    [
      'restart',
      { verdict: 'act', playbook: 'restart', reason: '' },
      undefined,
      'force a new deployment of checkout',
    ],
    [
      'scale-out with the current count',
      { verdict: 'act', playbook: 'scale-out', scaleTo: 5, reason: '' },
      3,
      'scale checkout from 3 to 5 tasks',
    ],
    [
      'scale-out without the current count',
      { verdict: 'act', playbook: 'scale-out', scaleTo: 5, reason: '' },
      undefined,
      'scale checkout to 5 tasks',
    ],
    [
      'page-only',
      { verdict: 'page-only', playbook: 'page-only', reason: '' },
      undefined,
      'page the on-call for checkout; no automatic action',
    ],
    [
      'a rollback without a target says so',
      { verdict: 'refused', playbook: 'rollback', reason: '' },
      undefined,
      'roll back checkout (no target revision)',
    ],
  ])('%s', (_, decision, current, expected) => {
    expect(describeAction(decision, 'checkout', current)).toBe(expected);
  });
});
