import { describe, expect, it } from 'vitest';
import type { MaintenanceWindow } from '../../../lambdas/contract/config-schema';
import { ValidationError } from '../../../lambdas/domain/errors';
import {
  activeSuppression,
  formatDuration,
  newSilence,
  parseDuration,
  type Silence,
} from '../../../lambdas/domain/silences';

const MIN = 60_000;
const HOUR = 60 * MIN;
const now = new Date('2026-11-23T10:00:00.000Z');

const problemsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('parseDuration', () => {
  it.each([
    ['90m', 90 * MIN],
    ['2h', 2 * HOUR],
    ['1d', 24 * HOUR],
    ['30d', 30 * 24 * HOUR],
    ['1h30m', 90 * MIN],
    ['1d2h', 26 * HOUR],
    [' 2H ', 2 * HOUR],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text, '--for')).toBe(ms);
  });

  it.each(['', '2', 'h', '2 hours', '30m1h', '-2h', '1.5h', 'forever'])(
    'refuses "%s", naming the field',
    (text) => {
      const problems = problemsOf(() => parseDuration(text, '--for'));
      expect(problems).toHaveLength(1);
      expect(problems[0]?.path).toBe('--for');
      expect(problems[0]?.message).toContain('such as 90m, 2h');
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [45 * MIN, '45 min'],
    [90 * MIN, '1 h 30 min'],
    [2 * 24 * HOUR + 3 * HOUR, '2 d 3 h'],
    [20_000, '20 s'],
  ])('%d ms -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('newSilence', () => {
  const input = {
    service: 'checkout',
    forMs: 2 * HOUR,
    reason: 'load test',
    by: 'alice',
    now,
    id: 'sil-1',
    maxHours: 24,
    services: ['checkout', 'payments'],
  };

  it('runs from now for the duration', () => {
    expect(newSilence(input)).toEqual({
      service: 'checkout',
      id: 'sil-1',
      from: '2026-11-23T10:00:00.000Z',
      until: '2026-11-23T12:00:00.000Z',
      reason: 'load test',
      by: 'alice',
    });
  });

  it('accepts exactly maxHours and refuses a minute more: silences always expire', () => {
    expect(newSilence({ ...input, forMs: 24 * HOUR }).until).toBe('2026-11-24T10:00:00.000Z');
    const problems = problemsOf(() => newSilence({ ...input, forMs: 24 * HOUR + MIN }));
    expect(problems).toEqual([
      { path: '--for', message: expect.stringContaining('silences always expire: at most 24 h') },
    ]);
  });

  it('reports every problem at once, naming the configured services', () => {
    const problems = problemsOf(() => newSilence({ ...input, service: 'chekout', forMs: 0, reason: '  ' }));
    expect(problems.map((p) => p.path)).toEqual(['service', '--for', '--reason']);
    expect(problems[0]?.message).toContain('checkout, payments');
  });

  it('refuses a negative duration', () => {
    expect(problemsOf(() => newSilence({ ...input, forMs: -HOUR })).map((p) => p.path)).toEqual(['--for']);
  });
});

const silence = (over: Partial<Silence> = {}): Silence => ({
  service: 'checkout',
  id: 'sil-1',
  from: '2026-11-23T09:00:00.000Z',
  until: '2026-11-23T11:00:00.000Z',
  reason: 'load test',
  by: 'alice',
  ...over,
});

/** Seed 001 RB-201: every Sunday 02:00-04:00 UTC. */
const sundayMaintenance: MaintenanceWindow = {
  service: '*',
  reason: 'RB-201 weekly maintenance',
  days: ['SUN'],
  startUtc: '02:00',
  durationMinutes: 120,
};

