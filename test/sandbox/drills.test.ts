import { describe, expect, it } from 'vitest';
import type { Incident } from '../../lambdas/domain/incident';
import { type DrillEvent, type DrillReport, runDrill } from '../../sandbox/drill';
import { SCENARIOS, STORM_EVENTS, STORM_SERVICES } from '../../sandbox/scenarios';

const START = new Date('2026-11-23T10:00:00.000Z');
const at = (minutes: number) => new Date(START.getTime() + minutes * 60_000).toISOString();

const play = async (name: string) => {
  const events: DrillEvent[] = [];
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`no scenario ${name}`);
  const report = await runDrill(scenario, { start: START, onEvent: (e) => events.push(e) });
  // No drill means a workflow to fail: a failed execution is a path that would fail on AWS too.
  expect(report.failedExecutions, JSON.stringify(report.executions.failures)).toBe(0);
  return { report, events };
};

const only = (report: DrillReport): Incident => {
  expect(report.incidents).toHaveLength(1);
  return report.incidents[0] as Incident;
};

const kinds = (incident: Incident) => incident.timeline.map((e) => e.kind);

describe('bad-deploy', () => {
  it('alarm -> record -> page -> automatic rollback -> resolution, with simulated minutes on the record', async () => {
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
    // checkout:42 fails 35% of requests from minute 2; three breaching periods -> ALARM at minute 4.
    expect(incident.createdAt).toBe(at(4));
    // Rolled back at 4; three clear periods -> OK at 7.
    expect(incident.statusTimestamps).toMatchObject({ DETECTED: at(4), RESOLVED: at(7) });
    expect(incident.statusTimestamps.MITIGATING?.startsWith('2026-11-23T10:04:')).toBe(true);
    const kindsSeen = new Set(kinds(incident));
    for (const k of ['detected', 'severity', 'page', 'diagnosis', 'action', 'signal', 'status', 'note'])
      expect(kindsSeen).toContain(k);

    expect(report.pages.map((p) => [p.tier, p.kind])).toEqual([
      ['on-call', 'INCIDENT'],
      ['on-call', 'RESOLVED'],
    ]);
    const [incidentPage, resolvedPage] = report.pages;
    expect(incidentPage?.at).toBe(at(4));
    expect(incidentPage?.body).toContain('Severity: P2');
    expect(incidentPage?.body).toContain('Runbook: https://runbooks.example.com/checkout/high-error-rate');
    expect(resolvedPage?.body).toContain('Resolution Time: 3 min (10:04 UTC to 10:07 UTC)');
    expect(resolvedPage?.body).toContain('roll back to checkout:41');
    for (const page of report.pages) expect(page.sms.length).toBeLessThanOrEqual(160);

    expect(report.deliveries).toMatchObject({
      total: 2,
      lost: 0,
      byOutcome: { opened: 1, resolved: 1 },
    });
    const narrated = events.filter((e) => e.kind === 'step').map((e) => (e.kind === 'step' ? e.text : ''));
    expect(narrated[0]).toBe('deploy checkout:42 (a bad build: 35% of requests fail)');
  });
});

describe('crash-loop', () => {
  it('opens a P1 for no running tasks; the restart clears the errors before their own alarm would fire', async () => {
    const { report } = await play('crash-loop');
    // Tasks alarm after 2 periods (minute 3) and the restart follows at once, so the error-rate
    // alarm (3 periods) never reaches ALARM: one incident, not two.
    expect(report.incidents.map((i) => [i.alarmName, i.severity, i.status])).toEqual([
      ['payments-tasks-below-desired', 'P1', 'RESOLVED'],
    ]);
    expect(report.ecsCalls.map((c) => c.detail)).toEqual(['forceNewDeployment']);
    expect(report.duplicatePages).toBe(0);
  });
});

describe('latency-spike', () => {
  it('a p95 alarm with no deploy and no crash is paged only, and resolves when it clears', async () => {
    const { report } = await play('latency-spike');
    const incident = only(report);
    expect(incident).toMatchObject({ alarmName: 'checkout-p95-latency', status: 'RESOLVED' });
    expect(incident.timeline.find((e) => e.summary.startsWith('decision:'))?.summary).toMatch(
      /^decision: page-only/,
    );
    expect(report.ecsCalls).toEqual([]);
  });
});

