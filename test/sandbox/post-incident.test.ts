import { describe, expect, it } from 'vitest';
import type { DeploymentConfigInput } from '../../lambdas/contract/config-schema';
import { INCIDENT_METRICS } from '../../lambdas/contract/metrics-design';
import type { Incident } from '../../lambdas/domain/incident';
import { parseReportTimeline } from '../../lambdas/domain/report';
import { type DrillReport, runDrill } from '../../sandbox/drill';
import type { DeliveredPage } from '../../sandbox/local-aws/sns';
import type { Sandbox } from '../../sandbox/sandbox';
import { DRILL_CONFIG, SCENARIOS } from '../../sandbox/scenarios';
import { alarmTransition } from '../support/events';
import { minute, START, withSandbox } from '../support/sandbox';

const HOUR = 3_600_000;
const badDeploy = () => {
  const scenario = SCENARIOS['bad-deploy'];
  if (!scenario) throw new Error('no bad-deploy scenario');
  return scenario;
};

/** Seed 000: 35% of checkout requests failing is major functionality broken, a P1. */
const p1Config = (): DeploymentConfigInput => {
  const config = structuredClone(DRILL_CONFIG);
  const errorRate = config.services[0]?.alarms?.errorRate;
  if (!errorRate) throw new Error('drill config has no checkout error-rate alarm');
  errorRate.severity = 'P1';
  return config;
};

const seen = (pages: readonly DeliveredPage[]) =>
  pages.map((p) => `${p.at.slice(0, 16)} ${p.kind} ${p.tier}`);

