import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/contract/config';
import { ValidationError } from '../../../lambdas/domain/errors';
import {
  activeSilences,
  liftSilences,
  type SilenceDeps,
  setSilence,
  suppressionFor,
} from '../../../lambdas/services/silences';
import { useLocalDynamo } from '../../support/local-dynamo';

const dynamo = useLocalDynamo();
let now: Date;
let ids = 0;
let deps: SilenceDeps;

const service = (name: string) => ({
  name,
  cluster: 'prod',
  service: name,
  logGroup: `/ecs/prod/${name}`,
  runbookUrl: `https://runbooks.example.com/${name}`,
  alarms: { tasksBelowDesired: { threshold: 1, severity: 'P2' } },
});

/** A config of its own per test, so tests share one table without sharing services. */
const configFor = (prefix: string) =>
  parseConfig(
    {
      services: [service(`${prefix}-checkout`), service(`${prefix}-search`)],
      routing: { default: { action: 'open' } },
      contacts: {
        'on-call': { email: ['oncall@example.com'] },
        'devops-lead': { email: ['devops-lead@example.com'] },
        'engineering-manager': { sms: ['+15555550102'] },
      },
      silences: { maxHours: 12 },
      // Seed 001 RB-201: every Sunday 02:00-04:00 UTC.
      maintenanceWindows: [
        {
          service: '*',
          reason: 'RB-201 weekly maintenance',
          days: ['SUN'],
          startUtc: '02:00',
          durationMinutes: 120,
        },
      ],
    },
    'silences test config',
  );

let prefix: string;
beforeEach(() => {
  prefix = `t${++ids}`;
  now = new Date('2026-11-23T10:00:00.000Z'); // a Monday
  deps = {
    store: dynamo.store,
    config: configFor(prefix),
    clock: () => now,
    newId: () => `sil-${++ids}`,
  };
});

const validationProblems = async (work: Promise<unknown>) => {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).problems;
};

describe('setSilence', () => {
  it('stores a silence from now for the given duration', async () => {
    const silence = await setSilence(deps, {
      service: `${prefix}-checkout`,
      forText: '1h30m',
      reason: 'load test',
      by: 'alice',
    });
    expect(silence).toMatchObject({
      service: `${prefix}-checkout`,
      from: '2026-11-23T10:00:00.000Z',
      until: '2026-11-23T11:30:00.000Z',
      reason: 'load test',
      by: 'alice',
    });
    expect(await activeSilences(deps, `${prefix}-checkout`)).toEqual([silence]);
  });

  it('reports an unreadable duration together with every other problem', async () => {
    const problems = await validationProblems(
      setSilence(deps, { service: 'nope', forText: 'two hours', reason: '', by: 'alice' }),
    );
    expect(problems.map((p) => p.path)).toEqual(['--for', 'service', '--reason']);
    expect(problems[1]?.message).toContain(`${prefix}-checkout, ${prefix}-search`);
  });

  it('refuses a silence longer than silences.maxHours, and stores nothing', async () => {
    const problems = await validationProblems(
      setSilence(deps, { service: `${prefix}-checkout`, forText: '1d', reason: 'migration', by: 'alice' }),
    );
    expect(problems).toEqual([{ path: '--for', message: expect.stringContaining('at most 12 h') }]);
    expect(await activeSilences(deps)).toEqual([]);
  });
});

describe('suppressionFor', () => {
  it('a silence expires on its own: no cleanup, no lift', async () => {
    const silence = await setSilence(deps, {
      service: `${prefix}-checkout`,
      forText: '2h',
      reason: 'load test',
      by: 'alice',
    });
    const until = new Date(silence.until);
    expect(await suppressionFor(deps, `${prefix}-checkout`, new Date(until.getTime() - 1))).toEqual({
      until: '2026-11-23T12:00:00.000Z',
      reason: 'load test',
      source: 'silence',
      by: 'alice',
    });
    expect(await suppressionFor(deps, `${prefix}-checkout`, until)).toBeUndefined();
    expect(await suppressionFor(deps, `${prefix}-checkout`, new Date(until.getTime() + 1))).toBeUndefined();
    expect(await suppressionFor(deps, `${prefix}-search`, new Date(until.getTime() - 1))).toBeUndefined();
  });

  it('a maintenance window from the config applies with no silence stored', async () => {
    expect(await suppressionFor(deps, `${prefix}-search`, new Date('2026-11-29T03:00:00.000Z'))).toEqual({
      until: '2026-11-29T04:00:00.000Z',
      reason: 'RB-201 weekly maintenance',
      source: 'maintenance-window',
    });
  });

  it('a silence longer than the window wins while both apply', async () => {
    now = new Date('2026-11-29T02:30:00.000Z');
    await setSilence(deps, { service: `${prefix}-search`, forText: '3h', reason: 'reindex', by: 'bob' });
    expect(
      await suppressionFor(deps, `${prefix}-search`, new Date('2026-11-29T03:00:00.000Z')),
    ).toMatchObject({
      source: 'silence',
      until: '2026-11-29T05:30:00.000Z',
      by: 'bob',
    });
  });
});

describe('activeSilences and liftSilences', () => {
  it('lists every configured service when none is named, soonest end first', async () => {
    const long = await setSilence(deps, {
      service: `${prefix}-search`,
      forText: '5h',
      reason: 'reindex',
      by: 'bob',
    });
    const short = await setSilence(deps, {
      service: `${prefix}-checkout`,
      forText: '1h',
      reason: 'deploy',
      by: 'alice',
    });
    expect(await activeSilences(deps)).toEqual([short, long]);
    now = new Date('2026-11-23T11:00:00.000Z');
    expect(await activeSilences(deps)).toEqual([long]);
  });

  it('lifting ends the running silences at once and says how many', async () => {
    await setSilence(deps, { service: `${prefix}-checkout`, forText: '1h', reason: 'deploy', by: 'alice' });
    await setSilence(deps, {
      service: `${prefix}-checkout`,
      forText: '4h',
      reason: 'load test',
      by: 'alice',
    });
    await setSilence(deps, { service: `${prefix}-search`, forText: '4h', reason: 'reindex', by: 'bob' });
    now = new Date('2026-11-23T10:10:00.000Z');
    expect(await liftSilences(deps, `${prefix}-checkout`, 'carol')).toBe(2);
    expect(await suppressionFor(deps, `${prefix}-checkout`, now)).toBeUndefined();
    expect(await activeSilences(deps)).toHaveLength(1);
    expect(await liftSilences(deps, `${prefix}-checkout`, 'carol')).toBe(0);
  });

  it('refuses an unknown service, naming the configured ones', async () => {
    const problems = await validationProblems(liftSilences(deps, 'chekout', 'carol'));
    expect(problems).toEqual([{ path: 'service', message: expect.stringContaining(`${prefix}-checkout`) }]);
    await expect(activeSilences(deps, 'chekout')).rejects.toBeInstanceOf(ValidationError);
  });
});