describe('memory-leak', () => {
  it('automation restarts the tasks; the P3 closes once its reopen window has passed, without a post-mortem', async () => {
    const { report } = await play('memory-leak');
    const incident = only(report);
    expect(incident).toMatchObject({ alarmName: 'checkout-memory', severity: 'P3', status: 'CLOSED' });
    expect(report.ecsCalls.map((c) => c.detail)).toEqual(['forceNewDeployment']);
    const resolved = Date.parse(incident.statusTimestamps.RESOLVED ?? '');
    expect(Date.parse(incident.statusTimestamps.CLOSED ?? '') - resolved).toBe(30 * 60_000);
    expect(incident.timeline.at(-1)?.summary).toBe(
      'RESOLVED -> CLOSED: no post-mortem required for P3; reopen window passed',
    );
  });
});

describe('db-slowdown', () => {
  it('a dependency problem is paged with the runbook, never restarted, and resolves when the database recovers', async () => {
    const { report } = await play('db-slowdown');
    const incident = only(report);
    expect(incident).toMatchObject({
      service: 'payments',
      severity: 'P2',
      status: 'RESOLVED',
      runbookUrl: 'https://runbooks.example.com/payments',
    });
    expect(report.ecsCalls).toEqual([]);
    expect(incident.timeline.map((e) => e.summary).join('\n')).toMatch(
      /diagnosis: .*(database|connection|dependency)/i,
    );
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
    expect(report.failedExecutions).toBe(0);
    expect(report.duplicatePages).toBe(0);
    // Every incident ends resolved: its OK came after its last firing, whatever the delivery order.
    expect(report.incidents.every((i) => i.status === 'RESOLVED')).toBe(true);
    // An incident is paged once if its ALARM was seen before its OK, and not at all if the OK came first.
    const incidentPages = report.pages.filter((p) => p.kind === 'INCIDENT');
    expect(new Set(incidentPages.map((p) => p.incidentId)).size).toBe(incidentPages.length);
  }, 120_000);
});

/** Where each drill ends: the lifecycle execution SUCCEEDED (none left waiting but what should), the record says why. */
const lifecycleEnded = (report: DrillReport) => report.executions.byWorkflow.lifecycle ?? {};

describe('approval-denied', () => {
  it('the denied rollback pages the next tier with why; the hand rollback resolves it and the execution succeeds', async () => {
    const { report } = await play('approval-denied');
    const incident = only(report);
    expect(incident).toMatchObject({ severity: 'P1', status: 'RESOLVED', service: 'checkout' });
    const text = incident.timeline.map((e) => e.summary).join('\n');
    expect(text).toMatch(/decision: needs-approval rollback/);
    expect(text).toMatch(/denied by alice/);
    // Only alice's hand rollback touched ECS.
    expect(report.ecsCalls).toEqual([
      expect.objectContaining({ at: at(12), detail: 'taskDefinition checkout:41' }),
    ]);
    const escalation = report.pages.find((p) => p.kind === 'ESCALATION' && p.tier === 'devops-lead');
    expect(escalation?.body).toMatch(
      /Why escalating: no automatic action: it needed approval.*ApprovalDenied: denied by alice/,
    );
    expect(report.pages.filter((p) => p.kind === 'RESOLVED').map((p) => p.tier)).toEqual(
      expect.arrayContaining(['on-call', 'devops-lead']),
    );
    expect(lifecycleEnded(report)).toEqual({ SUCCEEDED: 2 });
    expect(incident.postMortem?.due).toBeDefined();
  });
});

describe('approval-timeout', () => {
  it('nobody answers within 15 min: the next tier is paged, the rollback by hand resolves it, the execution succeeds', async () => {
    const { report } = await play('approval-timeout');
    const incident = only(report);
    expect(incident).toMatchObject({ severity: 'P1', status: 'RESOLVED' });
    const escalation = report.pages.find(
      (p) => p.kind === 'ESCALATION' && /none came within 15 min/.test(p.body),
    );
    expect(escalation?.body).toMatch(/Why escalating: no automatic action: it needed approval/);
    expect(report.ecsCalls).toEqual([
      expect.objectContaining({ at: at(26), detail: 'taskDefinition checkout:41' }),
    ]);
    expect(lifecycleEnded(report)).toEqual({ SUCCEEDED: 2 });
  });
});

