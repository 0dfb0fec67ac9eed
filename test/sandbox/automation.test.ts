import { describe, expect, it } from 'vitest';
import type { DeploymentConfigInput } from '../../lambdas/contract/config-schema';
import { type DrillOptions, runDrill } from '../../sandbox/drill';
import type { Sandbox } from '../../sandbox/sandbox';
import { DRILL_CONFIG, SCENARIOS, type Scenario } from '../../sandbox/scenarios';

const START = new Date('2026-11-23T10:00:00.000Z');
const at = (minutes: number) => new Date(START.getTime() + minutes * 60_000).toISOString();

const scenario = (
  name: string,
  automation: Record<string, unknown> = {},
  extra: Partial<DeploymentConfigInput> = {},
): Scenario => {
  const base = SCENARIOS[name];
  if (!base) throw new Error(`no scenario ${name}`);
  return {
    ...base,
    config: { ...DRILL_CONFIG, ...extra, automation: { ...(DRILL_CONFIG.automation ?? {}), ...automation } },
  };
};

const play = async (s: Scenario, options: DrillOptions = {}) => {
  const report = await runDrill(s, { start: START, ...options });
  const incident = report.incidents[0];
  if (!incident) throw new Error('the drill opened no incident');
  const summaries = incident.timeline.map((e) => e.summary);
  return { report, incident, summaries, text: summaries.join('\n') };
};

describe('bad-deploy: automatic rollback', () => {
  it('diagnoses the deploy, rolls back to the previous revision, verifies recovery and resolves', async () => {
    const { report, incident, text } = await play(scenario('bad-deploy'));
    // Within the alarm's minute: diagnostics (Logs Insights polls) take simulated seconds.
    expect(report.ecsCalls).toEqual([
      {
        at: expect.stringMatching(/^2026-11-23T10:04:0/),
        call: 'UpdateService',
        service: 'checkout',
        detail: 'taskDefinition checkout:41',
      },
    ]);
    expect(text).toMatch(/deployment: checkout:42 deployed 2 min before the alarm/);
    expect(text).toMatch(/decision: act rollback/);
    expect(text).toMatch(/started: roll back checkout to checkout:41/);
    expect(text).toMatch(/verified: ECS steady and the alarm OK/);
    expect(incident.status).toBe('RESOLVED');
    // The rollback starts in the same simulated minute the alarm fires: under the 60 s goal.
    const opened = Date.parse(incident.createdAt);
    const rollback = incident.timeline.find((e) => e.summary.startsWith('started: roll back'));
    expect(Date.parse(rollback?.at ?? '') - opened).toBeLessThan(60_000);
    // Pages after the diagnosis carry it.
    const resolved = report.pages.find((p) => p.kind === 'RESOLVED');
    expect(resolved?.body).toContain('roll back to checkout:41');
  });

  it('a diagnostics source that throws leaves a finding, and the diagnosis still decides', async () => {
    const { report, text } = await play(scenario('bad-deploy'), {
      awsFaults: { GetMetricData: 'AccessDeniedException' },
    });
    expect(text).toMatch(/metrics: unavailable: AccessDeniedException/);
    expect(text).toMatch(/diagnosis: .*roll back to checkout:41/);
    expect(report.ecsCalls).toHaveLength(1);
  });

  it('dry-run records what it would have done and calls nothing', async () => {
    const { report, incident, text } = await play(scenario('bad-deploy', { dryRun: true }));
    expect(report.ecsCalls).toEqual([]);
    expect(text).toMatch(/decision: dry-run rollback: .*checkout:41/);
    expect(incident.timeline.some((e) => e.summary.startsWith('started:'))).toBe(false);
    // Nobody acted, so the alarm stays in ALARM and the incident is still open at the drill's end.
    expect(incident.status).toBe('MONITORING');
  });

  it('a deploy older than the correlation window is not rolled back: the on-call is paged with the diagnosis', async () => {
    const { report, text } = await play(scenario('bad-deploy', { deploymentCorrelationMinutes: 1 }));
    expect(report.ecsCalls).toEqual([]);
    expect(text).toMatch(/outside the 1-min correlation window/);
    expect(text).toMatch(/decision: page-only/);
  });

  it('the cooldown is honoured: an action on the service minutes ago stops this one, with the reason', async () => {
    const seedEarlierAction = {
      atMinute: 0,
      run: async (sandbox: Sandbox) => {
        const log = await sandbox.dynamo.store.getServiceActions('checkout');
        await sandbox.dynamo.store.putServiceActions(log, [
          { at: at(-5), incidentId: 'INC-20261123-000', playbook: 'restart' },
        ]);
      },
    };
    const { report, text } = await play(scenario('bad-deploy', { cooldownMinutes: 30 }), {
      hooks: [seedEarlierAction],
    });
    expect(report.ecsCalls).toEqual([]);
    expect(text).toMatch(/decision: refused rollback: .*cooldown/);
  });

  it('the kill switch stops automation without a deploy', async () => {
    const { report, text } = await play(scenario('bad-deploy'), {
      hooks: [
        {
          atMinute: 0,
          run: async (sandbox) => {
            sandbox.aws.killSwitch = 'off';
          },
        },
      ],
    });
    expect(report.ecsCalls).toEqual([]);
    expect(text).toMatch(/decision: refused rollback: .*kill switch/);
  });

  it('approval denied: no action, and the next tier is paged', async () => {
    const deny = {
      atMinute: 6,
      run: async (sandbox: Sandbox) => {
        const [record] = sandbox.deliveries;
        await sandbox.answerApproval(record?.intake?.incidentId ?? '', false, 'alice');
      },
    };
    const { report, text } = await play(scenario('bad-deploy', { approvalRequiredFor: ['P2'] }), {
      hooks: [deny],
    });
    expect(report.ecsCalls).toEqual([]);
    expect(text).toMatch(/decision: needs-approval rollback/);
    expect(text).toMatch(/waiting for approval: roll back checkout to checkout:41/);
    expect(text).toMatch(/denied by alice/);
    const escalations = report.pages.filter((p) => p.kind === 'ESCALATION');
    expect(escalations.map((p) => p.body).join('\n')).toMatch(
      /Why escalating: no automatic action: it needed approval.*ApprovalDenied: denied by alice/,
    );
    expect(new Set(escalations.map((p) => p.tier))).toContain('devops-lead');
  });

  it('approval given: the rollback runs', async () => {
    const approve = {
      atMinute: 6,
      run: async (sandbox: Sandbox) => {
        const [record] = sandbox.deliveries;
        await sandbox.answerApproval(record?.intake?.incidentId ?? '', true, 'alice');
      },
    };
    const { report, text } = await play(scenario('bad-deploy', { approvalRequiredFor: ['P2'] }), {
      hooks: [approve],
    });
    expect(text).toMatch(/approved by alice/);
    expect(report.ecsCalls.map((c) => c.detail)).toEqual(['taskDefinition checkout:41']);
  });
});

describe('crash-loop without a deploy: restart', () => {
  it('forces a new deployment of the crashing service and raises it to P1', async () => {
    const { report } = await runDrill(scenario('crash-loop'), { start: START }).then((r) => ({ report: r }));
    expect(report.ecsCalls.map((c) => [c.service, c.detail])).toContainEqual([
      'payments',
      'forceNewDeployment',
    ]);
    const tasksIncident = report.incidents.find((i) => i.alarmName === 'payments-tasks-below-desired');
    expect(tasksIncident?.severity).toBe('P1');
    expect(tasksIncident?.timeline.map((e) => e.summary).join('\n')).toMatch(
      /Essential container in task exited/,
    );
  });
});
