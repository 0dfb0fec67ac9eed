import { describe, expect, it } from 'vitest';
import type { MaintenanceWindow } from '../../../lambdas/contract/config-schema';
import {
  type HistoryChange,
  isoWeek,
  type SimulationConfig,
  simulatePolicy,
} from '../../../lambdas/domain/policy-simulation';
import type { RouteDecision } from '../../../lambdas/domain/routing';
import { DEFAULT_SEVERITY_RULES } from '../../../lambdas/domain/severity';
import type { Silence } from '../../../lambdas/domain/silences';
import { FLAPPING_ALARMS, FLAPPING_WINDOWS, flappingHistory } from '../../support/flapping-history';

// The default escalation matrix, written out: P1 on-call at once and twice more 5 min apart, devops-lead
// at +60 and engineering-manager at +120 while not resolved; P2 on-call at once, devops-lead at +60;
// P3 on-call at once; P4 nobody.
const config = (overrides: Partial<SimulationConfig> = {}): SimulationConfig => ({
  dedupKey: ['service', 'alarm'],
  reopenWindowMinutes: 30,
  maintenanceWindows: [],
  severityRules: DEFAULT_SEVERITY_RULES,
  escalation: {
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
  },
  ...overrides,
});

const open = (service: string, severity: RouteDecision['severity'], rule: string | null): RouteDecision => ({
  action: 'open',
  rule,
  matched: rule ? [rule] : [],
  service,
  severity,
  why: ['test route'],
});
const ignore: RouteDecision = {
  action: 'ignore',
  rule: 'builtin:target-tracking',
  matched: [],
  service: null,
  severity: null,
  why: ['target tracking'],
};

const FLAPPING_ROUTES = new Map<string, RouteDecision>([
  [FLAPPING_ALARMS.a, open('checkout', 'P2', 'builtin:watched-alarm')],
  [FLAPPING_ALARMS.b, open('payments', 'P1', 'payments-latency')],
  [FLAPPING_ALARMS.c, open('orders', 'P3', null)],
  [FLAPPING_ALARMS.d, ignore],
]);

