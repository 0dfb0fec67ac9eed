import { describe, expect, it } from 'vitest';
import { STATES } from '../../lib/constructs/lifecycle-workflow';
import { runDrill } from '../../sandbox/drill';
import type { Fault } from '../../sandbox/sandbox';
import { DRILL_CONFIG, SCENARIOS } from '../../sandbox/scenarios';
import { alarmStateChange } from '../support/events';
import { minute, START, withSandbox } from '../support/sandbox';

/** The AWS docs' metric alarm event, for the sandbox's checkout error-rate alarm. */
const alarmEvent = (state: 'ALARM' | 'OK', at: number) =>
  alarmStateChange('checkout-error-rate', state, minute(at));

/** An ALARM at minute 1, its OK at minute 10, and time enough for every wait and retry. */
const playWithFault = async (state: string, fault: Fault) => {
  return withSandbox({ config: DRILL_CONFIG, faults: { [state]: fault } }, async (sandbox) => {
    await sandbox.clock.advanceTo(new Date(START.getTime() + 60_000));
    const alarm = sandbox.deliver(alarmEvent('ALARM', 1));
    await sandbox.settle(new Date(START.getTime() + 10 * 60_000));
    const ok = sandbox.deliver(alarmEvent('OK', 10));
    await sandbox.settle(new Date(START.getTime() + 6 * 3_600_000));
    const incidentId = alarm.intake?.incidentId ?? ok.intake?.incidentId;
    const incident = incidentId ? await sandbox.incident(incidentId) : undefined;
    return { alarm, ok, incident, pages: await sandbox.sns.allPages() };
  });
};

// Every Task that runs for a new incident automation only pages about, escalation tasks aside (their
// own failure fails the execution, which raises the operators' alarm). Mitigate and Verify run only
// when automation acts: see the bad-deploy faults below.
const LIFECYCLE_TASKS = [
  STATES.announce,
  STATES.diagnose,
  STATES.decide,
  STATES.resolve,
  STATES.postIncident,
];
const FAULTS: Array<[Fault, RegExp]> = [
  ['throw', /InjectedFault: fault injected into/],
  ['timeout', /States\.Timeout/],
];

describe.each(FAULTS)('a fault (%s) injected into each Task', (fault, errorText) => {
  it.each(LIFECYCLE_TASKS)(
    '%s: the incident still reaches a person, and the timeline says which step failed and why',
    async (state) => {
      const { alarm, incident, pages } = await playWithFault(state, fault);
      expect(alarm.status).toBe('FAILED');
      expect(alarm.error).toMatch(/StepFailed/);
      const error = incident?.timeline.find((e) => e.kind === 'error');
      expect(error?.summary).toMatch(new RegExp(`^${state} failed: `));
      expect(error?.summary).toMatch(errorText);
      expect(error?.details).toMatchObject({ step: state });
      const escalation = pages.find((p) => p.kind === 'ESCALATION');
      expect(escalation?.body).toContain(`Why escalating: ${state} failed`);
      expect(escalation?.tier).toBe('on-call');
    },
  );
});

describe('a fault in the intake itself', () => {
  it.each(FAULTS)('(%s): no incident exists, so the operators are paged with the error', async (fault) => {
    const { alarm, incident, pages } = await playWithFault(STATES.record, fault);
    expect(alarm.status).toBe('FAILED');
    expect(incident).toBeUndefined();
    expect(pages.map((p) => [p.kind, p.subject])).toContainEqual([
      'ESCALATION',
      'ESCALATION NEEDED: incident workflow RecordSignal failed',
    ]);
  });
});

describe('recovery that never comes', () => {
  it('AwaitRecovery hangs: at the recovery timeout those already paged are told (the policy owns calling the next tier)', async () => {
    const { alarm, incident, pages } = await playWithFault(STATES.awaitRecovery, 'timeout');
    expect(alarm.status).toBe('SUCCEEDED');
    // An hour after the wait began; diagnostics (Logs Insights polls) take simulated seconds before it.
    expect(incident?.timeline.find((e) => e.summary.startsWith('not recovered'))?.at).toMatch(
      /^2026-11-23T11:01:0/,
    );
    const escalations = pages.filter((p) => p.kind === 'ESCALATION');
    // The OK at minute 10 resolved the incident, so the policy's not-resolved step (devops-lead at
    // +60) does not fire; the lost callback is still reported to the on-call who owns the incident.
    expect(escalations.map((p) => p.tier)).toEqual(['on-call']);
    expect(escalations[0]?.body).toContain(
      'Why escalating: not recovered: the alarm did not return to OK within 60 min',
    );
  });
});

describe('faults while automation acts (bad-deploy)', () => {
  it.each([
    [STATES.mitigate, 'throw'],
    [STATES.mitigate, 'timeout'],
    [STATES.verify, 'throw'],
    [STATES.verify, 'timeout'],
  ] as Array<[string, Fault]>)('%s (%s): a person is paged with the failing step', async (state, fault) => {
    const scenario = SCENARIOS['bad-deploy'];
    if (!scenario) throw new Error('no bad-deploy');
    const report = await runDrill(scenario, { start: START, faults: { [state]: fault } });
    const incident = report.incidents[0];
    expect(incident?.timeline.find((e) => e.kind === 'error')?.summary).toMatch(
      new RegExp(`^${state} failed: `),
    );
    expect(
      report.pages
        .filter((p) => p.kind === 'ESCALATION')
        .map((p) => p.body)
        .join('\n'),
    ).toContain(`Why escalating: ${state} failed`);
  });
});
