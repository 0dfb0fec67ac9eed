import { describe, expect, it } from 'vitest';
import { ESCALATION_STATES } from '../../lib/constructs/escalation-workflow';
import { STATES } from '../../lib/constructs/lifecycle-workflow';
import { POST_MORTEM_STATES } from '../../lib/constructs/post-mortem-workflow';
import type { DeliveryRecord, Fault, Sandbox, SandboxOptions } from '../../sandbox/sandbox';
import { DRILL_CONFIG } from '../../sandbox/scenarios';
import { alarmStateChange } from '../support/events';
import { minute, START, withSandbox } from '../support/sandbox';

// The workflows' rarer paths, each run end to end in the sandbox with the deployed bundles: how the
// execution ends, what the record says, and who was told. With the other sandbox tests they enter
// every state of the three synthesized state machines (`npm run coverage:states`).

const alarmEvent = (alarmName: string, state: 'ALARM' | 'OK', at: number) =>
  alarmStateChange(alarmName, state, minute(at));

/** Nothing fixes checkout's P1 by itself: automation off. */
const P1_CONFIG = { ...DRILL_CONFIG, automation: { allowlist: [] } };
const P1_ALARM = 'checkout-tasks-below-desired';

/** A sandbox at minute 1 of the simulated clock, stopped after `play`. */
const fromMinute1 = <T>(
  options: Omit<SandboxOptions, 'start'>,
  play: (sandbox: Sandbox) => Promise<T>,
): Promise<T> =>
  withSandbox(options, async (sandbox) => {
    await sandbox.clock.advanceTo(minute(1));
    return await play(sandbox);
  });

const errorsOf = async (sandbox: Sandbox, id: string | undefined) =>
  ((await sandbox.incident(id ?? ''))?.timeline ?? [])
    .filter((e) => e.kind === 'error')
    .map((e) => e.summary);

/** The execution failed, for the operators' alarm, and the record holds one error: `state` failed with the injected fault. */
const expectFailedAt = async (sandbox: Sandbox, delivery: DeliveryRecord, state: string) => {
  expect(delivery.status).toBe('FAILED');
  expect(await errorsOf(sandbox, delivery.intake?.incidentId)).toEqual([
    expect.stringMatching(new RegExp(`^${state} failed: InjectedFault`)),
  ]);
};

describe('a step that fails, and the page about it fails too', () => {
  it('the lifecycle execution fails as EscalationFailed: the operators alarm on failed executions is the page', async () => {
    await fromMinute1(
      { config: P1_CONFIG, faults: { [STATES.diagnose]: 'throw', [STATES.escalateFailure]: 'throw' } },
      async (sandbox) => {
        const alarm = sandbox.deliver(alarmEvent(P1_ALARM, 'ALARM', 1));
        await sandbox.settle(minute(30));
        expect(alarm.status).toBe('FAILED');
        expect(alarm.error).toMatch(/EscalationFailed/);
        const states = sandbox.execution(alarm.executionId)?.states.map((s) => s.name) ?? [];
        expect(states.slice(-3)).toEqual([
          `${STATES.diagnose}Failed`,
          STATES.escalateFailure,
          'EscalationFailed',
        ]);
      },
    );
  });
});

describe.each<[string, Fault]>([
  [STATES.awaitRecovery, 'throw'],
  [STATES.awaitApproval, 'throw'],
])('%s fails (%s)', (state, fault) => {
  it('a person is paged with the failing step, and the execution fails for the operators alarm', async () => {
    const config =
      state === STATES.awaitApproval
        ? { ...DRILL_CONFIG, automation: { allowlist: ['checkout'], approvalRequiredFor: ['P2' as const] } }
        : P1_CONFIG;
    await fromMinute1({ config, faults: { [state]: fault } }, async (sandbox) => {
      if (state === STATES.awaitApproval) {
        sandbox.env.defineRevision('checkout:42', { metrics: { errorRatePercent: 35 } });
        sandbox.env.deployRevision('checkout', 'checkout:42');
      }
      const alarm = sandbox.deliver(
        alarmEvent(state === STATES.awaitApproval ? 'checkout-error-rate' : P1_ALARM, 'ALARM', 1),
      );
      await sandbox.settle(minute(30));
      await expectFailedAt(sandbox, alarm, state);
      const pages = await sandbox.sns.allPages();
      expect(
        pages.some((p) => p.kind === 'ESCALATION' && p.body.includes(`Why escalating: ${state} failed`)),
      ).toBe(true);
    });
  });
});

