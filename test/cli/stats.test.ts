import { beforeAll, describe, expect, it } from 'vitest';
import { formatStats } from '../../cli/stats-format';
import {
  type Actor,
  acknowledge,
  advance,
  appendEntries,
  type Incident,
  moveTo,
  openIncident,
  suppress,
} from '../../lambdas/domain/incident';
import type { Severity } from '../../lambdas/domain/severity';
import { runCli } from '../support/cli';
import { useLocalDynamo } from '../support/local-dynamo';

// A deployed stack's table (--table), here dynalite, seeded with incidents built by the domain
// functions at explicit times; the expected figures are worked out by hand below.
const dynamo = useLocalDynamo({ endpointEnv: true });
const MIN = 60_000;
const DAY = 1_440 * MIN;
const NOW = Date.now();

const alice: Actor = { type: 'human', name: 'alice' };
const alarm = (service: string): Actor => ({ type: 'alarm', name: `${service}-error-rate` });
const playbook: Actor = { type: 'automation', name: 'playbook' };

interface Spec {
  readonly severity: Severity;
  readonly service: string;
  /** How long ago it was detected. */
  readonly ageMs: number;
  /** Minutes after detection. */
  readonly ack?: number;
  readonly mitigate?: number;
  readonly resolve?: number;
  readonly resolvedBy?: 'human' | 'alarm';
  readonly suppressed?: boolean;
}

let count = 0;
const build = (spec: Spec): Incident => {
  const id = `INC-20261123-${String(++count).padStart(3, '0')}`;
  const detected = new Date(NOW - spec.ageMs);
  const at = (minutes: number) => new Date(detected.getTime() + minutes * MIN);
  let incident = openIncident({
    id,
    dedupKey: `${spec.service}#${spec.service}-error-rate#${id}`,
    signal: {
      alarmName: `${spec.service}-error-rate`,
      state: 'ALARM',
      at: detected.toISOString(),
      service: spec.service,
    },
    severity: spec.severity,
    severityReason: 'configured',
    title: `${spec.service} error rate high`,
    now: detected,
  });
  if (spec.suppressed) {
    incident = suppress(
      incident,
      { until: at(120).toISOString(), reason: 'DB migration', source: 'silence', by: 'alice' },
      detected,
    );
  }
  const steps: [number, (i: Incident) => Incident][] = [];
  const { ack, mitigate, resolve } = spec;
  if (ack !== undefined) steps.push([ack, (i) => acknowledge(i, alice, at(ack))]);
  if (mitigate !== undefined) {
    steps.push([
      mitigate,
      (i) =>
        advance(
          appendEntries(i, at(mitigate), {
            kind: 'action',
            actor: playbook,
            summary: 'rolled back to the previous task definition',
            details: { executed: true },
          }),
          'MITIGATING',
          playbook,
          at(mitigate),
        ),
    ]);
  }
  if (resolve !== undefined) {
    const by = spec.resolvedBy === 'human' ? alice : alarm(spec.service);
    steps.push([resolve, (i) => moveTo(i, 'RESOLVED', by, at(resolve), 'resolved')]);
  }
  return steps.sort((a, b) => a[0] - b[0]).reduce((i, [, step]) => step(i), incident);
};

/**
 * By hand, over the last 30 days:
 * P1 (3): TTA 4, 6, 11 -> mean 7m, median 6m; TTR 60, 70, 95 -> mean 75 = 1h 15m, median 70 = 1h 10m;
 *   mitigated once, at 20m (MTTM 20m); resolved by a person, by automation, on its own: 1 each.
 * P2 (5): TTA 15, 25 -> mean and median 20m; TTR 120, 30, 40 -> mean 63.3 = 1h 03m, median 40m;
 *   no action; resolved by a person once, on its own twice.
 * P3: none.
 * P4 (1): TTA 2.5 -> 3m; TTR 1505 -> 1d 01h (25 h 05 min); on its own.
 * Not counted: a suppressed P1 (counted as suppressed only) and a P1 of 40 days ago (outside --since).
 * By service: checkout 5, payments 4.
 */
const SPECS: Spec[] = [
  { severity: 'P1', service: 'checkout', ageMs: 2 * DAY, ack: 4, resolve: 60, resolvedBy: 'human' },
  { severity: 'P1', service: 'checkout', ageMs: 5 * DAY, ack: 6, mitigate: 20, resolve: 70 },
  { severity: 'P1', service: 'payments', ageMs: 9 * DAY, ack: 11, resolve: 95 },
  { severity: 'P2', service: 'payments', ageMs: 1 * DAY, ack: 15, resolve: 120, resolvedBy: 'human' },
  { severity: 'P2', service: 'checkout', ageMs: 3 * DAY, ack: 25 },
  { severity: 'P2', service: 'checkout', ageMs: 4 * DAY },
  { severity: 'P2', service: 'payments', ageMs: 6 * DAY, resolve: 30 },
  { severity: 'P2', service: 'checkout', ageMs: 12 * DAY, resolve: 40 },
  { severity: 'P4', service: 'payments', ageMs: 20 * DAY, ack: 2.5, resolve: 1505 },
  { severity: 'P1', service: 'checkout', ageMs: 7 * DAY, ack: 3, resolve: 10, suppressed: true },
  { severity: 'P1', service: 'payments', ageMs: 40 * DAY, ack: 1, resolve: 5 },
];