describe('simulatePolicy over 10,000 generated state changes', () => {
  const report = simulatePolicy({
    changes: flappingHistory(),
    config: config({ maintenanceWindows: FLAPPING_WINDOWS }),
    routes: FLAPPING_ROUTES,
    unmappedService: 'unmapped',
  });

  // Worked out from the generator's pattern (test/support/flapping-history.ts), hours after START:
  //
  // A (P2, checkout), 500 blocks at hour 2k: ALARM +0 opens, OK +10 resolves, ALARM +20 is 10 min after
  //   the resolution (<= 30) so reopens, OK +30; the next block's ALARM comes 90 min later: a new incident.
  //   Normal block: 1 opened, 1 reopened, 2 on-call pages (each firing lasts 10 min < devops-lead's 60).
  //   Sundays 02:00-04:00 (checkout's weekly window): Sundays are days 6, 13, 20, 27, 34, 41, so blocks at
  //   hours 146, 314, 482, 650, 818, 986 (all < 1,000): opened and reopened under the window, both
  //   suppressed, 0 pages (it recovers before 04:00, and is closed then).
  //   Hour 240 (the one-off window 239:50-240:15): ALARM +0 suppressed, OK +10 resolves it; at 240:15 the
  //   window ends with it recovered, so it is closed; the ALARM at +20 opens a NEW incident (not a reopen),
  //   unsuppressed: 1 on-call page. Block: 2 opened, 0 reopened, 1 suppressed, 1 page.
  //   A: opened 493 + 6 + 2 = 501, reopened 493 + 6 = 499, suppressed 6 x 2 + 1 = 13,
  //      on-call 493 x 2 + 1 = 987.
  // B (P1, payments), 160 blocks at hour 6k, ALARM +0, OK +150 (210 min to the next ALARM: no reopen):
  //   on-call +0, +5, +10, devops-lead +60, engineering-manager +120 (all before +150): 5 pages a block.
  //   Block 40 (hour 240) is suppressed until +15, still firing then: handled from +15, on-call +15, +20,
  //   +25, devops-lead +75, engineering-manager +135 (< 150): still 5 pages.
  //   B: opened 160, suppressed 1, on-call 480, devops-lead 160, engineering-manager 160.
  // C (P3, orders), 240 blocks at hour 4k: ALARM +0 opens, INSUFFICIENT_DATA +5 is no signal, ALARM +10
  //   joins the open incident (a duplicate), OK +40 resolves: 1 opened, 1 duplicate, 1 on-call page.
  //   Block 60 (hour 240): suppressed until +15, the duplicate at +10 still counts, handled at +15: 1 page.
  //   C: opened 240, duplicates 240, suppressed 1, on-call 240.
  // D (target tracking, ignored by routing): 3,360 ALARMs ignored, nothing opened.
  //
  // Totals: opened 501 + 160 + 240 = 901; reopened 499; duplicates 240; suppressed 13 + 1 + 1 = 15;
  // ignored 3,360; on-call 987 + 480 + 240 = 1,707, devops-lead 160, engineering-manager 160: 2,027 pages.
  it('counts the totals worked out by hand', () => {
    expect(report.history).toEqual({
      from: '2026-11-02T00:00:00.000Z',
      // A's last OK: block 499 at hour 998, +30 min (D ends at 839:50, B at 954:00 + 150 min, C at 956:40).
      until: '2026-12-13T14:30:00.000Z',
      stateChanges: 10_000,
      // A 1,000 + B 160 + C 480 + D 3,360; OKs: A 1,000 + B 160 + C 240 + D 3,360; C's 240 INSUFFICIENT_DATA.
      toAlarm: 5_000,
      toOk: 4_760,
      toInsufficientData: 240,
      alarms: 4,
    });
    expect(report.totals).toEqual({
      pages: { 'on-call': 1_707, 'devops-lead': 160, 'engineering-manager': 160 },
      pagesTotal: 2_027,
      opened: 901,
      suppressed: 15,
      duplicates: 240,
      reopened: 499,
      ignored: 3_360,
    });
    expect(report.openAtEnd).toBe(0);
  });

  // Week 2026-W45 is hours 0 to 168. A: blocks k = 0..83 (84), the Sunday one at 146 among them: opened 84,
  // reopened 83 + 1 = 84, suppressed 2, on-call 83 x 2 = 166. B: k = 0..27 (28; block 27 at 162 h pages
  // until 164:15): on-call 84, devops-lead 28, engineering-manager 28. C: k = 0..41 (42): opened 42,
  // duplicates 42, on-call 42. D: 10,080 min / 15 = 672 ignored.
  it('splits the figures by ISO week, Monday-based', () => {
    // Hours 0 to 998:30 span 6 weeks: W45 to W50.
    expect(report.weeks.map((w) => w.week)).toEqual([
      '2026-W45',
      '2026-W46',
      '2026-W47',
      '2026-W48',
      '2026-W49',
      '2026-W50',
    ]);
    expect(report.weeks[0]).toEqual({
      week: '2026-W45',
      pages: { 'on-call': 292, 'devops-lead': 28, 'engineering-manager': 28 },
      pagesTotal: 348,
      opened: 154,
      suppressed: 2,
      duplicates: 42,
      reopened: 84,
      ignored: 672,
    });
    const sum = (pick: (w: (typeof report.weeks)[number]) => number) =>
      report.weeks.reduce((n, w) => n + pick(w), 0);
    expect(sum((w) => w.pagesTotal)).toBe(report.totals.pagesTotal);
    expect(sum((w) => w.opened)).toBe(report.totals.opened);
  });

  it('ranks the noisiest alarms by their changes to ALARM', () => {
    expect(
      report.noisiest.map((a) => [a.alarmName, a.toAlarm, a.incidents, a.reopened, a.duplicates, a.pages]),
    ).toEqual([
      [FLAPPING_ALARMS.d, 3_360, 0, 0, 0, 0],
      [FLAPPING_ALARMS.a, 1_000, 501, 499, 0, 987],
      [FLAPPING_ALARMS.c, 480, 240, 0, 240, 240],
      [FLAPPING_ALARMS.b, 160, 160, 0, 0, 800],
    ]);
    expect(report.noisiest[0]?.route).toEqual({
      action: 'ignore',
      rule: 'builtin:target-tracking',
      service: null,
      severity: null,
    });
  });
});

