import { describe, expect, it } from 'vitest';
import {
  type OncallConfigInput,
  type OncallOverride,
  oncallConfigSchema,
} from '../../../lambdas/contract/config-schema-oncall';
import { deferUntil, handoffWarnings, onCallAt, shifts } from '../../../lambdas/domain/oncall';

const HOUR = 3_600_000;
const NY = 'America/New_York';

const person = (name: string) => ({ name, email: `${name}@example.com` });
const daily = (time: string, anchor: string) => ({
  unit: 'day' as const,
  every: 1,
  handoff: { time },
  anchor,
});

const input: OncallConfigInput = {
  people: ['alice', 'bob', 'carol', 'dana', 'erin'].map(person),
  calendars: {
    'business-hours': {
      timeZone: NY,
      hours: Object.fromEntries(['MON', 'TUE', 'WED', 'THU', 'FRI'].map((d) => [d, ['09:00-17:00']])),
      holidays: ['2026-09-07', '2026-11-26', '2026-12-25'],
    },
  },
  schedules: {
    // alice on 2026-01-01 (day 0), so alice on even days since then, bob on odd ones.
    daily: {
      timeZone: NY,
      layers: [{ name: 'primary', members: ['alice', 'bob'], rotation: daily('09:00', '2026-01-01') }],
    },
    'spring-gap': {
      timeZone: NY,
      layers: [{ name: 'primary', members: ['alice', 'bob'], rotation: daily('02:30', '2026-03-01') }],
    },
    'fall-overlap': {
      timeZone: NY,
      layers: [{ name: 'primary', members: ['alice', 'bob'], rotation: daily('01:30', '2026-10-01') }],
    },
    app: {
      timeZone: NY,
      layers: [
        {
          name: 'secondary',
          members: ['carol', 'dana'],
          rotation: {
            unit: 'week',
            every: 1,
            handoff: { weekday: 'MON', time: '09:00' },
            anchor: '2026-11-02',
          },
          activeOutside: 'business-hours',
          severities: ['P1'],
        },
        {
          name: 'primary',
          members: ['alice', 'bob'],
          rotation: {
            unit: 'week',
            every: 1,
            handoff: { weekday: 'MON', time: '09:00' },
            anchor: '2026-11-30',
          },
          activeDuring: 'business-hours',
        },
      ],
    },
  },
  fallback: ['erin'],
};
const config = oncallConfigSchema.parse(input);
const calendar = config.calendars['business-hours'] ?? expect.fail('no calendar');

const at = (iso: string, overrides: OncallOverride[] = [], schedule = 'daily') =>
  onCallAt(config, overrides, new Date(iso))[schedule] ?? expect.fail(`no schedule ${schedule}`);
const iso = (d: Date) => d.toISOString();

const override = (
  fields: Partial<OncallOverride> & Pick<OncallOverride, 'id' | 'kind' | 'person'>,
): OncallOverride => ({
  schedule: 'daily',
  from: '2026-03-10T18:00:00.000Z',
  to: '2026-03-10T20:00:00.000Z',
  reason: 'dentist',
  by: 'dana',
  createdAt: '2026-03-01T00:00:00.000Z',
  ...fields,
});

describe('daily 09:00 America/New_York handoff across DST', () => {
  it('makes the shift into 2026-03-08 23 h long (09:00 EST = 14:00Z to 09:00 EDT = 13:00Z)', () => {
    const r = at('2026-03-07T20:00:00.000Z');
    expect(r.people).toEqual(['bob']);
    expect(iso(r.start)).toBe('2026-03-07T14:00:00.000Z');
    expect(iso(r.end)).toBe('2026-03-08T13:00:00.000Z');
    expect(r.end.getTime() - r.start.getTime()).toBe(23 * HOUR);
    expect(r.onCall[0]?.reason).toBe('primary of daily, day of 2026-03-07');
  });

  it('makes the shift into 2026-11-01 25 h long (09:00 EDT = 13:00Z to 09:00 EST = 14:00Z)', () => {
    const r = at('2026-10-31T13:00:00.000Z');
    expect(iso(r.start)).toBe('2026-10-31T13:00:00.000Z');
    expect(iso(r.end)).toBe('2026-11-01T14:00:00.000Z');
    expect(r.end.getTime() - r.start.getTime()).toBe(25 * HOUR);
  });

  it('gives the handoff instant T to the incoming person, and T - 1 ms to the outgoing one', () => {
    expect(at('2026-03-08T13:00:00.000Z').people).toEqual(['alice']);
    expect(at('2026-03-08T12:59:59.999Z').people).toEqual(['bob']);
    expect(iso(at('2026-03-08T13:00:00.000Z').start)).toBe('2026-03-08T13:00:00.000Z');
  });
});

