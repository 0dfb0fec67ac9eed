import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OverrideStore } from '../../lambdas/adapters/oncall-overrides';
import { runCli } from '../support/cli';
import { useLocalDynamo } from '../support/local-dynamo';

// A deployed stack's table (--table), here dynalite; the other tests use the sandbox store (--db).
const dynamo = useLocalDynamo({ endpointEnv: true });

const freshDb = () => mkdtempSync(join(tmpdir(), 'oncall-'));

/** The example config: schedule app in America/New_York, primary alice-ng/bob-ortiz weekly from Mon 2026-11-30 09:00 during business hours, secondary carol-diaz/dan-kim daily 09:00 outside them. */
const SAT_0300_NY = '2026-12-05T08:00:00Z';
const THU_1000_NY = '2026-12-03T15:00:00Z';

const onCallJson = async (db: string, at: string, ...flags: string[]) => {
  const result = await runCli('oncall', '--at', at, '--json', '--db', db, ...flags);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  expect(result.out.endsWith('\n')).toBe(true);
  expect(result.out.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(result.out);
};

const addOverride = async (db: string, ...flags: string[]) => {
  const result = await runCli('override', 'app', ...flags, '--db', db);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  return result.out;
};

/** bob-ortiz in alice-ng's place over Thu 2026-12-03 09:00-17:00 New York. */
const BOB_FOR_ALICE = [
  '--replace',
  'bob-ortiz',
  '--replaces',
  'alice-ng',
  '--from',
  '2026-12-03T14:00:00Z',
  '--to',
  '2026-12-03T22:00:00Z',
  '--reason',
  'dentist',
  '--by',
  'alice-ng',
];

describe('incident oncall (who is on call at an instant)', () => {
  it('Sat 03:00 New York: the secondary of the daily rotation, carol-diaz (shift of Fri 2026-12-04 09:00)', async () => {
    // Daily 09:00 handoffs from the anchor 2026-11-30 (carol-diaz): 11-30 carol, 12-01 dan, 12-02 carol,
    // 12-03 dan, 12-04 carol; 03:00 on Sat 12-05 is before that day's 09:00 handoff, so still 12-04's.
    const db = freshDb();
    expect(await onCallJson(db, SAT_0300_NY)).toEqual({
      at: '2026-12-05T08:00:00.000Z',
      tiers: { 'on-call': ['carol-diaz'] },
      schedules: { app: ['carol-diaz'] },
    });
    const text = await runCli('oncall', '--at', SAT_0300_NY, '--db', db);
    expect(text.code).toBe(0);
    expect(text.out).toBe(
      [
        'On call at 2026-12-05 08:00 UTC (03:00 America/New_York)',
        'Tiers (as paged for a P1; --severity for another):',
        '  on-call         carol-diaz      secondary of app, day of 2026-12-04; until 2026-12-05 14:00 UTC (09:00 America/New_York)',
        'Schedules:',
        '  app             carol-diaz      secondary of app, day of 2026-12-04; until 2026-12-05 14:00 UTC (09:00 America/New_York)',
        '',
      ].join('\n'),
    );
  });

  it('the secondary is paged for P1 only: a P2 at Sat 03:00 is a coverage gap that pages devops-lead', async () => {
    const db = freshDb();
    expect(await onCallJson(db, SAT_0300_NY, '--severity', 'P2')).toEqual({
      at: '2026-12-05T08:00:00.000Z',
      tiers: { 'on-call': ['devops-lead'] },
      schedules: { app: [] },
    });
    const { out } = await runCli('oncall', '--at', SAT_0300_NY, '--severity', 'P2', '--db', db);
    expect(out).toContain(
      '  on-call         coverage gap: nobody on call in app for P2 at 2026-12-05T08:00:00.000Z; pages the fallback devops-lead;',
    );
    expect(out).toContain(
      '  app             nobody on call (coverage gap): a page falls back to devops-lead;',
    );
  });

  it('Thu 10:00 New York: the primary, alice-ng, week of 2026-11-30, until 17:00', async () => {
    const db = freshDb();
    expect(await onCallJson(db, THU_1000_NY)).toEqual({
      at: '2026-12-03T15:00:00.000Z',
      tiers: { 'on-call': ['alice-ng'] },
      schedules: { app: ['alice-ng'] },
    });
    const { out } = await runCli('oncall', '--at', THU_1000_NY, '--schedule', 'app', '--db', db);
    expect(out).toContain(
      '  app             alice-ng        primary of app, week of 2026-11-30; until 2026-12-03 22:00 UTC (17:00 America/New_York)\n',
    );
  });

  it('warns of handoffs that fall in a DST gap within the next 366 days', async () => {
    const config = JSON.parse(readFileSync('config/example.json', 'utf8'));
    config.oncall.schedules.app.layers[1].rotation.handoff.time = '02:30';
    const file = join(mkdtempSync(join(tmpdir(), 'oncall-config-')), 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const { code, out } = await runCli('oncall', '--at', SAT_0300_NY, '--config', file, '--db', freshDb());
    expect(code).toBe(0);
    expect(out).toContain(
      'warning: handoff of secondary of app at 2027-03-14 02:30 America/New_York does not exist (clocks spring forward): it moves forward by the gap, 2027-03-14T07:30:00.000Z\n',
    );
    expect(out.match(/^warning: /gm)).toHaveLength(1);
    expect((await runCli('oncall', '--at', SAT_0300_NY, '--db', freshDb())).out).not.toContain('warning');
  });
});

describe('incident override and overrides', () => {
  it('an override replacing alice-ng: printed with who is on call at its start, then in --json', async () => {
    const db = freshDb();
    const out = await addOverride(db, ...BOB_FOR_ALICE);
    const id = /^Override (\S+) on app: bob-ortiz replaces alice-ng\n/.exec(out)?.[1];
    expect(id).toBeDefined();
    expect(out).toContain(
      '  2026-12-03 14:00 UTC (09:00 America/New_York) - 2026-12-03 22:00 UTC (17:00 America/New_York), by alice-ng: dentist\n',
    );
    expect(out).toContain('On call in app at 2026-12-03 14:00 UTC (09:00 America/New_York), with it:\n');
    expect(out).toContain(
      `  app             bob-ortiz       replaces alice-ng as primary of app, week of 2026-11-30 (override ${id} by alice-ng: dentist); until 2026-12-03 22:00 UTC (17:00 America/New_York)\n`,
    );
    expect(out).toContain(`Delete it: incident override app --delete ${id} --by NAME\n`);
    expect(await onCallJson(db, THU_1000_NY)).toEqual({
      at: '2026-12-03T15:00:00.000Z',
      tiers: { 'on-call': ['bob-ortiz'] },
      schedules: { app: ['bob-ortiz'] },
    });
    // It ends at 17:00 New York: the secondary's evening shift (day of 2026-12-03, dan-kim) is untouched.
    expect((await onCallJson(db, '2026-12-03T22:00:00Z')).schedules).toEqual({ app: ['dan-kim'] });
  });

  it('overlapping overrides: the one created later wins, whatever its span', async () => {
    const db = freshDb();
    const window = (person: string, from: string, to: string) => [
      '--replace',
      person,
      '--from',
      from,
      '--to',
      to,
      '--reason',
      `cover by ${person}`,
      '--by',
      'alice-ng',
    ];
    await addOverride(db, ...window('dan-kim', '2026-12-03T16:00:00Z', '2026-12-03T20:00:00Z'));
    await addOverride(db, ...window('bob-ortiz', '2026-12-03T14:00:00Z', '2026-12-03T22:00:00Z'));
    expect((await onCallJson(db, '2026-12-03T17:00:00Z')).schedules).toEqual({ app: ['bob-ortiz'] });

    const other = freshDb();
    await addOverride(other, ...window('bob-ortiz', '2026-12-03T14:00:00Z', '2026-12-03T22:00:00Z'));
    await addOverride(other, ...window('dan-kim', '2026-12-03T16:00:00Z', '2026-12-03T20:00:00Z'));
    expect((await onCallJson(other, '2026-12-03T17:00:00Z')).schedules).toEqual({ app: ['dan-kim'] });
    expect((await onCallJson(other, THU_1000_NY)).schedules).toEqual({ app: ['bob-ortiz'] });
    expect((await onCallJson(other, '2026-12-03T20:00:00Z')).schedules).toEqual({ app: ['bob-ortiz'] });
  });

  it('a remove that leaves nobody on call: the page falls back to devops-lead', async () => {
    const db = freshDb();
    await addOverride(
      db,
      '--remove',
      'carol-diaz',
      '--from',
      '2026-12-05T05:00:00Z',
      '--to',
      '2026-12-05T11:00:00Z',
      '--reason',
      'flight',
      '--by',
      'carol-diaz',
    );
    expect(await onCallJson(db, SAT_0300_NY)).toEqual({
      at: '2026-12-05T08:00:00.000Z',
      tiers: { 'on-call': ['devops-lead'] },
      schedules: { app: [] },
    });
    const { out } = await runCli('oncall', '--at', SAT_0300_NY, '--db', db);
    expect(out).toContain(
      '  on-call         coverage gap: nobody on call in app for P1 at 2026-12-05T08:00:00.000Z; pages the fallback devops-lead; until 2026-12-05 11:00 UTC (06:00 America/New_York)\n',
    );
    expect((await onCallJson(db, '2026-12-05T11:00:00Z')).tiers).toEqual({ 'on-call': ['carol-diaz'] });
  });

  it("a tier with endpoints of its own pages them beside the schedule's people, and beside the fallback in a gap", async () => {
    const config = JSON.parse(readFileSync('config/example.json', 'utf8'));
    config.contacts['on-call'].email = ['oncall@example.com'];
    const file = join(mkdtempSync(join(tmpdir(), 'oncall-config-')), 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const db = freshDb();
    expect((await onCallJson(db, SAT_0300_NY, '--config', file)).tiers).toEqual({
      'on-call': ['on-call', 'carol-diaz'],
    });
    expect((await onCallJson(db, SAT_0300_NY, '--config', file, '--severity', 'P3')).tiers).toEqual({
      'on-call': ['on-call', 'devops-lead'],
    });
    const { out } = await runCli(
      'oncall',
      '--at',
      SAT_0300_NY,
      '--severity',
      'P3',
      '--config',
      file,
      '--db',
      db,
    );
    expect(out).toContain(
      [
        "  on-call         on-call         the tier's own endpoints; until 2026-12-05 14:00 UTC (09:00 America/New_York)",
        '  on-call         coverage gap: nobody on call in app for P3 at 2026-12-05T08:00:00.000Z; pages the fallback devops-lead; until 2026-12-05 14:00 UTC (09:00 America/New_York)',
      ].join('\n'),
    );
  });

  it('a retry with the same --token stores nothing twice; the same token with other fields names --token', async () => {
    const db = freshDb();
    const first = await addOverride(db, ...BOB_FOR_ALICE, '--token', 'req-42');
    const id = /^Override (\S+) on app/.exec(first)?.[1] ?? '';
    const retry = await addOverride(db, ...BOB_FOR_ALICE, '--token', 'req-42');
    expect(retry).toMatch(
      new RegExp(
        `^Override ${id} on app was already stored with token req-42 \\(a retry\\): nothing added. It: bob-ortiz replaces alice-ng\\n`,
      ),
    );
    const clash = await runCli(
      'override',
      'app',
      ...BOB_FOR_ALICE.map((a) => (a === 'bob-ortiz' ? 'dan-kim' : a)),
      '--token',
      'req-42',
      '--db',
      db,
    );
    expect(clash.code).toBe(2);
    expect(clash.err).toContain(
      `--token: token "req-42" was used for override ${id}, whose person differs: a new override needs a new token`,
    );
    const { overrides } = JSON.parse(
      (await runCli('overrides', '--at', THU_1000_NY, '--json', '--db', db)).out,
    );
    expect(overrides).toEqual([
      {
        id,
        schedule: 'app',
        kind: 'replace',
        person: 'bob-ortiz',
        replaces: 'alice-ng',
        from: '2026-12-03T14:00:00.000Z',
        to: '2026-12-03T22:00:00.000Z',
        reason: 'dentist',
        by: 'alice-ng',
        createdAt: expect.any(String),
      },
    ]);
  });

  it('overrides lists those in force and to come with who and why; --delete takes one away for good', async () => {
    const db = freshDb();
    const id = /^Override (\S+)/.exec(await addOverride(db, ...BOB_FOR_ALICE))?.[1] ?? '';
    const listed = await runCli('overrides', 'app', '--at', '2026-12-03T12:00:00Z', '--db', db);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(
      new RegExp(
        [
          `^app +${id} {2}bob-ortiz replaces alice-ng {2}\\[starts in 2h 00m\\]`,
          ' {4}2026-12-03 14:00 UTC \\(09:00 America/New_York\\) - 2026-12-03 22:00 UTC \\(17:00 America/New_York\\)',
          ' {4}by alice-ng, \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC: dentist\\n$',
        ].join('\\n'),
      ),
    );
    expect((await runCli('overrides', '--at', THU_1000_NY, '--db', db)).out).toContain('[in force]');
    expect((await runCli('overrides', '--at', '2026-12-03T22:00:00Z', '--db', db)).out).toBe(
      'No override in force or to come.\n',
    );

    const deleted = await runCli('override', 'app', '--delete', id, '--by', 'dan-kim', '--db', db);
    expect(deleted).toMatchObject({
      code: 0,
      out: `Override ${id} of app deleted by dan-kim: bob-ortiz replaces alice-ng no longer applies (kept on the record).\n`,
    });
    expect((await onCallJson(db, THU_1000_NY)).schedules).toEqual({ app: ['alice-ng'] });
    expect((await runCli('overrides', 'app', '--at', THU_1000_NY, '--db', db)).out).toMatch(
      /\[deleted by dan-kim \d{4}-\d\d-\d\d \d\d:\d\d UTC\]/,
    );
    expect((await runCli('override', 'app', '--delete', id, '--by', 'bob-ortiz', '--db', db)).out).toMatch(
      new RegExp(`^Override ${id} of app was already deleted by dan-kim at `),
    );
    const missing = await runCli('override', 'app', '--delete', 'nope', '--by', 'dan-kim', '--db', db);
    expect(missing).toEqual({
      code: 1,
      out: '',
      err: 'No override nope in app. incident overrides app lists them.\n',
    });
  });
});

describe('incident oncall --from --to (the shifts)', () => {
  it('lists a week of the example schedule handoff by handoff, in UTC and New York time', async () => {
    const db = freshDb();
    const range = ['--from', '2026-11-30T14:00:00Z', '--to', '2026-12-07T14:00:00Z', '--db', db];
    const { code, out } = await runCli('oncall', ...range);
    expect(code).toBe(0);
    const ny = (utc: string, local: string) => `${utc} UTC (${local} America/New_York)`;
    const line = (from: string, to: string, who: string) => `  app             ${from} - ${to}  ${who}`;
    const primary = (day: string) =>
      line(
        ny(`${day} 14:00`, '09:00'),
        ny(`${day} 22:00`, '17:00'),
        'alice-ng: primary of app, week of 2026-11-30',
      );
    const evening = (day: string, next: string, person: string) =>
      line(
        ny(`${day} 22:00`, '17:00'),
        ny(`${next} 14:00`, '09:00'),
        `${person}: secondary of app, day of ${day}`,
      );
    const weekend = (day: string, next: string, person: string) =>
      line(
        ny(`${day} 14:00`, '09:00'),
        ny(`${next} 14:00`, '09:00'),
        `${person}: secondary of app, day of ${day}`,
      );
    expect(out).toBe(
      [
        'Shifts from 2026-11-30 14:00 UTC to 2026-12-07 14:00 UTC, handoff by handoff:',
        primary('2026-11-30'),
        evening('2026-11-30', '2026-12-01', 'carol-diaz'),
        primary('2026-12-01'),
        evening('2026-12-01', '2026-12-02', 'dan-kim'),
        primary('2026-12-02'),
        evening('2026-12-02', '2026-12-03', 'carol-diaz'),
        primary('2026-12-03'),
        evening('2026-12-03', '2026-12-04', 'dan-kim'),
        primary('2026-12-04'),
        evening('2026-12-04', '2026-12-05', 'carol-diaz'),
        weekend('2026-12-05', '2026-12-06', 'dan-kim'),
        weekend('2026-12-06', '2026-12-07', 'carol-diaz'),
        '',
      ].join('\n'),
    );

    const json = await runCli('oncall', ...range, '--json');
    const listed = JSON.parse(json.out);
    expect(listed).toHaveLength(12);
    expect(listed[0]).toEqual({
      schedule: 'app',
      start: '2026-11-30T14:00:00.000Z',
      end: '2026-11-30T22:00:00.000Z',
      people: ['alice-ng'],
      onCall: [{ person: 'alice-ng', reason: 'primary of app, week of 2026-11-30' }],
      coverageGap: false,
      fallback: [],
    });
    expect(listed.map((s: { people: string[] }) => s.people.join())).toEqual([
      'alice-ng',
      'carol-diaz',
      'alice-ng',
      'dan-kim',
      'alice-ng',
      'carol-diaz',
      'alice-ng',
      'dan-kim',
      'alice-ng',
      'carol-diaz',
      'dan-kim',
      'carol-diaz',
    ]);
  });

  it('an override splits the shifts it covers', async () => {
    const db = freshDb();
    await addOverride(
      db,
      ...BOB_FOR_ALICE.map((a) => (a === '2026-12-03T14:00:00Z' ? '2026-12-03T18:00:00Z' : a)),
    );
    const listed = JSON.parse(
      (
        await runCli(
          'oncall',
          '--from',
          '2026-12-03T14:00:00Z',
          '--to',
          '2026-12-03T22:00:00Z',
          '--json',
          '--db',
          db,
        )
      ).out,
    );
    expect(listed.map((s: { start: string; people: string[] }) => [s.start, s.people])).toEqual([
      ['2026-12-03T14:00:00.000Z', ['alice-ng']],
      ['2026-12-03T18:00:00.000Z', ['bob-ortiz']],
    ]);
  });
});

describe('a deployed table (--table)', () => {
  it('keeps the override where the Lambdas read it, and the CLI reads it back', async () => {
    const added = await runCli('override', 'app', ...BOB_FOR_ALICE, '--table', dynamo.tableName);
    expect(added.err).toBe('');
    expect(added.code).toBe(0);
    const stored = await new OverrideStore(dynamo.doc, dynamo.tableName).overridesInForce(
      ['app'],
      new Date(THU_1000_NY),
    );
    expect(stored).toEqual([
      expect.objectContaining({ kind: 'replace', person: 'bob-ortiz', replaces: 'alice-ng' }),
    ]);
    const json = await runCli('oncall', '--at', THU_1000_NY, '--json', '--table', dynamo.tableName);
    expect(JSON.parse(json.out).tiers).toEqual({ 'on-call': ['bob-ortiz'] });
  });
});

describe('bad input is a usage error (exit 2) naming the flag', () => {
  const override = (...flags: string[]) => [
    'override',
    'app',
    '--reason',
    'r',
    '--by',
    'alice-ng',
    '--from',
    '2026-12-03T14:00:00Z',
    '--to',
    '2026-12-03T22:00:00Z',
    ...flags,
  ];
  it.each([
    [
      override('--add', 'zed'),
      /--add: unknown person "zed": oncall.people has alice-ng, bob-ortiz, carol-diaz, dan-kim/,
    ],
    [override('--replace', 'bob-ortiz', '--replaces', 'zed'), /--replaces: unknown person "zed"/],
    [override('--add', 'bob-ortiz', '--replaces', 'alice-ng'), /--replaces: is only for kind: replace/],
    [
      [
        'override',
        'app',
        '--add',
        'bob-ortiz',
        '--from',
        '2026-12-03T22:00:00Z',
        '--to',
        '2026-12-03T14:00:00Z',
        '--reason',
        'r',
        '--by',
        'a',
      ],
      /--to: must be after --from/,
    ],
    [
      [
        'override',
        'app',
        '--add',
        'bob-ortiz',
        '--from',
        'tomorrow',
        '--to',
        '2026-12-03T14:00:00Z',
        '--reason',
        'r',
        '--by',
        'a',
      ],
      /--from: must be an ISO 8601 instant/,
    ],
    [
      [
        'override',
        'nope',
        '--add',
        'bob-ortiz',
        '--from',
        '2026-12-03T12:00:00Z',
        '--to',
        '2026-12-03T14:00:00Z',
        '--reason',
        'r',
        '--by',
        'a',
      ],
      /SCHEDULE: unknown schedule "nope": oncall.schedules has app/,
    ],
    [['override', '--add', 'bob-ortiz'], /override needs a SCHEDULE: one of app/],
    [override(), /override needs exactly one of --add PERSON, --remove PERSON, --replace PERSON/],
    [override('--add', 'bob-ortiz', '--remove', 'alice-ng'), /override needs exactly one of/],
    [
      ['override', 'app', '--add', 'bob-ortiz'],
      /override needs --from ISO, --to ISO, --reason TEXT, --by NAME/,
    ],
    [override('--add', 'bob-ortiz', '--token', ' '), /--token: must not be blank/],
    [['override', 'app', '--delete', 'x'], /override --delete needs --by NAME/],
    [
      ['override', 'app', '--delete', 'x', '--add', 'bob-ortiz', '--by', 'a'],
      /--delete ID, or --add PERSON, not both/,
    ],
    [['override', 'nope', '--delete', 'x', '--by', 'a'], /SCHEDULE: unknown schedule "nope"/],
    [['overrides', 'nope'], /SCHEDULE: unknown schedule "nope"/],
    [['oncall', '--schedule', 'nope'], /--schedule: unknown schedule "nope": oncall.schedules has app/],
    [
      ['oncall', '--at', '2026-12-05 08:00'],
      /--at: "2026-12-05 08:00" is not an ISO 8601 instant with its zone/,
    ],
    [['oncall', '--at', '2026-12-05T08:00:00'], /--at: .* is not an ISO 8601 instant with its zone/],
    [['oncall', '--severity', 'P9'], /--severity: "P9" is not a severity: one of P1, P2, P3, P4/],
    [['oncall', '--from', '2026-12-05T08:00:00Z'], /oncall --from --to needs --to ISO/],
    [
      ['oncall', '--from', '2026-12-05T08:00:00Z', '--to', '2026-12-05T08:00:00Z'],
      /--to: must be after --from/,
    ],
    [
      ['oncall', '--from', '2026-01-01T00:00:00Z', '--to', '2027-06-01T00:00:00Z'],
      /--to: the range is at most 366 days/,
    ],
    [
      ['oncall', '--at', SAT_0300_NY, '--from', SAT_0300_NY, '--to', THU_1000_NY],
      /--at ISO, or --from ISO --to ISO, not both/,
    ],
  ])('%j', async (argv, message) => {
    const result = await runCli(...argv, '--db', freshDb());
    expect(result.err).toMatch(message);
    expect(result.code).toBe(2);
    expect(result.err).toContain('Usage: incident <command>');
  });

  it('a config without an oncall section says so', async () => {
    const config = JSON.parse(readFileSync('config/example.json', 'utf8'));
    delete config.oncall;
    config.contacts['on-call'] = { email: ['oncall@example.com'] };
    const file = join(mkdtempSync(join(tmpdir(), 'oncall-config-')), 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const result = await runCli('oncall', '--config', file, '--db', freshDb());
    expect(result.code).toBe(2);
    expect(result.err).toMatch(
      /^the config has no oncall section \(people and schedules\): tiers page fixed endpoints\n/,
    );
  });

  it('reports every bad field of an override at once', async () => {
    const result = await runCli(
      ...['override', 'app', '--replace', 'zed', '--replaces', 'yan', '--from', '2026-12-03T22:00:00Z'],
      ...['--to', '2026-12-03T14:00:00Z', '--reason', 'r', '--by', 'a', '--db', freshDb()],
    );
    expect(result.code).toBe(2);
    expect(result.err).toMatch(
      /^override: 3 problems\n {2}- --to: must be after --from\n {2}- --replace: unknown person "zed".*\n {2}- --replaces: unknown person "yan"/,
    );
  });
});