describe('after the hand-off to a person', () => {
  // Recovery is awaited 60 min, then the hand-off waits for the resolution up to 7 days.
  it('nothing resolves it within 7 days: the execution ends HandedToHuman, the incident still open and owned', async () => {
    // No hourly updates: eight days of them would be 200 more rounds of the policy to play.
    const config = { ...P1_CONFIG, statusUpdateMinutes: { P1: null } };
    await fromMinute1({ config }, async (sandbox) => {
      const alarm = sandbox.deliver(alarmEvent(P1_ALARM, 'ALARM', 1));
      await sandbox.settle(new Date(START.getTime() + 8 * 24 * 3_600_000));
      expect(alarm.status).toBe('SUCCEEDED');
      expect(sandbox.execution(alarm.executionId)?.states.at(-1)?.name).toBe('HandedToHuman');
      const incident = await sandbox.incident(alarm.intake?.incidentId ?? '');
      expect(incident?.status).toBe('MONITORING');
      expect(incident?.timeline.some((e) => e.summary.startsWith('not recovered'))).toBe(true);
    });
  });

  it('AwaitResolution fails: a person is paged with the error', async () => {
    await fromMinute1(
      { config: P1_CONFIG, faults: { [STATES.awaitResolution]: 'throw' } },
      async (sandbox) => {
        const alarm = sandbox.deliver(alarmEvent(P1_ALARM, 'ALARM', 1));
        await sandbox.settle(minute(120));
        await expectFailedAt(sandbox, alarm, STATES.awaitResolution);
      },
    );
  });
});

describe('closing after the reopen window', () => {
  it('Close fails: the P3 stays RESOLVED and a person is paged with the error', async () => {
    await fromMinute1({ config: P1_CONFIG, faults: { [STATES.close]: 'throw' } }, async (sandbox) => {
      const alarm = sandbox.deliver(alarmEvent('checkout-cpu', 'ALARM', 1));
      await sandbox.settle(minute(5));
      sandbox.deliver(alarmEvent('checkout-cpu', 'OK', 5));
      await sandbox.settle(minute(60));
      expect(alarm.status).toBe('FAILED');
      const incident = await sandbox.incident(alarm.intake?.incidentId ?? '');
      expect(incident?.status).toBe('RESOLVED');
      expect(await errorsOf(sandbox, incident?.id)).toEqual([
        expect.stringMatching(new RegExp(`^${STATES.close} failed: InjectedFault`)),
      ]);
    });
  });
});

describe('a silenced service', () => {
  it('a silence extended while the incident waits: the workflow waits for the new end, then handles the alarm', async () => {
    await fromMinute1({ config: P1_CONFIG }, async (sandbox) => {
      await sandbox.silence('checkout', '30m', 'deploy window', 'alice');
      const alarm = sandbox.deliver(alarmEvent(P1_ALARM, 'ALARM', 1));
      await sandbox.settle(minute(10));
      await sandbox.clock.advanceTo(minute(10));
      await sandbox.silence('checkout', '60m', 'deploy runs late', 'alice');
      await sandbox.settle(minute(120));
      const states = sandbox.execution(alarm.executionId)?.states.map((s) => s.name) ?? [];
      expect(states).toContain('SilenceExtended');
      expect(states).toContain(STATES.announce);
      const pages = await sandbox.sns.allPages();
      const first = pages.find((p) => p.kind === 'INCIDENT');
      // Paged once the extended silence ended (minute 10 + 60), not at the first end (minute 31).
      expect(first?.at).toBe(minute(70).toISOString());
    });
  });

  it('EndSuppression fails: a person is paged with the error', async () => {
    await fromMinute1(
      { config: P1_CONFIG, faults: { [STATES.endSuppression]: 'throw' } },
      async (sandbox) => {
        await sandbox.silence('checkout', '30m', 'deploy window', 'alice');
        const alarm = sandbox.deliver(alarmEvent(P1_ALARM, 'ALARM', 1));
        await sandbox.settle(minute(60));
        await expectFailedAt(sandbox, alarm, STATES.endSuppression);
      },
    );
  });
});

describe('the child workflows', () => {
  it('the escalation policy fails: a person is paged with the error, and its execution fails for the operators alarm', async () => {
    await fromMinute1(
      { config: P1_CONFIG, faults: { [ESCALATION_STATES.fire]: 'throw' } },
      async (sandbox) => {
        const alarm = sandbox.deliver(alarmEvent(P1_ALARM, 'ALARM', 1));
        await sandbox.settle(minute(30));
        const [policy] = sandbox.childExecutions('escalation');
        expect(policy?.status).toBe('FAILED');
        expect(policy?.states.at(-1)?.name).toBe('Failed');
        expect(alarm.status).toBe('RUNNING');
        const pages = await sandbox.sns.allPages();
        expect(
          pages.some(
            (p) => p.kind === 'ESCALATION' && p.body.includes('Why escalating: EscalationPolicy failed'),
          ),
        ).toBe(true);
      },
    );
  });

  it('the post-mortem reminders fail: a person is paged with the error, and the execution fails', async () => {
    await fromMinute1(
      { config: P1_CONFIG, faults: { [POST_MORTEM_STATES.plan]: 'throw' } },
      async (sandbox) => {
        const alarm = sandbox.deliver(alarmEvent(P1_ALARM, 'ALARM', 1));
        await sandbox.settle(minute(5));
        sandbox.deliver(alarmEvent(P1_ALARM, 'OK', 5));
        await sandbox.settle(minute(30));
        const [reminders] = sandbox.childExecutions('postmortem');
        expect(reminders?.status).toBe('FAILED');
        expect(reminders?.states.at(-1)?.name).toBe('Failed');
        expect(alarm.status).toBe('SUCCEEDED');
        expect(await errorsOf(sandbox, alarm.intake?.incidentId)).toEqual([
          expect.stringMatching(/^PostMortemReminders failed: InjectedFault/),
        ]);
      },
    );
  });
});