describe('handoffs at local times that do not exist or exist twice', () => {
  it('moves a 02:30 handoff on 2026-03-08 forward by the gap, to 03:30 EDT = 07:30Z', () => {
    const r = at('2026-03-08T07:30:00.000Z', [], 'spring-gap');
    expect(iso(r.start)).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(r.end)).toBe('2026-03-09T06:30:00.000Z');
    expect(at('2026-03-08T07:29:59.999Z', [], 'spring-gap').people).not.toEqual(r.people);
  });

  it('takes the first occurrence of a 01:30 handoff on 2026-11-01 (01:30 EDT = 05:30Z)', () => {
    const r = at('2026-11-01T05:30:00.000Z', [], 'fall-overlap');
    expect(iso(r.start)).toBe('2026-11-01T05:30:00.000Z');
    expect(iso(r.end)).toBe('2026-11-02T06:30:00.000Z');
    expect(at('2026-11-01T05:29:59.999Z', [], 'fall-overlap').people).not.toEqual(r.people);
  });

  it('warns of both, and of nothing else', () => {
    const warnings = handoffWarnings(config, { from: new Date('2026-01-01T00:00:00.000Z'), days: 365 });
    expect(warnings.map((w) => [w.schedule, w.local, w.kind, iso(w.at)])).toEqual([
      ['spring-gap', '2026-03-08 02:30', 'gap', '2026-03-08T07:30:00.000Z'],
      ['fall-overlap', '2026-11-01 01:30', 'overlap', '2026-11-01T05:30:00.000Z'],
    ]);
  });
});

describe('layers active during or outside business hours', () => {
  it('has primary on Fri 16:59:59.999 New York (21:59:59.999Z) and secondary from Fri 17:00 (22:00Z)', () => {
    const before = at('2026-12-04T21:59:59.999Z', [], 'app');
    expect(before.people).toEqual(['alice']);
    expect(before.onCall[0]?.reason).toBe('primary of app, week of 2026-11-30');
    expect(iso(before.end)).toBe('2026-12-04T22:00:00.000Z');
    const after = at('2026-12-04T22:00:00.000Z', [], 'app');
    expect(after.people).toEqual(['carol']);
    expect(after.onCall[0]?.reason).toBe('secondary of app, week of 2026-11-30');
    expect([iso(after.start), iso(after.end)]).toEqual([
      '2026-12-04T22:00:00.000Z',
      '2026-12-07T14:00:00.000Z',
    ]);
  });

  it('has secondary all day on a holiday (Thanksgiving, Thu 2026-11-26 12:00 EST = 17:00Z)', () => {
    const r = at('2026-11-26T17:00:00.000Z', [], 'app');
    expect(r.people).toEqual(['dana']);
    expect(r.onCall[0]?.layer).toBe('secondary');
    expect([iso(r.start), iso(r.end)]).toEqual(['2026-11-25T22:00:00.000Z', '2026-11-27T14:00:00.000Z']);
  });

  it('leaves a P3 after hours to the fallback, as secondary is P1 only', () => {
    const r = onCallAt(config, [], new Date('2026-12-04T22:00:00.000Z'), { severity: 'P3' }).app;
    expect(r?.coverageGap).toBe(true);
    expect(r?.fallback).toEqual(['erin']);
  });
});