describe('mitigation-failed', () => {
  it('the rollback does not bring the alarm back: a person is paged with why, and the recovery resolves it', async () => {
    const { report } = await play('mitigation-failed');
    const incident = only(report);
    expect(incident).toMatchObject({ severity: 'P2', status: 'RESOLVED' });
    expect(report.ecsCalls.map((c) => c.detail)).toEqual(['taskDefinition checkout:41']);
    const escalation = report.pages.find((p) => p.kind === 'ESCALATION');
    expect(escalation?.body).toMatch(/Why escalating: mitigation failed: /);
    const text = incident.timeline.map((e) => e.summary).join('\n');
    expect(text).toMatch(/mitigation failed/);
    expect(lifecycleEnded(report)).toEqual({ SUCCEEDED: 2 });
  });
});

describe('rds-cpu', () => {
  it("the team's RDS alarm, routed by its tags to a service with no ECS part: metrics and logs diagnosed, paged, no ECS call", async () => {
    const { report } = await play('rds-cpu');
    const incident = only(report);

    expect(incident).toMatchObject({
      service: 'orders-db',
      alarmName: 'orders-db-cpu',
      severity: 'P2',
      status: 'RESOLVED',
      runbookUrl: 'https://runbooks.example.com/orders-db',
      alarmMetric: {
        namespace: 'AWS/RDS',
        name: 'CPUUtilization',
        dimensions: { DBInstanceIdentifier: 'orders-db' },
      },
    });
    // CPU 97% from minute 2, three breaching periods: ALARM at 4; back to 30% at 18, OK at 20.
    // The diagnosis at 4 reads minutes 0-4: 30, 30, 97, 97, 97 (mean 70.2).
    expect(incident.statusTimestamps).toMatchObject({ DETECTED: at(4), RESOLVED: at(20) });
    const summaries = incident.timeline.map((e) => e.summary);
    // The severity came from the alarm's tag, read through ListTagsForResource by the intake bundle.
    expect(summaries).toContain('severity P2: orders-db-cpu routed by rule rds-by-team: P2');
    expect(summaries).toContain(
      'metrics: AWS/RDS CPUUtilization (DBInstanceIdentifier=orders-db): peak 97.0 at 10:04 UTC, latest 97.0, mean 70.2 over 5 min',
    );
    expect(summaries).toContain(
      'logs: top messages: "ERROR: canceling statement due to statement timeout" x3',
    );
    expect(summaries.some((s) => s.startsWith('ecs: not applicable: orders-db has no ECS part'))).toBe(true);
    expect(summaries.some((s) => s.startsWith('decision: page-only'))).toBe(true);
    expect(report.ecsCalls).toEqual([]);
    expect(report.pages.map((p) => [p.tier, p.kind])).toEqual([
      ['on-call', 'INCIDENT'],
      ['on-call', 'RESOLVED'],
    ]);
    expect(report.pages[0]?.body).toContain('Runbook: https://runbooks.example.com/orders-db');
  });
});

