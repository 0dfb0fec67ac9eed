import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PolicySimulationOutput } from '../../cli/commands/policy';
import { runCli } from '../support/cli';
import {
  FLAPPING_ALARMS,
  FLAPPING_WINDOWS,
  flappingHistory,
  flappingHistoryJson,
} from '../support/flapping-history';

const FIXTURES = new URL('../fixtures/aws/', import.meta.url).pathname;
const HISTORY = join(FIXTURES, 'describe-alarm-history-state-update.json');
// aws-cli's describe-alarms example: `myalarm`, an AWS/EC2 CPUUtilization alarm of us-east-1.
const ALARMS = join(FIXTURES, 'cloudwatch-describe-alarms-aws-cli-example.json');

const dir = mkdtempSync(join(tmpdir(), 'policy-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

// checkout's error-rate alarm is the stack's own (P2); a rule ignores alarms on AWS/EC2 metrics, which
// only matches when --alarms says what myalarm measures. The default escalation applies: P2 pages
// on-call at once and devops-lead at +60 while not resolved; P3 pages on-call at once.
const CONFIG = write('config.json', {
  services: [
    {
      name: 'checkout',
      cluster: 'prod',
      service: 'checkout',
      logGroup: '/ecs/prod/checkout',
      runbookUrl: 'https://runbooks.example.com/checkout',
      loadBalancer: {
        loadBalancer: 'app/prod-public/50dc6c495c0c9188',
        targetGroup: 'targetgroup/checkout/73e2d6bc24d8a067',
      },
      alarms: { errorRate: { threshold: 10, severity: 'P2' } },
    },
    {
      name: 'orders',
      cluster: 'prod',
      service: 'orders',
      logGroup: '/ecs/prod/orders',
      runbookUrl: 'https://runbooks.example.com/orders',
      alarms: { cpu: { threshold: 80, severity: 'P3' } },
    },
  ],
  routing: {
    default: { action: 'open', severity: 'P3' },
    rules: [
      { id: 'ec2-ignored', match: { namespace: 'AWS/EC2' }, action: 'ignore' },
      { id: 'payments', match: { alarmName: { prefix: 'payments-' } }, service: 'payments', severity: 'P1' },
      {
        id: 'orders-queue',
        match: { alarmName: { prefix: 'orders-queue' } },
        service: 'orders',
        severity: 'P3',
      },
    ],
  },
  otherServices: [{ name: 'payments', runbookUrl: 'https://runbooks.example.com/payments' }],
  contacts: {
    'on-call': { email: ['oncall@example.com'] },
    'devops-lead': { email: ['lead@example.com'] },
    'engineering-manager': { email: ['em@example.com'] },
  },
});

const simulate = async (...args: string[]) => {
  const result = await runCli('policy', 'simulate', '--config', CONFIG, ...args);
  return {
    ...result,
    report:
      result.code === 0 && args.includes('--json')
        ? (JSON.parse(result.out) as PolicySimulationOutput)
        : undefined,
  };
};

describe('incident policy simulate on a describe-alarm-history file', () => {
  // The fixture, oldest first (the file lists it newest first, as AWS does), all in 2026-W48:
  //   checkout-error-rate ALARM 10:00 opens a P2 (on-call), OK 11:30 resolves it after 90 min
  //   (devops-lead was paged at +60), ALARM 11:45 is 15 min after (<= 30) so reopens it (on-call),
  //   OK 11:50 resolves it. myalarm (P3 by the default route) ALARM 09:00 opens (on-call),
  //   INSUFFICIENT_DATA 09:01 is no signal, ALARM 09:02 joins the open incident (duplicate), OK 09:20.
  it('replays it with no --alarms: myalarm opens by the default route, and a note says why', async () => {
    const { code, report } = await simulate('--history', HISTORY, '--json');
    expect(code).toBe(0);
    expect(report?.history).toMatchObject({
      stateChanges: 8,
      toAlarm: 4,
      toOk: 3,
      toInsufficientData: 1,
      alarms: 2,
    });
    expect(report?.weeks.map((w) => w.week)).toEqual(['2026-W48']);
    expect(report?.totals).toEqual({
      pages: { 'on-call': 3, 'devops-lead': 1, 'engineering-manager': 0 },
      pagesTotal: 4,
      opened: 2,
      suppressed: 0,
      duplicates: 1,
      reopened: 1,
      ignored: 0,
    });
    expect(report?.noisiest.map((a) => [a.alarmName, a.toAlarm, a.incidents, a.pages, a.route.rule])).toEqual(
      [
        ['checkout-error-rate', 2, 1, 3, 'builtin:watched-alarm'],
        ['myalarm', 2, 1, 1, null],
      ],
    );
    const noAlarms = report?.notes.filter((n) => n.includes('no --alarms file')) ?? [];
    expect(noAlarms).toHaveLength(1);
  });

  it('with --alarms, routing sees myalarm is on AWS/EC2 and the rule ignores it', async () => {
    const { code, report } = await simulate('--history', HISTORY, '--alarms', ALARMS, '--json');
    expect(code).toBe(0);
    // Only checkout-error-rate's incident is left: on-call twice (open, reopen), devops-lead once.
    expect(report?.totals).toEqual({
      pages: { 'on-call': 2, 'devops-lead': 1, 'engineering-manager': 0 },
      pagesTotal: 3,
      opened: 1,
      suppressed: 0,
      duplicates: 0,
      reopened: 1,
      ignored: 2,
    });
    // checkout-error-rate is not in that file: said once, with its name.
    expect(report?.notes).toEqual([
      expect.stringMatching(
        /^1 alarm is not in .*cloudwatch-describe-alarms-aws-cli-example\.json .*checkout-error-rate$/,
      ),
    ]);
  });

  it('prints readable columns without --json', async () => {
    const { code, out } = await simulate('--history', HISTORY);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines).toContain(
      'week      on-call  devops-lead  engineering-manager  pages  opened  suppressed  duplicates  reopened  ignored',
    );
    expect(lines).toContain(
      '2026-W48        3            1                    0      4       2           0           1         1        0',
    );
    expect(out).toMatch(/checkout-error-rate +2 +1 +1 +0 +3 +P2 checkout \(builtin:watched-alarm\)/);
    expect(out.match(/no --alarms file/g)).toHaveLength(1);
  });

  it('takes silences in the shape incident silences --json prints', async () => {
    // checkout silenced 09:50-10:30: its ALARM at 10:00 is suppressed and still firing at 10:30, so it
    // is handled from then: on-call at 10:30; devops-lead would be due at 11:30, when the OK resolves
    // it, so is not paged. The reopen at 11:45 (no silence) pages on-call; myalarm pages on-call once.
    const silences = write('silences.json', {
      silences: [
        {
          service: 'checkout',
          id: 's1',
          from: '2026-11-23T09:50:00.000Z',
          until: '2026-11-23T10:30:00.000Z',
          reason: 'deploy',
          by: 'alice',
        },
      ],
      maintenanceWindows: [],
    });
    const { code, report } = await simulate('--history', HISTORY, '--silences', silences, '--json');
    expect(code).toBe(0);
    expect(report?.totals).toMatchObject({
      pages: { 'on-call': 3, 'devops-lead': 0, 'engineering-manager': 0 },
      suppressed: 1,
      reopened: 1,
    });
  });

  it('reads a file of several runs appended, counting an item seen twice once', async () => {
    const { AlarmHistoryItems: items } = JSON.parse(readFileSync(HISTORY, 'utf8')) as {
      AlarmHistoryItems: unknown[];
    };
    // The newer four items, then the older four plus the newest again (an overlapping second run).
    const appended = write(
      'appended.json',
      `${JSON.stringify({ AlarmHistoryItems: items.slice(0, 4) }, null, 4)}\n${JSON.stringify({ AlarmHistoryItems: [items[3], ...items.slice(4)] })}\n`,
    );
    const { code, report } = await simulate('--history', appended, '--json');
    expect(code).toBe(0);
    expect(report?.history.stateChanges).toBe(8);
    expect(report?.totals.pagesTotal).toBe(4);
    expect(report?.notes).toContain('1 item appeared more than once and counted once');
  });
});

describe('incident policy simulate on the generated 10,000 state changes', () => {
  it('gives the totals worked out by hand in test/lambdas/domain/policy-simulation.test.ts', async () => {
    // Same history and windows; here routed by the config (A is the stack's checkout alarm, B and C by
    // rules, D a target-tracking alarm ignored by default), through the AWS CLI's JSON shape.
    const config = write('flapping-config.json', {
      ...JSON.parse(readFileSync(CONFIG, 'utf8')),
      maintenanceWindows: FLAPPING_WINDOWS,
    });
    const history = write('flapping.json', flappingHistoryJson(flappingHistory()));
    const { code, out, err } = await runCli(
      'policy',
      'simulate',
      '--config',
      config,
      '--history',
      history,
      '--json',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out) as PolicySimulationOutput;
    expect(report.totals).toEqual({
      pages: { 'on-call': 1_707, 'devops-lead': 160, 'engineering-manager': 160 },
      pagesTotal: 2_027,
      opened: 901,
      suppressed: 15,
      duplicates: 240,
      reopened: 499,
      ignored: 3_360,
    });
    expect(report.noisiest[0]).toMatchObject({
      alarmName: FLAPPING_ALARMS.d,
      route: { action: 'ignore', rule: 'builtin:target-tracking' },
    });
  });
});

describe('incident policy simulate on bad input', () => {
  const item = (overrides: Record<string, unknown> = {}) => ({
    AlarmName: 'checkout-error-rate',
    AlarmType: 'MetricAlarm',
    Timestamp: '2026-11-23T10:00:00.000Z',
    HistoryItemType: 'StateUpdate',
    HistorySummary: 'Alarm updated from OK to ALARM',
    HistoryData: JSON.stringify({
      version: '1.0',
      oldState: { stateValue: 'OK', stateReason: 'r' },
      newState: { stateValue: 'ALARM', stateReason: 'r' },
    }),
    ...overrides,
  });

  it('refuses a file that is not JSON, exit 1', async () => {
    const { code, err } = await simulate('--history', write('not-json.json', 'AlarmHistoryItems: nope'));
    expect(code).toBe(1);
    expect(err).toMatch(
      /^ValidationError: Alarm history .*not-json\.json: 1 problem\n {2}- \(root\): is not JSON/,
    );
  });

  it('names the item and the field that is missing', async () => {
    const { Timestamp: _dropped, ...noTime } = item();
    const { code, err } = await simulate(
      '--history',
      write('missing.json', { AlarmHistoryItems: [item(), noTime] }),
    );
    expect(code).toBe(1);
    expect(err).toContain('- AlarmHistoryItems[1].Timestamp: is missing');
  });

  it('names the item whose HistoryData is not JSON, and every other bad item with it', async () => {
    const file = write('bad-data.json', {
      AlarmHistoryItems: [
        item(),
        item({ HistoryData: '{"version":"1.0","newState":' }),
        item({ HistoryData: JSON.stringify({ version: '1.0', newState: { stateValue: 'ALARMING' } }) }),
        item({ Timestamp: 'yesterday' }),
      ],
    });
    const { code, err } = await simulate('--history', file);
    expect(code).toBe(1);
    expect(err).toContain('3 problems');
    expect(err).toContain('- AlarmHistoryItems[1].HistoryData: is not JSON');
    expect(err).toContain('- AlarmHistoryItems[2].HistoryData.newState.stateValue:');
    expect(err).toContain('- AlarmHistoryItems[3].Timestamp: is not a timestamp');
  });

  it('says what a file that is not describe-alarm-history output is', async () => {
    const { code, err } = await simulate('--history', ALARMS);
    expect(code).toBe(1);
    expect(err).toContain('- AlarmHistoryItems: is missing');
    expect(err).toContain('expected the output of aws cloudwatch describe-alarm-history');
  });

  it('is a usage error (exit 2) without --history, or with no such file', async () => {
    const missing = await simulate();
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('policy simulate needs --history');
    const absent = await simulate('--history', join(dir, 'absent.json'));
    expect(absent.code).toBe(2);
    expect(absent.err).toContain('--history: no such file');
    expect((await runCli('policy', 'explain')).code).toBe(2);
  });
});
