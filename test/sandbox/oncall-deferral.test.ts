/**
 * Deferral (issue 13): the example's P3 and P4 pages go only during business hours in New York. An
 * alarm at Sat 03:00 (08:00 UTC) pages nobody that night, not even when recovery does not come; the
 * first page goes at Mon 09:00 (14:00 UTC) to the primary of that week, or on Tuesday when Monday is
 * a holiday. Through the synthesized workflows and the deployed bundles, on the simulated clock.
 */
import { describe, expect, it } from 'vitest';
import type { DeploymentConfigInput } from '../../lambdas/contract/config-schema';
import { ONCALL_DRILL_CONFIG } from '../../sandbox/scenarios-oncall';
import { alarmStateChange } from '../support/events';
import { withSandbox } from '../support/sandbox';

const SAT_0300_NY = new Date('2026-12-05T08:00:00Z');
const hours = (n: number) => new Date(SAT_0300_NY.getTime() + n * 3_600_000);

const play = (config: DeploymentConfigInput, untilHours: number) =>
  withSandbox({ config, start: SAT_0300_NY }, async (sandbox) => {
    const record = sandbox.deliver(alarmStateChange('checkout-cpu', 'ALARM', SAT_0300_NY));
    await sandbox.settle(new Date(SAT_0300_NY.getTime() + 60_000));
    const id = record.intake?.incidentId ?? '';
    await sandbox.settle(hours(untilHours));
    return {
      pages: (await sandbox.sns.allPages()).map((p) => `${p.at.slice(0, 16)} ${p.kind} ${p.tier}`),
      incident: await sandbox.incident(id),
    };
  });

describe('a P3 at Sat 03:00 New York, deferred to business hours', () => {
  it('pages nobody over the weekend, then the primary of the new week at Mon 09:00', async () => {
    const { pages, incident } = await play(ONCALL_DRILL_CONFIG, 56);
    expect(incident?.severity).toBe('P3');
    expect(pages).toEqual([
      // Mon 2026-12-07 09:00 New York: the weekly handoff has made bob-ortiz the primary.
      '2026-12-07T14:00 INCIDENT person:bob-ortiz',
    ]);
    const oncall = incident?.timeline.filter((e) => e.kind === 'oncall').map((e) => e.summary);
    expect(oncall).toEqual([
      'P3 pages only during business-hours: the first page (on-call) waits until 2026-12-07T14:00:00.000Z',
      'not paged yet: P3 pages wait until 2026-12-07T14:00:00.000Z, when the escalation policy pages',
    ]);
    expect(incident?.timeline.find((e) => e.kind === 'page')?.summary).toMatch(
      /^paged bob-ortiz for on-call \(primary of app, week of 2026-12-07\): INCIDENT: \[P3\]/,
    );
  });

  it('a P4 (the runbooks\' "next business day") at Sat 03:00 goes at Mon 09:00 too', async () => {
    const config: DeploymentConfigInput = {
      ...ONCALL_DRILL_CONFIG,
      // As the example: P4 pages on-call, and a team's own low-priority alarms route as P4.
      escalation: { P4: { steps: [{ afterMinutes: 0, trigger: 'not-acknowledged', notify: ['on-call'] }] } },
      routing: {
        rules: [{ id: 'low', match: { alarmName: { prefix: 'low-' } }, service: 'checkout', severity: 'P4' }],
        default: { action: 'open', severity: 'P3' },
      },
    };
    const { pages, incident } = await withSandbox({ config, start: SAT_0300_NY }, async (sandbox) => {
      const record = sandbox.deliver(alarmStateChange('low-disk-checkout', 'ALARM', SAT_0300_NY));
      await sandbox.settle(new Date(SAT_0300_NY.getTime() + 60_000));
      await sandbox.settle(hours(56));
      return {
        pages: (await sandbox.sns.allPages()).map((p) => `${p.at.slice(0, 16)} ${p.kind} ${p.tier}`),
        incident: await sandbox.incident(record.intake?.incidentId ?? ''),
      };
    });
    expect(incident?.severity).toBe('P4');
    expect(pages).toEqual(['2026-12-07T14:00 INCIDENT person:bob-ortiz']);
  });

  it('waits for Tuesday when Monday is a holiday', async () => {
    const config = structuredClone(ONCALL_DRILL_CONFIG);
    const calendar = config.oncall?.calendars?.['business-hours'];
    if (!calendar) throw new Error('no calendar');
    calendar.holidays = ['2026-12-07'];
    const { pages } = await play(config, 80);
    expect(pages).toEqual(['2026-12-08T14:00 INCIDENT person:bob-ortiz']);
  });
});