describe('ecs-rollback', () => {
  it("ECS's circuit-breaker rollback joins the open incident once per event, and the incident resolves on OK", async () => {
    const { report } = await play('ecs-rollback');
    const incident = only(report);

    expect(incident).toMatchObject({
      service: 'checkout',
      alarmName: 'checkout-error-rate',
      status: 'RESOLVED',
    });
    // Bad build at 2, ALARM at 4, ECS rolls back at 6; clear at 6, 7 and 8: OK at 8.
    expect(incident.statusTimestamps).toMatchObject({ DETECTED: at(4), RESOLVED: at(8) });
    const ecs = incident.timeline.filter((e) => e.kind === 'ecs-event');
    // The rollback event was delivered twice: one entry. The events of one minute run as concurrent
    // executions, so their order on the timeline is the order their writes landed in.
    expect(ecs.map((e) => e.details?.eventName).sort()).toEqual([
      'SERVICE_DEPLOYMENT_FAILED',
      'SERVICE_DEPLOYMENT_IN_PROGRESS',
    ]);
    expect(ecs.every((e) => e.at === at(6))).toBe(true);
    expect(ecs.find((e) => e.details?.eventName === 'SERVICE_DEPLOYMENT_IN_PROGRESS')?.summary).toMatch(
      /^ECS circuit breaker is rolling back checkout \(deployment ecs-svc\/\w+\) at 10:06 UTC: ECS deployment circuit breaker: rolling back to deploymentId ecs-svc\/\w+\.$/,
    );
    // Automation may not act on checkout here: the rollback was ECS's own.
    expect(report.ecsCalls).toEqual([]);
    expect(report.executions.byWorkflow.lifecycle).toEqual({ SUCCEEDED: 5 });
    expect(report.pages.map((p) => [p.tier, p.kind])).toEqual([
      ['on-call', 'INCIDENT'],
      ['on-call', 'RESOLVED'],
    ]);
  });
});

describe('ticketed-outage', () => {
  it('the P1 opens one GitHub issue; the acknowledgement comments; the resolution by OK comments and closes it', async () => {
    const scenario = SCENARIOS['ticketed-outage'];
    if (!scenario) throw new Error('no scenario ticketed-outage');
    let issues: readonly { state: string; comments: readonly string[] }[] = [];
    const report = await runDrill(scenario, {
      start: START,
      afterwards: async (sandbox) => {
        issues = structuredClone(sandbox.tickets?.githubIssues ?? []);
      },
    });
    expect(report.failedExecutions, JSON.stringify(report.executions.failures)).toBe(0);
    const incident = only(report);
    expect(incident).toMatchObject({ severity: 'P1', status: 'RESOLVED', acknowledgedBy: 'alice' });
    expect(incident.ticket).toMatchObject({ provider: 'github', key: '1' });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.state).toBe('closed');
    expect(issues[0]?.comments).toEqual([
      expect.stringContaining(`${incident.id} acknowledged by alice`),
      expect.stringContaining(`${incident.id} resolved at`),
    ]);
  }, 60_000);
});

describe('public-outage', () => {
  it('the first post waits for the click in the INCIDENT page; acknowledged from it; resolved by OK, the page says resolved and Payments is operational', async () => {
    const scenario = SCENARIOS['public-outage'];
    if (!scenario) throw new Error('no scenario public-outage');
    let site: Record<string, string> = {};
    const report = await runDrill(scenario, {
      start: START,
      afterwards: async (sandbox) => {
        const bucket = sandbox.s3.statusBucket ?? '';
        site = Object.fromEntries(
          await Promise.all(
            (await sandbox.s3.keys(bucket)).map(async (key) => [key, await sandbox.s3.text(bucket, key)]),
          ),
        );
      },
    });
    expect(report.failedExecutions, JSON.stringify(report.executions.failures)).toBe(0);
    const incident = only(report);
    expect(incident).toMatchObject({ severity: 'P1', status: 'RESOLVED', acknowledgedBy: 'on-call' });
    const said = incident.timeline.map((e) => `${e.actor.name}: ${e.summary}`);
    // The click is the recipient's, through the responder function: the post is theirs on the record.
    expect(said).toContain('on-call: status page: posted investigating');
    expect(said).toContain('workflow: status page: posted resolved; its components are operational again');
    expect(Object.keys(site).sort()).toEqual(['history.atom', 'index.html', 'status.json']);
    const json = JSON.parse(site['status.json'] ?? '{}');
    expect(json.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
    expect(json.components.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['Payments', 'operational'],
      ['Checkout', 'operational'],
    ]);
    expect(site['history.atom']).toContain('Investigating (');
    expect(site['history.atom']).toContain('Resolved (');
    // The acknowledgement's notice, sent by the responder function, links the incident page too.
    const ackNotices = report.pages.filter((p) => p.kind === 'ACKNOWLEDGED');
    expect(ackNotices.length).toBeGreaterThan(0);
    for (const notice of ackNotices) expect(notice.body).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/i\//m);
  }, 60_000);
});