describe('overrides', () => {
  it('splits a shift: carol replaces alice 18:00Z-20:00Z on 2026-03-10, alice before and after', () => {
    const split = [override({ id: 'ov-1', kind: 'replace', person: 'carol', replaces: 'alice' })];
    const list = shifts(
      config,
      split,
      new Date('2026-03-10T13:00:00.000Z'),
      new Date('2026-03-11T13:00:00.000Z'),
    );
    expect(
      list.filter((s) => s.schedule === 'daily').map((s) => [s.people, iso(s.start), iso(s.end)]),
    ).toEqual([
      [['alice'], '2026-03-10T13:00:00.000Z', '2026-03-10T18:00:00.000Z'],
      [['carol'], '2026-03-10T18:00:00.000Z', '2026-03-10T20:00:00.000Z'],
      [['alice'], '2026-03-10T20:00:00.000Z', '2026-03-11T13:00:00.000Z'],
    ]);
    expect(at('2026-03-10T18:00:00.000Z', split).onCall[0]?.reason).toBe(
      'replaces alice as primary of daily, day of 2026-03-10 (override ov-1 by dana: dentist)',
    );
  });

  it('spans a handoff: dana covers whoever is scheduled 12:00Z-15:00Z on 2026-03-11, across the 13:00Z handoff', () => {
    const span = [
      override({
        id: 'ov-2',
        kind: 'replace',
        person: 'dana',
        from: '2026-03-11T12:00:00.000Z',
        to: '2026-03-11T15:00:00.000Z',
      }),
    ];
    expect(at('2026-03-11T12:59:59.999Z', span).onCall[0]?.reason).toMatch(/^replaces alice /);
    expect(at('2026-03-11T13:00:00.000Z', span).onCall[0]?.reason).toMatch(/^replaces bob /);
    expect(at('2026-03-11T13:00:00.000Z', span).people).toEqual(['dana']);
    expect(at('2026-03-11T15:00:00.000Z', span).people).toEqual(['bob']);
  });

  it('lets the override created last win where two overlap, whatever their order in the list', () => {
    const overlapping = [
      override({
        id: 'ov-b',
        kind: 'replace',
        person: 'dana',
        replaces: 'alice',
        from: '2026-03-12T16:00:00.000Z',
        to: '2026-03-12T20:00:00.000Z',
        createdAt: '2026-03-02T00:00:00.000Z',
      }),
      override({
        id: 'ov-a',
        kind: 'replace',
        person: 'carol',
        replaces: 'alice',
        from: '2026-03-12T14:00:00.000Z',
        to: '2026-03-12T18:00:00.000Z',
        createdAt: '2026-03-01T00:00:00.000Z',
      }),
    ];
    expect(at('2026-03-12T15:00:00.000Z', overlapping).people).toEqual(['carol']);
    expect(at('2026-03-12T17:00:00.000Z', overlapping).people).toEqual(['dana']);
    expect(at('2026-03-12T19:59:59.999Z', overlapping).people).toEqual(['dana']);
    expect(at('2026-03-12T20:00:00.000Z', overlapping).people).toEqual(['alice']);
  });

  it('adds a person beside the scheduled one, and a later remove takes them off again', () => {
    const overrides = [
      override({
        id: 'ov-add',
        kind: 'add',
        person: 'erin',
        from: '2026-03-10T14:00:00.000Z',
        to: '2026-03-10T16:00:00.000Z',
      }),
      override({
        id: 'ov-rm',
        kind: 'remove',
        person: 'erin',
        from: '2026-03-10T15:00:00.000Z',
        to: '2026-03-10T16:00:00.000Z',
        createdAt: '2026-03-05T00:00:00.000Z',
      }),
    ];
    expect(at('2026-03-10T14:30:00.000Z', overrides).people).toEqual(['alice', 'erin']);
    expect(at('2026-03-10T15:30:00.000Z', overrides).people).toEqual(['alice']);
  });

  it('names the fallback and flags a coverage gap when a remove leaves nobody', () => {
    const remove = [
      override({
        id: 'ov-3',
        kind: 'remove',
        person: 'bob',
        from: '2026-03-13T15:00:00.000Z',
        to: '2026-03-13T16:00:00.000Z',
      }),
    ];
    const gap = at('2026-03-13T15:30:00.000Z', remove);
    expect(gap).toMatchObject({ people: [], coverageGap: true, fallback: ['erin'] });
    expect([iso(gap.start), iso(gap.end)]).toEqual(['2026-03-13T15:00:00.000Z', '2026-03-13T16:00:00.000Z']);
    expect(at('2026-03-13T16:00:00.000Z', remove)).toMatchObject({
      people: ['bob'],
      coverageGap: false,
      fallback: [],
    });
  });
});