beforeAll(async () => {
  for (const spec of SPECS) expect(await dynamo.store.putNewIncident(build(spec))).toBe(true);
});

/** The printed row of one severity, as its cells. */
const row = (out: string, severity: Severity): string[] => {
  const line = out.split('\n').find((l) => l.startsWith(`${severity} `));
  return line?.split(/ {2,}/) ?? [];
};

describe('incident stats', () => {
  it('prints count, acknowledged, resolved, MTTA/MTTR (mean, median), MTTM and resolvers per severity', async () => {
    const { code, out, err } = await runCli('stats', '--table', dynamo.tableName);
    expect(err).toBe('');
    expect(code).toBe(0);
    const head = out
      .split('\n')
      .find((l) => l.startsWith('severity'))
      ?.split(/ {2,}/);
    expect(head).toEqual([
      'severity',
      'count',
      'acked',
      'resolved',
      'MTTA',
      'median TTA',
      'MTTR',
      'median TTR',
      'MTTM',
      'automated',
      'human',
      'on its own',
    ]);
    //                         count acked resolved MTTA  med   MTTR      med TTR   MTTM  auto human own
    expect(row(out, 'P1')).toEqual([
      'P1',
      '3',
      '3',
      '3',
      '7m',
      '6m',
      '1h 15m',
      '1h 10m',
      '20m',
      '1',
      '1',
      '1',
    ]);
    expect(row(out, 'P2')).toEqual(['P2', '5', '2', '3', '20m', '20m', '1h 03m', '40m', '-', '0', '1', '2']);
    expect(row(out, 'P3')).toEqual(['P3', '0', '0', '0', '-', '-', '-', '-', '-', '0', '0', '0']);
    expect(row(out, 'P4')).toEqual(['P4', '1', '1', '1', '3m', '3m', '1d 01h', '1d 01h', '-', '0', '0', '1']);
    expect(out).toMatch(/\(last 30d\): 9\n/);
    expect(out).toMatch(/By service:\n {2}checkout +5\n {2}payments +4\n/);
    expect(out).toMatch(/Suppressed \(.*\): 1\n$/);
  });

  it('--json prints the IncidentStats object', async () => {
    const { code, out } = await runCli('stats', '--table', dynamo.tableName, '--json');
    expect(code).toBe(0);
    const stats = JSON.parse(out);
    expect(stats).toMatchObject({ total: 9, suppressed: 1 });
    expect(Date.parse(stats.until) - Date.parse(stats.since)).toBe(30 * DAY);
    const p2 = stats.bySeverity.find((s: { severity: string }) => s.severity === 'P2');
    expect(p2).toMatchObject({
      count: 5,
      acknowledged: 2,
      resolved: 3,
      mttaMinutes: 20,
      medianTtrMinutes: 40,
    });
    expect(p2.mttrMinutes).toBeCloseTo(190 / 3, 6);
    expect(stats.byService).toEqual([
      { service: 'checkout', count: 5 },
      { service: 'payments', count: 4 },
    ]);
  });

  it('--since widens or narrows the window', async () => {
    const wide = JSON.parse(
      (await runCli('stats', '--table', dynamo.tableName, '--since', '50d', '--json')).out,
    );
    expect(wide.total).toBe(10);
    const narrow = await runCli('stats', '--table', dynamo.tableName, '--since', '36h');
    // Only the P2 of a day ago: TTA 15m, TTR 2h, resolved by a person.
    expect(row(narrow.out, 'P2')).toEqual([
      'P2',
      '1',
      '1',
      '1',
      '15m',
      '15m',
      '2h 00m',
      '2h 00m',
      '-',
      '0',
      '1',
      '0',
    ]);
    expect(row(narrow.out, 'P1')[1]).toBe('0');
  });

  it('an empty window says so', async () => {
    const { code, out } = await runCli('stats', '--table', dynamo.tableName, '--since', '1m');
    expect(code).toBe(0);
    expect(out).toMatch(/\(last 1m\): 0\nSuppressed .*: 0\n$/);
  });

  it('lists the ten services with most incidents, and sums up the rest', () => {
    const byService = Array.from({ length: 13 }, (_, n) => ({
      service: `svc-${String(n + 1).padStart(2, '0')}`,
      count: 13 - n,
    }));
    const text = formatStats(
      {
        since: '2026-10-24T10:00:00.000Z',
        until: '2026-11-23T10:00:00.000Z',
        total: 91,
        suppressed: 0,
        bySeverity: [],
        byService,
      },
      '30d',
    );
    expect(text).toContain('  svc-10   4\n  and 3 more services (6 incidents); --json lists them all\n');
    expect(text).not.toContain('svc-11');
    expect(text).toMatch(/^P3 +0 +0 +0 +- +- +- +- +- +0 +0 +0$/m);
  });

  it.each([
    [['stats', '--since', 'a month'], /--since: "a month" is not a duration/],
    [['stats', '--since', '0d'], /--since must be longer than zero/],
  ])('%j is a usage error naming the flag', async (argv, message) => {
    const result = await runCli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});
