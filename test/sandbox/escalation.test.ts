import { describe, expect, it } from 'vitest';
import type { DeliveredPage } from '../../sandbox/local-aws/sns';
import type { Sandbox } from '../../sandbox/sandbox';
import { DRILL_CONFIG } from '../../sandbox/scenarios';
import { alarmStateChange } from '../support/events';
import { minute, withSandbox } from '../support/sandbox';

const hhmm = (n: number) => minute(n).toISOString().slice(11, 16);
/** A P1 (no running tasks on checkout) that nothing fixes: automation off, recovery wait longer than the test. */
const CONFIG = {
  ...DRILL_CONFIG,
  automation: { allowlist: [] },
  verification: { recoveryTimeoutMinutes: 600 },
};

const p1Alarm = () => alarmStateChange('checkout-tasks-below-desired', 'ALARM', minute(1));

/** Plays a P1 for `minutes`, with optional responder moves at given minutes; returns the pages. */
const play = async (
  minutes: number,
  moves: Array<[number, (s: Sandbox, id: string) => Promise<unknown>]> = [],
) => {
  return withSandbox({ config: CONFIG }, async (sandbox) => {
    await sandbox.clock.advanceTo(minute(1));
    const record = sandbox.deliver(p1Alarm());
    await sandbox.settle(minute(1));
    const id = record.intake?.incidentId ?? '';
    for (const [at, move] of moves) {
      await sandbox.settle(minute(at));
      await sandbox.clock.advanceTo(minute(at));
      await move(sandbox, id);
    }
    await sandbox.settle(minute(minutes));
    const pages = await sandbox.sns.allPages();
    return { pages, incident: await sandbox.incident(id) };
  });
};

const seen = (pages: readonly DeliveredPage[]) =>
  pages.map((p) => `${p.at.slice(11, 16)} ${p.kind} ${p.tier}`);

describe('escalation policy (seed 000 P1), run by its own workflow on the simulated clock', () => {
  it('not acknowledged: on-call repeats at +5 and +10, the DevOps lead at +60, the engineering manager at +120, hourly updates to everyone paged', async () => {
    const { pages, incident } = await play(185);
    expect(incident?.severity).toBe('P1');
    expect(seen(pages)).toEqual([
      `${hhmm(1)} INCIDENT on-call`,
      `${hhmm(6)} ESCALATION on-call`,
      `${hhmm(11)} ESCALATION on-call`,
      `${hhmm(61)} ESCALATION devops-lead`,
      `${hhmm(61)} UPDATE on-call`,
      `${hhmm(61)} UPDATE devops-lead`,
      `${hhmm(121)} ESCALATION engineering-manager`,
      `${hhmm(121)} UPDATE on-call`,
      `${hhmm(121)} UPDATE devops-lead`,
      `${hhmm(121)} UPDATE engineering-manager`,
      `${hhmm(181)} UPDATE on-call`,
      `${hhmm(181)} UPDATE devops-lead`,
      `${hhmm(181)} UPDATE engineering-manager`,
    ]);
    const step2 = pages.find((p) => p.tier === 'devops-lead' && p.kind === 'ESCALATION');
    expect(step2?.body).toContain('Why escalating: not resolved: step 2 (devops-lead) at +60 min');
  }, 60_000);

  it('acknowledged at +3: the not-acknowledged repeats stop; the not-resolved steps still run', async () => {
    const { pages, incident } = await play(130, [[3, (s, id) => s.acknowledge(id, 'alice')]]);
    expect(incident?.acknowledgedBy).toBe('alice');
    const escalations = seen(pages).filter((p) => p.includes('ESCALATION'));
    expect(escalations).toEqual([
      `${hhmm(61)} ESCALATION devops-lead`,
      `${hhmm(121)} ESCALATION engineering-manager`,
    ]);
  }, 60_000);

  it('resolved at +30: nothing more is sent after the resolution notice', async () => {
    const { pages, incident } = await play(200, [[30, (s, id) => s.resolve(id, 'alice')]]);
    expect(incident?.status).toBe('RESOLVED');
    const after = pages.filter((p) => p.at >= minute(30).toISOString());
    expect(after.every((p) => p.kind === 'RESOLVED')).toBe(true);
    expect(after.map((p) => p.tier)).toEqual(['on-call']);
  }, 60_000);
});

describe('a long incident with frequent updates', () => {
  it('the policy continues as a new execution after its rounds and goes on paging, with no update lost or sent twice', async () => {
    // 12 rounds an execution instead of 1,000, to see two hand-overs in 30 minutes.
    const config = { ...CONFIG, statusUpdateMinutes: { P1: 1 }, escalationRoundsPerExecution: 12 };
    await withSandbox({ config }, async (sandbox) => {
      await sandbox.clock.advanceTo(minute(1));
      const record = sandbox.deliver(p1Alarm());
      await sandbox.settle(minute(1));
      const id = record.intake?.incidentId ?? '';
      await sandbox.settle(minute(31));
      const runs = sandbox.childExecutions('escalation');
      expect(runs.map((e) => [e.name, e.status])).toEqual([
        [`${id}-escalation-0`, 'SUCCEEDED'],
        [`${id}-escalation-0-g1`, 'SUCCEEDED'],
        [`${id}-escalation-0-g2`, 'RUNNING'],
      ]);
      expect(runs[0]?.states.at(-1)?.name).toBe('ContinuedAsNew');
      expect(runs[1]?.states[1]?.name).toBe('Resume');
      // One update a minute, across the hand-overs: none twice, none missing.
      const updates = (await sandbox.sns.allPages())
        .filter((p) => p.kind === 'UPDATE' && p.tier === 'on-call')
        .map((p) => p.at.slice(11, 16));
      expect(updates).toEqual(Array.from({ length: 30 }, (_, i) => hhmm(2 + i)));
    });
  }, 120_000);
});