describe('P1 bad-deploy, after resolution: report, post-mortem, reminders, CLOSED', () => {
  it('writes the report to the S3 stand-in, reminds the owner at +24 h, +48 h (due), +72 h, and closes on --done', async () => {
    const captured: {
      resolved?: Incident;
      remindersBefore?: DeliveredPage[];
      reminders?: DeliveredPage[];
      afterDone?: DeliveredPage[];
      closed?: Incident;
      final?: Incident;
      report?: string;
      keys?: string[];
      metrics?: Sandbox['metrics']['records'];
    } = {};
    const drill: DrillReport = await runDrill(
      { ...badDeploy(), config: p1Config() },
      {
        start: START,
        afterwards: async (sandbox) => {
          const id = sandbox.deliveries.find((d) => d.intake?.outcome === 'opened')?.intake?.incidentId ?? '';
          captured.resolved = await sandbox.incident(id);
          const resolvedAt = Date.parse(captured.resolved?.statusTimestamps.RESOLVED ?? '');
          const postMortemPages = async () =>
            (await sandbox.sns.allPages()).filter((p) => p.kind === 'POSTMORTEM');
          await sandbox.settle(new Date(resolvedAt + 24 * HOUR - 60_000));
          captured.remindersBefore = await postMortemPages();
          await sandbox.settle(new Date(resolvedAt + 73 * HOUR));
          await sandbox.clock.advanceTo(new Date(resolvedAt + 73 * HOUR));
          captured.reminders = await postMortemPages();
          captured.closed = await sandbox.completePostMortem(
            id,
            'https://wiki.example.com/postmortems/checkout-42',
            'alice',
          );
          await sandbox.settle(new Date(resolvedAt + 8 * 24 * HOUR));
          captured.afterDone = await postMortemPages();
          captured.final = await sandbox.incident(id);
          captured.report = await sandbox.report(id);
          captured.keys = await sandbox.s3.keys();
          captured.metrics = [...sandbox.metrics.records];
        },
      },
    );
    const { resolved, final, report } = captured;
    expect(resolved).toMatchObject({ severity: 'P1', status: 'RESOLVED', service: 'checkout' });
    const resolvedAt = resolved?.statusTimestamps.RESOLVED ?? '';
    expect(resolvedAt).toBe(minute(7).toISOString());
    // Due 48 h after resolution, owned by the P1 policy's first tier.
    expect(resolved?.postMortem).toEqual({
      due: new Date(Date.parse(resolvedAt) + 48 * HOUR).toISOString(),
      owner: 'on-call',
      remindersSent: 0,
    });
    // The RESOLVED notice links the report and says a post-mortem is owed.
    const resolvedPage = drill.pages.find((p) => p.kind === 'RESOLVED');
    expect(resolvedPage?.body).toContain(`Report: ${resolved?.report?.url}`);
    expect(resolvedPage?.body).toContain('Post-Mortem: required, due 2026-11-25 10:07 UTC (owner on-call)');
    expect(resolved?.report?.uri).toBe(`s3://incident-reports/reports/2026/11/${resolved?.id}.md`);

    // Reminders at the simulated times, none before the first, none after --done.
    expect(captured.remindersBefore).toEqual([]);
    expect(seen(captured.reminders ?? [])).toEqual([
      '2026-11-24T10:07 POSTMORTEM on-call',
      '2026-11-25T10:07 POSTMORTEM on-call',
      '2026-11-26T10:07 POSTMORTEM on-call',
    ]);
    expect(captured.reminders?.map((p) => p.subject.split(':')[0])).toEqual([
      'POST-MORTEM DUE',
      'POST-MORTEM OVERDUE',
      'POST-MORTEM OVERDUE',
    ]);
    expect(captured.reminders?.[0]?.body).toContain(`incident postmortem ${resolved?.id} --done --doc URL`);
    expect(captured.afterDone).toHaveLength(3);

    // CLOSED after --done, with the document on the record.
    expect(captured.closed?.status).toBe('CLOSED');
    expect(final).toMatchObject({
      status: 'CLOSED',
      postMortem: {
        remindersSent: 3,
        doc: 'https://wiki.example.com/postmortems/checkout-42',
        doneBy: 'alice',
        doneAt: '2026-11-26T11:07:00.000Z',
      },
    });

    // The report in the bucket: seed 000's template, and its timeline is the record's.
    expect(captured.keys).toEqual([`reports/2026/11/${final?.id}.md`]);
    expect(report).toBeDefined();
    for (const section of [
      '# Incident Report:',
      '## Timeline',
      '## Impact',
      '## Root Cause',
      '## Resolution',
      '## Prevention',
      '## Action Items',
    ])
      expect(report).toContain(section);
    expect(report).toContain(`**Incident ID:** ${final?.id}`);
    expect(report).toContain('checkout:41');
    expect(report).toContain('https://wiki.example.com/postmortems/checkout-42');
    const rows = parseReportTimeline(report ?? '');
    expect(rows.map((r) => r.at)).toEqual(final?.timeline.map((e) => e.at));
    rows.forEach((row, i) => {
      const entry = final?.timeline[i];
      expect(row.event).toContain(entry?.kind);
      expect(row.actor).toContain(entry?.actor.name);
    });

    // The numbers a team reviews, as the lifecycle function emits them.
    const names = (captured.metrics ?? []).map((m) => m.name);
    expect(names).toContain(INCIDENT_METRICS.names.opened);
    expect(names).toContain(INCIDENT_METRICS.names.resolved);
    expect(names).toContain(INCIDENT_METRICS.names.resolvedByAutomation);
    expect(names.filter((n) => n === INCIDENT_METRICS.names.postMortemReminders)).toHaveLength(3);
  }, 120_000);
});

