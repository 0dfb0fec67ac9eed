/**
 * Who a page to a tier reaches (issue 13), on the example config: on-call pages the app schedule
 * (primary in business hours in New York, secondary outside them for P1 only), devops-lead is the
 * fallback. Instants in UTC; New York is UTC-5 in December.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/contract/config';
import type { OncallOverride } from '../../../lambdas/contract/config-schema-oncall';
import { escalationSchedule } from '../../../lambdas/domain/escalation';
import { openIncident } from '../../../lambdas/domain/incident';
import { renderHandoffNote } from '../../../lambdas/domain/page-handoff';
import { addressKey, resolveTier, resolveTiers, schedulesOf } from '../../../lambdas/domain/paging-targets';
import { exampleInput } from '../../support/fixtures';

const input = exampleInput() as Record<string, Record<string, unknown>>;
input.contacts = {
  ...input.contacts,
  primary: { schedule: 'app', layer: 'primary' },
  secondary: { schedule: 'app', layer: 'secondary', severities: ['P1'], email: ['secondary@example.com'] },
};
const config = parseConfig(input, 'example');
const THU_1000 = new Date('2026-12-03T15:00:00Z');
const SAT_0300 = new Date('2026-12-05T08:00:00Z');

const override = (o: Partial<OncallOverride>): OncallOverride => ({
  id: 'ovr-1',
  schedule: 'app',
  kind: 'replace',
  person: 'bob-ortiz',
  from: '2026-12-03T14:00:00Z',
  to: '2026-12-03T16:00:00Z',
  reason: 'dentist',
  by: 'alice-ng',
  createdAt: '2026-12-01T00:00:00Z',
  ...o,
});

const reached = (r: { targets: readonly { address: Parameters<typeof addressKey>[0]; reason: string }[] }) =>
  r.targets.map((t) => `${addressKey(t.address)}: ${t.reason}`);

describe('resolveTier', () => {
  it('a tier with endpoints and no schedule reaches its own topic', () => {
    expect(reached(resolveTier(config, [], 'devops-lead', 'P2', THU_1000))).toEqual([
      "devops-lead: the tier's own endpoints",
    ]);
  });

  it('on-call reaches the primary in business hours and the secondary at Sat 03:00 for a P1', () => {
    expect(reached(resolveTier(config, [], 'on-call', 'P2', THU_1000))).toEqual([
      'person:alice-ng: primary of app, week of 2026-11-30',
    ]);
    expect(reached(resolveTier(config, [], 'on-call', 'P1', SAT_0300))).toEqual([
      'person:carol-diaz: secondary of app, day of 2026-12-04',
    ]);
  });

  it('a P2 at Sat 03:00 has nobody (the secondary is P1 only): a coverage gap pages the fallback tier', () => {
    const r = resolveTier(config, [], 'on-call', 'P2', SAT_0300);
    expect(r.coverageGap).toBe('nobody on call in app for P2 at 2026-12-05T08:00:00.000Z');
    expect(reached(r)).toEqual([
      'devops-lead: fallback: nobody on call in app for P2 at 2026-12-05T08:00:00.000Z',
    ]);
  });

  it('a tier naming one layer pages that layer only while it is active', () => {
    expect(reached(resolveTier(config, [], 'primary', 'P1', THU_1000))).toEqual([
      'person:alice-ng: primary of app, week of 2026-11-30',
    ]);
    expect(resolveTier(config, [], 'primary', 'P1', SAT_0300).coverageGap).toBe(
      'nobody on call in primary of app for P1 at 2026-12-05T08:00:00.000Z',
    );
  });

  it('a tier limited to P1 is skipped for a P2 and says why; its own endpoints also get the P1', () => {
    expect(resolveTier(config, [], 'secondary', 'P2', SAT_0300)).toEqual({
      tier: 'secondary',
      targets: [],
      skipped: 'secondary is paged for P1 only, not P2',
    });
    expect(reached(resolveTier(config, [], 'secondary', 'P1', SAT_0300))).toEqual([
      "secondary: the tier's own endpoints",
      'person:carol-diaz: secondary of app, day of 2026-12-04',
    ]);
  });

  it('an override replaces the person for its span, for the schedule and for a layer tier', () => {
    const overrides = [override({})];
    for (const tier of ['on-call', 'primary']) {
      expect(reached(resolveTier(config, overrides, tier, 'P1', THU_1000))).toEqual([
        'person:bob-ortiz: replaces alice-ng as primary of app, week of 2026-11-30 (override ovr-1 by alice-ng: dentist)',
      ]);
    }
    expect(
      reached(resolveTier(config, overrides, 'on-call', 'P1', new Date('2026-12-03T16:00:00Z'))),
    ).toEqual(['person:alice-ng: primary of app, week of 2026-11-30']);
  });
});

describe('resolveTiers', () => {
  it('reaches each address once, the first tier naming it, and keeps each tier for the timeline', () => {
    const r = resolveTiers(config, [], ['on-call', 'primary', 'devops-lead'], 'P1', THU_1000);
    expect(r.targets.map((t) => [t.tier, addressKey(t.address)])).toEqual([
      ['on-call', 'person:alice-ng'],
      ['devops-lead', 'devops-lead'],
    ]);
    expect(r.tiers.map((t) => t.tier)).toEqual(['on-call', 'primary', 'devops-lead']);
  });

  it('schedulesOf names the schedules the tiers read, once', () => {
    expect(schedulesOf(config, ['on-call', 'primary', 'devops-lead'])).toEqual(['app']);
  });
});

describe('escalationSchedule with a deferred first page', () => {
  it('the minute-0 steps become the loop first entries at the opening; later steps count from it', () => {
    const view = {
      severity: 'P1' as const,
      open: true,
      acknowledged: false,
      since: '2026-12-07T14:00:00.000Z',
      pagedTiers: [],
      deferred: true,
    };
    const entries = escalationSchedule(config.escalation, null, view, new Date('2026-12-07T18:00:00Z'));
    expect(entries.map((e) => [e.at, e.label, e.first ?? false])).toEqual([
      ['2026-12-07T14:00:00.000Z', 'step 1 (on-call) deferred to 2026-12-07T14:00:00.000Z', true],
      ['2026-12-07T14:05:00.000Z', 'step 1 (on-call) repeat 1 at +5 min', false],
      ['2026-12-07T14:10:00.000Z', 'step 1 (on-call) repeat 2 at +10 min', false],
      ['2026-12-07T15:00:00.000Z', 'step 2 (devops-lead) at +60 min', false],
      ['2026-12-07T16:00:00.000Z', 'step 3 (engineering-manager) at +120 min', false],
    ]);
    expect(
      escalationSchedule(config.escalation, null, { ...view, deferred: false }, new Date(0))[0]?.label,
    ).toBe('step 1 (on-call) repeat 1 at +5 min');
  });
});

describe('renderHandoffNote', () => {
  const incident = openIncident({
    id: 'INC-20261205-001',
    dedupKey: 'service=payments|alarm=payments-tasks-below-desired',
    signal: {
      alarmName: 'payments-tasks-below-desired',
      state: 'ALARM',
      at: '2026-12-05T08:03:00.000Z',
      service: 'payments',
    },
    severity: 'P1',
    severityReason: 'configured P1',
    title: 'payments running tasks below desired',
    runbookUrl: 'https://runbooks.example.com/payments/system-down',
    now: new Date('2026-12-05T08:03:00.000Z'),
  });

  it('tells the incoming person what they hold and lists every open incident with its runbook, in one SMS', () => {
    const page = renderHandoffNote({
      person: 'dan-kim',
      reason: 'secondary of app, day of 2026-12-05',
      from: 'carol-diaz',
      tier: 'on-call',
      incident,
      open: [incident, { ...incident, id: 'INC-20261205-002', severity: 'P2', acknowledgedBy: 'carol-diaz' }],
      now: new Date('2026-12-05T14:00:00.000Z'),
    });
    expect(page.subject).toBe('HANDOFF: you are on call for on-call, 2 open incidents');
    expect(page.body.split('\n').slice(0, 8)).toEqual([
      'HANDOFF: dan-kim, you are now on call for on-call (secondary of app, day of 2026-12-05)',
      'Since: 14:00 UTC, taking over from carol-diaz',
      '',
      '2 open incidents:',
      '- INC-20261205-001 [P1] DETECTED payments: payments running tasks below desired (open 5 h 57 min, nobody has acknowledged)',
      '  Runbook: https://runbooks.example.com/payments/system-down',
      '- INC-20261205-002 [P2] DETECTED payments: payments running tasks below desired (open 5 h 57 min, owner carol-diaz)',
      '  Runbook: https://runbooks.example.com/payments/system-down',
    ]);
    expect(page.sms).toBe(
      'HANDOFF on-call: you are on call. 2 open incidents: INC-20261205-001 P1, INC-20261205-002 P2',
    );
    expect(page.sms.length).toBeLessThanOrEqual(160);
  });
});
