import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';

const freshDb = () => mkdtempSync(join(tmpdir(), 'silence-'));

/** `2026-11-23 12:00 UTC`: the minute a silence of `ms` set now would end, give or take the run. */
const endsAround = (ms: number): RegExp => {
  const minute = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  const start = Date.now();
  return new RegExp(`until (${minute(start + ms)}|${minute(start + ms + 60_000)}) UTC`);
};

describe('incident silence, silences, unsilence (sandbox store)', () => {
  it('silences a service until a time, lists it with the time left, and lifts it', async () => {
    const db = freshDb();
    const ends = endsAround(2 * 3_600_000);
    const set = await runCli(
      'silence',
      'checkout',
      '--for',
      '2h',
      '--reason',
      'DB migration',
      '--by',
      'alice',
      '--db',
      db,
    );
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    expect(set.out).toMatch(ends);
    expect(set.out).toMatch(/^checkout silenced until .* UTC \(for 2h 00m\), by alice: DB migration\n/);
    expect(set.out).toContain('its alarms are still recorded as incidents, but page nobody');
    expect(set.out).toContain('incident unsilence checkout --by NAME');

    const listed = await runCli('silences', '--db', db);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(
      /^checkout +until .* UTC \((2h 00m|1h 59m) left\) {2}silenced by alice: DB migration\n$/,
    );
    expect(listed.out).toMatch(ends);
    expect((await runCli('silences', 'checkout', '--db', db)).out).toMatch(/^checkout +until /);
    expect((await runCli('silences', 'payments', '--db', db)).out).toBe(
      'No active silence on payments: alarms page as usual.\n',
    );

    const lifted = await runCli('unsilence', 'checkout', '--by', 'bob', '--db', db);
    expect(lifted).toMatchObject({
      code: 0,
      out: 'checkout: 1 silence lifted by bob; its new alarms page again (an incident already suppressed is handled when its silence was due to end).\n',
    });
    expect((await runCli('silences', '--db', db)).out).toBe('No active silence: alarms page as usual.\n');
    expect((await runCli('unsilence', 'checkout', '--by', 'bob', '--db', db)).out).toBe(
      'checkout had no active silence: its alarms already page.\n',
    );
  });

  it('--json lists the silences as records', async () => {
    const db = freshDb();
    await runCli(
      'silence',
      'payments',
      '--for',
      '90m',
      '--reason',
      'card network maintenance',
      '--by',
      'carol',
      '--db',
      db,
    );
    const { silences } = JSON.parse((await runCli('silences', '--db', db, '--json')).out);
    expect(silences).toEqual([
      expect.objectContaining({ service: 'payments', reason: 'card network maintenance', by: 'carol' }),
    ]);
    expect(Date.parse(silences[0].until) - Date.parse(silences[0].from)).toBe(90 * 60_000);
  });

  it('a maintenance window of the config shows beside the silences', async () => {
    const config = JSON.parse(readFileSync('config/example.json', 'utf8'));
    config.maintenanceWindows = [
      {
        service: '*',
        reason: 'quarterly patching',
        from: new Date(Date.now() - 3_600_000).toISOString(),
        until: new Date(Date.now() + 3 * 3_600_000).toISOString(),
      },
    ];
    const file = join(mkdtempSync(join(tmpdir(), 'silence-config-')), 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const { out } = await runCli('silences', 'payments', '--config', file, '--db', freshDb());
    expect(out).toMatch(
      /^payments +until .* UTC \((3h 00m|2h 59m) left\) {2}maintenance window: quarterly patching\n$/,
    );
  });

  it.each([
    [
      ['silence', 'checkout', '--for', '200h', '--reason', 'r', '--by', 'a'],
      /--for: silences always expire: at most 24 h \(silences.maxHours\)/,
    ],
    [
      ['silence', 'checkout', '--for', '2 hours', '--reason', 'r', '--by', 'a'],
      /--for: "2 hours" is not a duration/,
    ],
    [['silence', 'checkout', '--for', '0m', '--reason', 'r', '--by', 'a'], /--for: must be longer than zero/],
    [
      ['silence', 'nope', '--for', '2h', '--reason', 'r', '--by', 'a'],
      /SERVICE: unknown service "nope": the configured services are checkout, payments/,
    ],
    [['silence', '--for', '2h'], /silence needs a SERVICE: one of checkout, payments/],
    [['silence', 'checkout', '--for', '2h'], /silence needs --reason TEXT, --by NAME/],
    [['silence', 'checkout', '--reason', ' ', '--by', 'a'], /silence needs --for DURATION, --reason TEXT/],
    [['silences', 'nope'], /SERVICE: unknown service "nope"/],
    [['unsilence', 'checkout'], /unsilence needs --by NAME/],
    [['unsilence'], /unsilence needs a SERVICE/],
  ])('%j is a usage error naming what to fix', async (argv, message) => {
    const result = await runCli(...argv, '--db', freshDb());
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err).toContain('Usage: incident <command>');
  });
});