describe('simulatePolicy, one rule at a time', () => {
  const at = (minute: number) =>
    new Date(Date.parse('2026-11-23T10:00:00.000Z') + minute * 60_000).toISOString();
  const change = (
    minute: number,
    state: HistoryChange['state'],
    alarmName = 'checkout-cpu',
  ): HistoryChange => ({
    alarmName,
    at: at(minute),
    state,
  });
  const run = (
    changes: HistoryChange[],
    overrides: Partial<SimulationConfig> = {},
    silences: Silence[] = [],
  ) =>
    simulatePolicy({
      changes,
      config: config(overrides),
      routes: new Map([
        ['checkout-cpu', open('checkout', 'P1', null)],
        ['checkout-memory', open('checkout', 'P1', null)],
      ]),
      unmappedService: 'unmapped',
      silences,
    });

  it('reopens at exactly the reopen window, and opens a new incident a minute later', () => {
    const within = run([change(0, 'ALARM'), change(1, 'OK'), change(31, 'ALARM'), change(32, 'OK')]);
    expect([within.totals.opened, within.totals.reopened]).toEqual([1, 1]);
    const after = run([change(0, 'ALARM'), change(1, 'OK'), change(32, 'ALARM'), change(33, 'OK')]);
    expect([after.totals.opened, after.totals.reopened]).toEqual([2, 0]);
  });

  it('sorts the history: AWS lists it newest first', () => {
    const report = run([change(32, 'OK'), change(31, 'ALARM'), change(1, 'OK'), change(0, 'ALARM')]);
    expect([report.totals.opened, report.totals.reopened]).toEqual([1, 1]);
  });

  it('pages a step only when it is due before the resolution, and counts an open incident to the end', () => {
    // P1: on-call at 0, 5, 10; devops-lead at 60 is due when the OK arrives, so not paged.
    expect(run([change(0, 'ALARM'), change(60, 'OK')]).totals.pages).toEqual({
      'on-call': 3,
      'devops-lead': 0,
      'engineering-manager': 0,
    });
    // Never resolved: counted until the history's last change (the other alarm's, at +125).
    const open = run([
      change(0, 'ALARM'),
      change(124, 'ALARM', 'checkout-memory'),
      change(125, 'OK', 'checkout-memory'),
    ]);
    expect(open.openAtEnd).toBe(1);
    // checkout-cpu: on-call 3, devops-lead, engineering-manager; checkout-memory: on-call at 124 only.
    expect(open.totals.pages).toEqual({ 'on-call': 4, 'devops-lead': 1, 'engineering-manager': 1 });
  });

  it('joins alarms of one service when the dedup key is the service alone', () => {
    const report = run(
      [change(0, 'ALARM'), change(5, 'ALARM', 'checkout-memory'), change(10, 'OK', 'checkout-memory')],
      { dedupKey: ['service'] },
    );
    // One incident, the second ALARM a duplicate; the memory OK resolves the service's incident at +10.
    expect([report.totals.opened, report.totals.duplicates, report.openAtEnd]).toEqual([1, 1, 0]);
    expect(report.totals.pages['on-call']).toBe(2);
  });

  it('suppresses under a silence, and handles the incident when the silence ends while it still fires', () => {
    const silence: Silence = {
      service: 'checkout',
      id: 's1',
      from: at(-60),
      until: at(30),
      reason: 'deploy',
      by: 'alice',
    };
    const windows: MaintenanceWindow[] = [];
    const report = run([change(0, 'ALARM'), change(100, 'OK')], { maintenanceWindows: windows }, [silence]);
    expect(report.totals.suppressed).toBe(1);
    // Handled from +30: on-call at 30, 35, 40; devops-lead at 90 (< 100); engineering-manager at 150 is too late.
    expect(report.totals.pages).toEqual({ 'on-call': 3, 'devops-lead': 1, 'engineering-manager': 0 });
  });

  it('names ISO weeks as ISO 8601 does at the turn of the year', () => {
    expect(isoWeek(Date.parse('2026-11-23T00:00:00Z'))).toBe('2026-W48');
    expect(isoWeek(Date.parse('2026-11-22T23:59:59Z'))).toBe('2026-W47');
    expect(isoWeek(Date.parse('2025-12-29T00:00:00Z'))).toBe('2026-W01');
    expect(isoWeek(Date.parse('2027-01-03T12:00:00Z'))).toBe('2026-W53');
  });
});
