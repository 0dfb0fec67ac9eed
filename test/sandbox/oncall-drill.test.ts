/**
 * On-call in the sandbox (issue 13), through the synthesized workflows and the deployed bundles: who
 * each page reaches, why, when a handoff lands mid-incident, and an override set through the store.
 * Instants are written out in UTC; New York is UTC-5 in December.
 */
import { describe, expect, it } from 'vitest';
import { OverrideStore } from '../../lambdas/adapters/oncall-overrides';
import type { Incident } from '../../lambdas/domain/incident';
import { addOverride } from '../../lambdas/services/oncall-overrides';
import { type DrillReport, runDrill } from '../../sandbox/drill';
import type { DeliveredPage } from '../../sandbox/local-aws/sns';
import type { Scenario } from '../../sandbox/scenario-kit';
import { SCENARIOS } from '../../sandbox/scenarios';

const afterHours = SCENARIOS['after-hours'] as Scenario;

/** Sat 2026-12-05 03:00 New York: carol-diaz holds the secondary (day of 2026-12-04). */
const SAT_0300_NY = new Date('2026-12-05T08:00:00Z');

const play = async (scenario: Scenario, start = SAT_0300_NY): Promise<DrillReport> => {
  const report = await runDrill(scenario, { start });
  expect(report.failedExecutions, JSON.stringify(report.executions.failures)).toBe(0);
  return report;
};

const only = (report: DrillReport): Incident => {
  expect(report.incidents).toHaveLength(1);
  return report.incidents[0] as Incident;
};

/** [address, kind, HH:MM UTC] of every page, in order. */
const sent = (pages: readonly DeliveredPage[]) => pages.map((p) => [p.tier, p.kind, p.at.slice(11, 16)]);

/** Who each one-click link (`/a/`) or the incident page link (`/i/`) in a page acts as (the token's `to`). */
const linkRecipients = (page: DeliveredPage, kind: 'a' | 'i' = 'a'): string[] =>
  [...page.body.matchAll(new RegExp(`/${kind}/([A-Za-z0-9_-]+)\\.[A-Za-z0-9_-]+`, 'g'))].map(
    (m) => JSON.parse(Buffer.from(m[1] ?? '', 'base64url').toString('utf8')).to as string,
  );

describe('after-hours: a P1 at Sat 03:00 New York', () => {
  it('starts, from the real clock, at the latest Saturday 03:00 New York at least a day back', () => {
    const start = afterHours.start ?? expect.fail('no start');
    expect(start(new Date('2026-12-03T15:00:00Z')).toISOString()).toBe('2026-11-28T08:00:00.000Z');
    // Sunday 2026-12-06: yesterday was that Saturday. Summer time: 03:00 EDT is 07:00 UTC.
    expect(start(new Date('2026-12-06T12:00:00Z')).toISOString()).toBe('2026-12-05T08:00:00.000Z');
    expect(start(new Date('2026-07-01T12:00:00Z')).toISOString()).toBe('2026-06-27T07:00:00.000Z');
  });

  it('pages the secondary on call that night, repeats while unacknowledged, escalates to devops-lead at +60, and resolves', async () => {
    const report = await play(afterHours);
    const incident = only(report);
    expect(incident).toMatchObject({
      severity: 'P1',
      status: 'RESOLVED',
      createdAt: '2026-12-05T08:03:00.000Z',
    });
    expect(sent(report.pages)).toEqual([
      ['person:carol-diaz', 'INCIDENT', '08:03'],
      ['person:carol-diaz', 'ESCALATION', '08:08'],
      ['person:carol-diaz', 'ESCALATION', '08:13'],
      // +60: the recovery wait gives up (tier 1 and the next tier), then the policy's devops-lead step
      // (devops-lead has had its page), then the hourly update to everyone paged.
      ['person:carol-diaz', 'ESCALATION', '09:03'],
      ['devops-lead', 'ESCALATION', '09:03'],
      ['person:carol-diaz', 'UPDATE', '09:03'],
      ['devops-lead', 'UPDATE', '09:03'],
      ['person:carol-diaz', 'RESOLVED', '09:16'],
      ['devops-lead', 'RESOLVED', '09:16'],
    ]);
    // Nobody else is woken: not the primary layer (business hours only), not the other secondary.
    expect(report.pages.some((p) => /alice|bob|dan/.test(p.tier))).toBe(false);

    const first = report.pages[0] as DeliveredPage;
    expect(first.body).toContain('Paged: carol-diaz (secondary of app, day of 2026-12-04)');
    // Her own address, each protocol its own form, and links that act as her.
    expect(first.deliveries.map((d) => [d.protocol, d.endpoint, d.status])).toEqual([
      ['email', 'carol.diaz@example.com', 'delivered'],
      ['sms', '+15550100013', 'delivered'],
    ]);
    expect(first.sms.length).toBeLessThanOrEqual(160);
    expect(linkRecipients(first)).toEqual(['carol-diaz', 'carol-diaz', 'carol-diaz']);
    expect(linkRecipients(first, 'i')).toEqual(['carol-diaz']);

    const pagesOnTimeline = incident.timeline.filter((e) => e.kind === 'page').map((e) => e.summary);
    expect(pagesOnTimeline[0]).toBe(
      'paged carol-diaz for on-call (secondary of app, day of 2026-12-04): INCIDENT: [P1] INC-20261205-001 payments running tasks below desired',
    );
    expect(report.duplicatePages).toBe(0);
  });
});