describe('activeSuppression', () => {
  it('a silence covers from <= now < until: exactly at until it is over', () => {
    const s = [silence()];
    expect(activeSuppression('checkout', new Date('2026-11-23T09:00:00.000Z'), s, [])).toEqual({
      until: '2026-11-23T11:00:00.000Z',
      reason: 'load test',
      source: 'silence',
      by: 'alice',
    });
    expect(activeSuppression('checkout', new Date('2026-11-23T10:59:59.999Z'), s, [])).toBeDefined();
    expect(activeSuppression('checkout', new Date('2026-11-23T11:00:00.000Z'), s, [])).toBeUndefined();
    expect(activeSuppression('checkout', new Date('2026-11-23T08:59:59.999Z'), s, [])).toBeUndefined();
  });

  it('a silence applies only to its own service', () => {
    expect(activeSuppression('payments', now, [silence()], [])).toBeUndefined();
  });

  it('a once window, with its offset honoured', () => {
    const once: MaintenanceWindow = {
      service: 'payments',
      reason: 'database upgrade',
      from: '2026-11-23T11:00:00+01:00',
      until: '2026-11-23T12:30:00+01:00',
    };
    expect(activeSuppression('payments', new Date('2026-11-23T10:00:00.000Z'), [], [once])).toEqual({
      until: '2026-11-23T11:30:00.000Z',
      reason: 'database upgrade',
      source: 'maintenance-window',
    });
    expect(activeSuppression('payments', new Date('2026-11-23T11:30:00.000Z'), [], [once])).toBeUndefined();
    expect(activeSuppression('checkout', new Date('2026-11-23T10:00:00.000Z'), [], [once])).toBeUndefined();
  });

  it.each([
    ['2026-11-22T01:59:59.999Z', undefined],
    ['2026-11-22T02:00:00.000Z', '2026-11-22T04:00:00.000Z'],
    ['2026-11-22T03:59:59.999Z', '2026-11-22T04:00:00.000Z'],
    ['2026-11-22T04:00:00.000Z', undefined],
    ['2026-11-23T02:30:00.000Z', undefined],
    ['2026-11-29T02:30:00.000Z', '2026-11-29T04:00:00.000Z'],
  ])('Sunday 02:00-04:00 UTC (seed 001) for every service: at %s -> %s', (at, end) => {
    expect(activeSuppression('search', new Date(at), [], [sundayMaintenance])?.until).toBe(end);
  });

  it('a weekly window that crosses midnight still covers the next morning', () => {
    const saturdayNight: MaintenanceWindow = {
      service: 'checkout',
      reason: 'batch',
      days: ['SAT'],
      startUtc: '23:00',
      durationMinutes: 180,
    };
    // 2026-11-21 is a Saturday.
    expect(
      activeSuppression('checkout', new Date('2026-11-21T23:30:00.000Z'), [], [saturdayNight])?.until,
    ).toBe('2026-11-22T02:00:00.000Z');
    expect(
      activeSuppression('checkout', new Date('2026-11-22T01:59:00.000Z'), [], [saturdayNight])?.until,
    ).toBe('2026-11-22T02:00:00.000Z');
    expect(
      activeSuppression('checkout', new Date('2026-11-22T02:00:00.000Z'), [], [saturdayNight]),
    ).toBeUndefined();
    expect(
      activeSuppression('checkout', new Date('2026-11-21T22:59:00.000Z'), [], [saturdayNight]),
    ).toBeUndefined();
  });

  it('when several apply, the one that ends last wins', () => {
    const at = new Date('2026-11-22T02:30:00.000Z');
    const short = silence({ from: '2026-11-22T02:00:00.000Z', until: '2026-11-22T03:00:00.000Z', by: 'bob' });
    const long = silence({
      id: 'sil-2',
      from: '2026-11-22T02:00:00.000Z',
      until: '2026-11-22T05:00:00.000Z',
    });
    expect(activeSuppression('checkout', at, [short], [sundayMaintenance])).toMatchObject({
      source: 'maintenance-window',
      until: '2026-11-22T04:00:00.000Z',
    });
    expect(activeSuppression('checkout', at, [short, long], [sundayMaintenance])).toMatchObject({
      source: 'silence',
      until: '2026-11-22T05:00:00.000Z',
      by: 'alice',
    });
  });
});
