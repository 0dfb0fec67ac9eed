import { describe, expect, it } from 'vitest';
import type { Incident } from '../../lambdas/domain/incident';
import { reportKey } from '../../lambdas/domain/report';
import { STATES } from '../../lib/constructs/lifecycle-workflow';
import type { DeliveredPage } from '../../sandbox/local-aws/sns';
import type { DeliveryRecord, Sandbox } from '../../sandbox/sandbox';
import { DRILL_CONFIG } from '../../sandbox/scenarios';
import { alarmTransition } from '../support/events';
import { minute, withSandbox } from '../support/sandbox';

// The workflow stops waiting for recovery after 5 min and hands the incident to a person; the
// resolution that comes later still gets its notice, report and post-mortem from the same execution.

const HOUR = 3_600_000;
const iso = (d: Date) => d.toISOString();
/** To the minute: each simulated step takes a little simulated time. */
const hhmm = (n: number) => iso(minute(n)).slice(0, 16);
/** A P1 nothing fixes: automation off, and the recovery wait (5 min) far shorter than the outage. */
const CONFIG = {
  ...DRILL_CONFIG,
  automation: { allowlist: [] },
  verification: { recoveryTimeoutMinutes: 5 },
};

const alarmEvent = (state: 'ALARM' | 'OK', at: Date) =>
  alarmTransition('checkout-tasks-below-desired', state, at);

interface Outcome {
  readonly id: string;
  readonly pages: readonly DeliveredPage[];
  readonly incident?: Incident;
  readonly report?: string;
  readonly execution: DeliveryRecord['status'];
  /** The states the ALARM's execution entered, in order. */
  readonly states: readonly string[];
  readonly postMortemRunning: number;
  readonly notRecoveredBefore: number;
}

/** Plays the P1 from minute 1, lets the hand-off happen, then `resolveAt30` ends it at minute 30. */
const play = async (resolveAt30: (sandbox: Sandbox, id: string) => Promise<unknown>): Promise<Outcome> => {
  return withSandbox({ config: CONFIG }, async (sandbox) => {
    await sandbox.clock.advanceTo(minute(1));
    const fired = sandbox.deliver(alarmEvent('ALARM', minute(1)));
    await sandbox.settle(minute(29));
    const id = fired.intake?.incidentId ?? '';
    expect(fired.intake).toMatchObject({ outcome: 'opened', severity: 'P1' });
    const notRecovered = (pages: readonly DeliveredPage[]) =>
      pages.filter((p) => p.kind === 'ESCALATION' && p.body.includes('not recovered'));
    const notRecoveredBefore = notRecovered(await sandbox.sns.allPages()).length;
    expect(fired.status).toBe('RUNNING');

    await sandbox.clock.advanceTo(minute(30));
    await resolveAt30(sandbox, id);
    // Past the reopen window (30 min) of the resolution.
    await sandbox.settle(minute(65));
    await sandbox.clock.advanceTo(minute(65));
    const postMortemRunning = sandbox
      .childExecutions('postmortem')
      .filter((e) => e.status === 'RUNNING').length;
    return {
      id,
      pages: await sandbox.sns.allPages(),
      incident: await sandbox.incident(id),
      report: await sandbox.report(id),
      execution: fired.status,
      states: sandbox.execution(fired.executionId)?.states.map((s) => s.name) ?? [],
      postMortemRunning,
      notRecoveredBefore,
    };
  });
};

const expectResolvedAfterHandOff = (out: Outcome) => {
  const { id, pages, incident, report } = out;
  // The hand-off: the recovery wait (5 min from minute 1) ended, and a person was told.
  const notRecovered = pages.filter((p) => p.kind === 'ESCALATION' && p.body.includes('not recovered'));
  expect(out.notRecoveredBefore).toBe(1);
  expect(notRecovered).toHaveLength(1);
  expect(notRecovered[0]?.tier).toBe('on-call');
  expect(notRecovered[0]?.at.slice(0, 16)).toBe(hhmm(6));
  expect(notRecovered[0]?.body).toContain('the alarm did not return to OK within 5 min');

  // The resolution, 24 min after the hand-off, goes through the usual end of the lifecycle.
  expect(incident).toMatchObject({ status: 'RESOLVED', severity: 'P1' });
  const resolvedAt = incident?.statusTimestamps.RESOLVED ?? '';
  expect(resolvedAt.slice(0, 16)).toBe(hhmm(30));
  const resolvedPages = pages.filter((p) => p.kind === 'RESOLVED');
  expect(resolvedPages.map((p) => `${p.at.slice(0, 16)} ${p.tier}`)).toEqual([`${hhmm(30)} on-call`]);
  expect(incident?.report?.uri).toBe(
    `s3://incident-reports/${reportKey({ id, createdAt: incident?.createdAt ?? '' })}`,
  );
  expect(resolvedPages[0]?.body).toContain(`Report: ${incident?.report?.url}`);
  expect(report).toContain(`**Incident ID:** ${id}`);
  expect(incident?.postMortem).toEqual({
    due: iso(new Date(Date.parse(resolvedAt) + 48 * HOUR)),
    owner: 'on-call',
    remindersSent: 0,
  });
  // The execution ended; only the post-mortem reminders still wait (for +24 h).
  expect(out.execution).toBe('SUCCEEDED');
  expect(out.states).toEqual(
    expect.arrayContaining([STATES.awaitRecovery, 'HandOff', STATES.awaitResolution, STATES.resolve]),
  );
  expect(out.states.slice(-4)).toEqual([STATES.resolve, STATES.postIncident, 'CloseLater?', 'Done']);
  expect(out.postMortemRunning).toBe(1);
};

describe('hand-off: not recovered in time, resolved later', () => {
  it('the OK at minute 30 resolves it: notice, report and post-mortem as without the hand-off', async () => {
    let ok: DeliveryRecord | undefined;
    const out = await play(async (sandbox) => {
      ok = sandbox.deliver(alarmEvent('OK', minute(30)));
    });
    expect(ok?.intake?.outcome).toBe('resolved');
    expectResolvedAfterHandOff(out);
  }, 120_000);

  it('a person resolving it at minute 30 gives the same', async () => {
    const out = await play((sandbox, id) => sandbox.resolve(id, 'alice'));
    expectResolvedAfterHandOff(out);
    const resolvedPage = out.pages.find((p) => p.kind === 'RESOLVED');
    expect(resolvedPage?.body).toContain('Resolved by: alice (human)');
  }, 120_000);
});