describe('a handoff during an open incident', () => {
  it('the incoming secondary gets a handoff note listing the open incidents, and the later pages', async () => {
    // Sat 08:30 New York: carol-diaz (day of 2026-12-04) hands over to dan-kim at 09:00 (14:00 UTC).
    const report = await play(afterHours, new Date('2026-12-05T13:30:00Z'));
    const incident = only(report);
    expect(incident.status).toBe('RESOLVED');
    expect(sent(report.pages)).toEqual([
      ['person:carol-diaz', 'INCIDENT', '13:33'],
      ['person:carol-diaz', 'ESCALATION', '13:38'],
      ['person:carol-diaz', 'ESCALATION', '13:43'],
      ['person:dan-kim', 'HANDOFF', '14:00'],
      ['person:dan-kim', 'ESCALATION', '14:33'],
      ['devops-lead', 'ESCALATION', '14:33'],
      // The update goes to whoever is on call now, then to carol, who was paged before the handoff.
      ['person:dan-kim', 'UPDATE', '14:33'],
      ['devops-lead', 'UPDATE', '14:33'],
      ['person:carol-diaz', 'UPDATE', '14:33'],
      ['person:dan-kim', 'RESOLVED', '14:46'],
      ['devops-lead', 'RESOLVED', '14:46'],
      ['person:carol-diaz', 'RESOLVED', '14:46'],
    ]);
    const note = report.pages.find((p) => p.kind === 'HANDOFF') as DeliveredPage;
    expect(note.subject).toBe('HANDOFF: you are on call for on-call, 1 open incident');
    expect(note.body).toContain(
      'HANDOFF: dan-kim, you are now on call for on-call (secondary of app, day of 2026-12-05)',
    );
    expect(note.body).toContain('Since: 14:00 UTC, taking over from carol-diaz');
    expect(note.body).toMatch(
      /- INC-20261205-001 \[P1\] MONITORING payments: payments running tasks below desired/,
    );
    expect(note.sms).toMatch(
      /^INCIDENT> HANDOFF on-call: you are on call\. 1 open incident: INC-20261205-001 P1/,
    );
    expect(incident.timeline.find((e) => e.kind === 'oncall')?.summary).toBe(
      'handoff: dan-kim on call for on-call (secondary of app, day of 2026-12-05) from carol-diaz; handoff note sent listing 1 open incident(s)',
    );
  });
});

describe('an override set through the store', () => {
  it('replaces the secondary for its span: the pages in it reach the override, the ones after it the rotation', async () => {
    const scenario: Scenario = {
      ...afterHours,
      responders: [
        {
          atMinute: 0,
          narrate: 'dan-kim covers carol-diaz from 08:00 to 08:10 UTC',
          run: async (sandbox) => {
            const oncall = sandbox.config.oncall ?? expect.fail('no oncall');
            const store = new OverrideStore(sandbox.dynamo.doc, sandbox.dynamo.store.tableName);
            await addOverride(
              { store, oncall, clock: () => sandbox.clock.now() },
              {
                id: 'ovr-1',
                schedule: 'app',
                kind: 'replace',
                person: 'dan-kim',
                from: '2026-12-05T08:00:00Z',
                to: '2026-12-05T08:10:00Z',
                reason: 'carol is on a flight',
                by: 'devops-lead',
                createdAt: '2026-12-05T07:00:00Z',
              },
            );
          },
        },
      ],
    };
    const report = await play(scenario);
    expect(sent(report.pages).slice(0, 4)).toEqual([
      ['person:dan-kim', 'INCIDENT', '08:03'],
      ['person:dan-kim', 'ESCALATION', '08:08'],
      // The override's end is a handoff back to the rotation: carol hears of the open incident first.
      ['person:carol-diaz', 'HANDOFF', '08:10'],
      ['person:carol-diaz', 'ESCALATION', '08:13'],
    ]);
    expect(report.pages[0]?.body).toContain(
      'Paged: dan-kim (replaces carol-diaz as secondary of app, day of 2026-12-04 (override ovr-1 by devops-lead: carol is on a flight))',
    );
  });
});

describe('a tier with a schedule and endpoints of its own (a team channel or list)', () => {
  it('its endpoints get the page too, naming who is on call, with their chat ID', async () => {
    const base = afterHours.config;
    const oncall = base.oncall ?? expect.fail('no oncall');
    const scenario: Scenario = {
      ...afterHours,
      durationMinutes: 5,
      config: {
        ...base,
        contacts: { ...base.contacts, 'on-call': { schedule: 'app', email: ['payments-team@example.com'] } },
        oncall: {
          ...oncall,
          people: oncall.people.map((p) => (p.name === 'carol-diaz' ? { ...p, chatId: 'U0CAROL0001' } : p)),
        },
      },
    };
    const report = await play(scenario);
    expect(sent(report.pages)).toEqual([
      ['on-call', 'INCIDENT', '08:03'],
      ['person:carol-diaz', 'INCIDENT', '08:03'],
    ]);
    const team = report.pages[0] as DeliveredPage;
    expect(team.deliveries.map((d) => d.endpoint)).toEqual(['payments-team@example.com']);
    expect(team.body).toContain(
      'Paged: on call: carol-diaz (chat U0CAROL0001) (secondary of app, day of 2026-12-04)',
    );
    expect(linkRecipients(team)).toEqual(['on-call', 'on-call', 'on-call']);
    expect(linkRecipients(team, 'i')).toEqual(['on-call']);
  });
});