describe('deferUntil', () => {
  it('defers a P4 at Sat 03:00 EST (2026-11-28T08:00Z) to Mon 09:00 EST (2026-11-30T14:00Z)', () => {
    expect(iso(deferUntil(calendar, new Date('2026-11-28T08:00:00.000Z')))).toBe('2026-11-30T14:00:00.000Z');
  });

  it('defers to Tue 09:00 when Monday is a holiday (Sat 2026-09-05T07:00Z -> 2026-09-08T13:00Z)', () => {
    expect(iso(deferUntil(calendar, new Date('2026-09-05T07:00:00.000Z')))).toBe('2026-09-08T13:00:00.000Z');
  });

  it('does not defer while the calendar is open (Fri 16:59:59.999 EST)', () => {
    expect(iso(deferUntil(calendar, new Date('2026-12-04T21:59:59.999Z')))).toBe('2026-12-04T21:59:59.999Z');
  });
});

describe('shifts', () => {
  it('tile 2026 with no gap or overlap, handoff by handoff', () => {
    const from = new Date('2026-01-01T00:00:00.000Z');
    const to = new Date('2027-01-01T00:00:00.000Z');
    const all = shifts(config, [], from, to);
    for (const name of Object.keys(config.schedules)) {
      const list = all.filter((s) => s.schedule === name);
      expect(list.length).toBeGreaterThan(100);
      expect(iso(list[0]?.start ?? from)).toBe(iso(from));
      expect(iso(list.at(-1)?.end ?? from)).toBe(iso(to));
      list.slice(1).forEach((s, i) => {
        expect(iso(s.start)).toBe(iso(list[i]?.end ?? from));
      });
    }
  });
});

describe('oncallConfigSchema', () => {
  const issues = (patch: (c: OncallConfigInput) => void) => {
    const copy = structuredClone(input);
    patch(copy);
    const result = oncallConfigSchema.safeParse(copy);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const layer = (c: OncallConfigInput) => c.schedules?.app?.layers[0] ?? expect.fail('no layer');

  it('names an unknown time zone', () => {
    expect(issues((c) => Object.assign(c.schedules?.daily ?? {}, { timeZone: 'America/New_Yrok' }))).toEqual([
      'schedules.daily.timeZone: must be an IANA time zone such as America/New_York (unknown to Intl)',
    ]);
  });

  it('refuses both activeDuring and activeOutside', () => {
    expect(issues((c) => Object.assign(layer(c), { activeDuring: 'business-hours' }))).toEqual([
      'schedules.app.layers.0.activeOutside: takes either activeDuring or activeOutside a calendar, not both',
    ]);
  });

  it('names a member who is not in people, and a calendar that is not in calendars', () => {
    expect(
      issues((c) => Object.assign(layer(c), { members: ['carol', 'zoe'], activeOutside: 'support-hours' })),
    ).toEqual([
      'schedules.app.layers.0.members.1: zoe is not in people',
      'schedules.app.layers.0.activeOutside: support-hours is not in calendars',
    ]);
  });

  it('names overlapping opening ranges and a weekday on a daily rotation', () => {
    expect(
      issues((c) => {
        Object.assign(c.calendars?.['business-hours']?.hours ?? {}, { SAT: ['09:00-12:00', '11:00-13:00'] });
        Object.assign(c.schedules?.daily?.layers[0]?.rotation.handoff ?? {}, { weekday: 'MON' });
      }),
    ).toEqual([
      'calendars.business-hours.hours.SAT.1: must start at or after the end of 09:00-12:00 (ranges sorted, none overlapping)',
      'schedules.daily.layers.0.rotation.handoff.weekday: is only for weekly rotations (unit: week)',
    ]);
  });
});
