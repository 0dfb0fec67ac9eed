import { describe, expect, it } from 'vitest';
import type { Incident } from '../../lambdas/domain/incident';
import { type DrillEvent, type DrillReport, runDrill } from '../../lib/sandbox/drill';
import { SCENARIOS, STORM_EVENTS, STORM_SERVICES } from '../../lib/sandbox/scenarios';

const START = new Date('2026-11-23T10:00:00.000Z');
const at = (minutes: number) => new Date(START.getTime() + minutes * 60_000).toISOString();

const play = async (name: string) => {
  const events: DrillEvent[] = [];
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`no scenario ${name}`);
  const report = await runDrill(scenario, { start: START, onEvent: (e) => events.push(e) });
  return { report, events };
};

const only = (report: DrillReport): Incident => {
  expect(report.incidents).toHaveLength(1);
  return report.incidents[0] as Incident;
};

const kinds = (incident: Incident) => incident.timeline.map((e) => e.kind);

describe('bad-deploy', () => {
  it('alarm -> record -> page -> resolution, with simulated minutes on the record', async () => {
    const { report, events } = await play('bad-deploy');
    const incident = only(report);
    expect(incident).toMatchObject({
      id: 'INC-20261123-001',
      severity: 'P2',
      status: 'RESOLVED',
      service: 'checkout',
      alarmName: 'checkout-error-rate',
      runbookUrl: 'https://runbooks.example.com/checkout/high-error-rate',
      pagedTiers: ['on-call'],
    });
    // Errors start at minute 3; three breaching one-minute periods -> ALARM at minute 5.
    expect(incident.createdAt).toBe(at(5));
    // Rollback at 14; three clear periods -> OK at 16.
    expect(incident.statusTimestamps).toMatchObject({
      DETECTED: at(5),
      INVESTIGATING: at(5),
      MONITORING: at(5),
      RESOLVED: at(16),
    });
    expect(kinds(incident)).toEqual([
      'detected',
      'severity',
      'page',
      'status',
      'diagnosis',
      'action',
      'status',
      'signal',
      'status',
      'page',
      'note',
    ]);
    expect(incident.timeline.at(-1)?.summary).toBe(
      `post-mortem required for P2: due ${new Date(Date.parse(at(16)) + 48 * 3_600_000).toISOString()}`,
    );

    expect(report.pages.map((p) => [p.tier, p.kind, p.at])).toEqual([
      ['on-call', 'INCIDENT', at(5)],
      ['on-call', 'RESOLVED', at(16)],
    ]);
    const [incidentPage, resolvedPage] = report.pages;
    expect(incidentPage?.body).toContain('Severity: P2');
    expect(incidentPage?.body).toContain('Runbook: https://runbooks.example.com/checkout/high-error-rate');
    expect(resolvedPage?.body).toContain('Resolution Time: 11 min (10:05 UTC to 10:16 UTC)');
    for (const page of report.pages) expect(page.sms.length).toBeLessThanOrEqual(160);

    expect(report.deliveries).toMatchObject({
      total: 2,
      lost: 0,
      failedExecutions: 0,
      byOutcome: { opened: 1, resolved: 1 },
    });
    const narrated = events.filter((e) => e.kind === 'step').map((e) => (e.kind === 'step' ? e.text : ''));
    expect(narrated[0]).toBe('deploy checkout:42 (a bad build)');
  });
});

describe('crash-loop', () => {
  it('opens a P1 for no running tasks, and the error-rate alarm of the same service apart (dedup key service+alarm)', async () => {
    const { report } = await play('crash-loop');
    expect(report.incidents.map((i) => [i.alarmName, i.severity, i.status])).toEqual([
      ['payments-tasks-below-desired', 'P1', 'RESOLVED'],
      ['payments-error-rate', 'P2', 'RESOLVED'],
    ]);
    expect(report.pages.filter((p) => p.kind === 'INCIDENT')).toHaveLength(2);
    expect(report.duplicatePages).toBe(0);
  });
});

describe('latency-spike', () => {
  it('a p95 alarm that clears by itself resolves with no automatic action recorded as such', async () => {
    const { report } = await play('latency-spike');
    const incident = only(report);
    expect(incident).toMatchObject({ alarmName: 'checkout-p95-latency', status: 'RESOLVED' });
    expect(incident.timeline.find((e) => e.kind === 'action')?.summary).toBe(
      'no automatic action taken: mitigation is left to the responder',
    );
  });
});

describe('memory-leak', () => {
  it('a P3 closes once its reopen window has passed without a post-mortem', async () => {
    const { report } = await play('memory-leak');
    const incident = only(report);
    expect(incident).toMatchObject({ alarmName: 'checkout-memory', severity: 'P3' });
    // Resolved at 22; the reopen window is 30 min, so the workflow waits and closes it at 52.
    expect(incident.status).toBe('CLOSED');
    expect(incident.statusTimestamps).toMatchObject({ RESOLVED: at(22), CLOSED: at(52) });
    expect(incident.timeline.at(-1)?.summary).toBe(
      'RESOLVED -> CLOSED: no post-mortem required for P3; reopen window passed',
    );
  });
});

describe('db-slowdown', () => {
  it('pages on-call with the runbook and resolves when the database recovers', async () => {
    const { report } = await play('db-slowdown');
    const incident = only(report);
    expect(incident).toMatchObject({
      service: 'payments',
      severity: 'P2',
      status: 'RESOLVED',
      runbookUrl: 'https://runbooks.example.com/payments',
    });
    expect(report.pages.map((p) => p.kind)).toEqual(['INCIDENT', 'RESOLVED']);
  });
});

describe('flapping', () => {
  it('ALARM -> OK -> ALARM within the reopen window is one incident, reopened and announced again', async () => {
    const { report } = await play('flapping');
    const incident = only(report);
    expect(incident).toMatchObject({ alarmName: 'checkout-cpu', reopenCount: 1, status: 'RESOLVED' });
    expect(kinds(incident).filter((k) => k === 'reopened')).toHaveLength(1);
    expect(report.pages.map((p) => p.kind)).toEqual(['INCIDENT', 'RESOLVED', 'INCIDENT', 'RESOLVED']);
    expect(report.duplicatePages).toBe(0);
  });
});

describe('alarm-storm', () => {
  it(`${STORM_EVENTS} events over ${STORM_SERVICES} services: exactly ${STORM_SERVICES} incidents, 0 duplicate pages, 0 lost events`, async () => {
    const { report } = await play('alarm-storm');
    expect(report.deliveries.total).toBe(STORM_EVENTS);
    expect(report.incidents).toHaveLength(STORM_SERVICES);
    expect(new Set(report.incidents.map((i) => i.service)).size).toBe(STORM_SERVICES);
    expect(report.deliveries.lost).toBe(0);
    expect(report.deliveries.failedExecutions).toBe(0);
    expect(report.duplicatePages).toBe(0);
    // Every incident ends resolved: its OK came after its last firing, whatever the delivery order.
    expect(report.incidents.every((i) => i.status === 'RESOLVED')).toBe(true);
    // An incident is paged once if its ALARM was seen before its OK, and not at all if the OK came first.
    const incidentPages = report.pages.filter((p) => p.kind === 'INCIDENT');
    expect(new Set(incidentPages.map((p) => p.incidentId)).size).toBe(incidentPages.length);
  }, 120_000);
});