describe('silences', () => {
  it('a silenced service: the alarm is recorded on a suppressed incident, nobody is paged and nothing is changed until it expires; then it pages', async () => {
    const drill = await runDrill(
      { ...badDeploy(), durationMinutes: 135 },
      {
        start: START,
        hooks: [
          {
            atMinute: 0,
            run: async (sandbox) => {
              await sandbox.silence(
                'checkout',
                '2h',
                'deploying checkout:42 during the release window',
                'alice',
              );
            },
          },
        ],
      },
    );
    expect(drill.incidents).toHaveLength(1);
    const incident = drill.incidents[0] as Incident;
    expect(incident.createdAt).toBe(minute(4).toISOString());
    const notes = incident.timeline.filter((e) => e.actor.name === 'silences').map((e) => [e.at, e.summary]);
    expect(notes).toEqual([
      [
        minute(4).toISOString(),
        `suppressed until ${minute(120).toISOString()}: silenced by alice (deploying checkout:42 during the release window); nobody is paged`,
      ],
      [
        minute(120).toISOString(),
        `silence ended at ${minute(120).toISOString()} and the alarm still fires: handling it now`,
      ],
    ]);
    // Nothing during the silence: no page, no rollback.
    expect(drill.pages.filter((p) => p.at < minute(120).toISOString())).toEqual([]);
    expect(drill.ecsCalls.filter((c) => c.at < minute(120).toISOString())).toEqual([]);
    // When it expires, the incident is handled as any other: paged, diagnosed.
    expect(drill.pages[0]).toMatchObject({
      kind: 'INCIDENT',
      tier: 'on-call',
      at: minute(120).toISOString(),
    });
    // Automation runs then too: the deploy is 2 h old, past the 30 min correlation window, so it
    // does not roll back on its own and a person owns it.
    const diagnosed = incident.timeline.find((e) => e.kind === 'diagnosis');
    expect(diagnosed?.at.slice(0, 16)).toBe(minute(120).toISOString().slice(0, 16));
    expect(drill.ecsCalls).toEqual([]);
    expect(incident.status).not.toBe('RESOLVED');
    expect(incident.suppressed).toBeUndefined();
  }, 120_000);

  const quiet = { ...DRILL_CONFIG, automation: { allowlist: [] } };

  it('an alarm that fires and clears during a silence closes with 0 pages; after expiry the next one pages', async () => {
    await withSandbox({ config: quiet }, async (sandbox) => {
      await sandbox.silence('checkout', '2h', 'database failover drill', 'bob');
      await sandbox.clock.advanceTo(minute(5));
      const fired = sandbox.deliver(alarmTransition('checkout-tasks-below-desired', 'ALARM', minute(5)));
      await sandbox.settle(minute(5));
      expect(fired.intake).toMatchObject({ outcome: 'opened', suppressedUntil: minute(120).toISOString() });
      await sandbox.clock.advanceTo(minute(10));
      sandbox.deliver(alarmTransition('checkout-tasks-below-desired', 'OK', minute(10)));
      await sandbox.settle(minute(125));
      await sandbox.clock.advanceTo(minute(125));
      const first = await sandbox.incident(fired.intake?.incidentId ?? '');
      expect(first?.status).toBe('CLOSED');
      expect(first?.timeline.at(-1)?.summary).toContain(
        'recorded during a silence and recovered before it ended',
      );
      expect(await sandbox.sns.allPages()).toEqual([]);

      const after = sandbox.deliver(alarmTransition('checkout-tasks-below-desired', 'ALARM', minute(125)));
      await sandbox.settle(minute(126));
      expect(after.intake?.outcome).toBe('opened');
      expect(after.intake?.suppressedUntil).toBeUndefined();
      expect(after.intake?.incidentId).not.toBe(first?.id);
      expect(seen(await sandbox.sns.allPages())).toEqual([
        `${minute(125).toISOString().slice(0, 16)} INCIDENT on-call`,
      ]);
      expect(
        sandbox.metrics.records.filter((m) => m.name === INCIDENT_METRICS.names.suppressed),
      ).toHaveLength(1);
    });
  }, 60_000);

  it('a weekly maintenance window in the config suppresses the same way, and names the window', async () => {
    await withSandbox(
      {
        config: {
          ...quiet,
          maintenanceWindows: [
            {
              service: '*',
              reason: 'weekly patching',
              days: ['MON'],
              startUtc: '09:30',
              durationMinutes: 60,
            },
          ],
        },
      },
      async (sandbox) => {
        await sandbox.clock.advanceTo(minute(5));
        const fired = sandbox.deliver(alarmTransition('checkout-tasks-below-desired', 'ALARM', minute(5)));
        await sandbox.settle(minute(29));
        expect(fired.intake?.suppressedUntil).toBe(minute(30).toISOString());
        expect(await sandbox.sns.allPages()).toEqual([]);
        const incident = await sandbox.incident(fired.intake?.incidentId ?? '');
        expect(incident?.suppressed).toMatchObject({
          source: 'maintenance-window',
          reason: 'weekly patching',
        });
        // The window ends at 10:30 with the alarm still firing: the on-call is paged then.
        await sandbox.settle(minute(31));
        expect(seen(await sandbox.sns.allPages())).toEqual([
          `${minute(30).toISOString().slice(0, 16)} INCIDENT on-call`,
        ]);
      },
    );
  }, 60_000);
});
