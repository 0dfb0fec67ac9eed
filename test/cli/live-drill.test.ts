import { readFileSync } from 'node:fs';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandOutput,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type LiveDrillInput, LiveDrillRefusedError, runLiveDrill } from '../../cli/live-drill';
import { main } from '../../cli/main';
import { acknowledge, type Incident, moveTo, openIncident, recordPage } from '../../lambdas/domain/incident';
import { useLocalDynamo } from '../support/local-dynamo';

// CloudWatch and Step Functions have no local implementation: mocked at the SDK boundary in the
// shapes AWS returns. The incident table is dynalite, filled by a fake "workflow" as the drill polls.
const cw = mockClient(CloudWatchClient);
const sfn = mockClient(SFNClient);
const cfn = mockClient(CloudFormationClient);
// A fresh table per test: the drill looks for the newest incident of its alarm.
const dynamo = useLocalDynamo({ perTest: true });

const ALARM = 'checkout-error-rate';
const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:IncidentResponse-lifecycle';
const REASON = 'Live drill (game day) by alice: incident drill --live';
const T0 = Date.parse('2026-11-23T10:00:00.000Z');

/** The AWS CLI docs' DescribeAlarms output, as our alarm. */
const describeAlarms = (state: string): DescribeAlarmsCommandOutput => {
  const sample = JSON.parse(
    readFileSync(
      new URL('../fixtures/aws/cloudwatch-describe-alarms-aws-cli-example.json', import.meta.url),
      'utf8',
    ),
  );
  const alarm = sample.MetricAlarms[0];
  return {
    $metadata: {},
    MetricAlarms: [
      {
        ...alarm,
        AlarmName: ALARM,
        AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${ALARM}`,
        StateValue: state,
        StateUpdatedTimestamp: new Date(alarm.StateUpdatedTimestamp),
        AlarmConfigurationUpdatedTimestamp: new Date(alarm.AlarmConfigurationUpdatedTimestamp),
      },
    ],
    CompositeAlarms: [],
  };
};

/** The AWS docs' EventBridge alarm event, for `alarmName`, as the execution's input string. */
const alarmEventInput = (alarmName: string, at: Date): string => {
  const event = JSON.parse(
    readFileSync(
      new URL('../events/eventbridge/metric-alarm-state-change-aws-docs.json', import.meta.url),
      'utf8',
    ),
  );
  event.time = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`];
  event.detail.alarmName = alarmName;
  event.detail.state = {
    reason: REASON,
    timestamp: at.toISOString().replace('Z', '+0000'),
    value: 'ALARM',
  };
  return JSON.stringify(event);
};

interface Step {
  readonly afterMs: number;
  readonly change: (incident: Incident | undefined, at: Date) => Incident;
}

/**
 * A fake clock whose sleep moves time on and plays the "workflow": the steps due by then are written
 * to the table, and executions appear in ListExecutions once the alarm was set.
 */
const harness = (steps: Step[] = [], options: { executionFor?: string } = {}) => {
  let now = T0;
  let alarmSetAt: number | undefined;
  const lines: string[] = [];
  const sleeps: number[] = [];
  let incident: Incident | undefined;
  const pending = [...steps];
  const executions: (ExecutionListItem & { input: string })[] = [
    {
      executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:yesterday`,
      stateMachineArn: STATE_MACHINE,
      name: 'yesterday',
      status: 'SUCCEEDED',
      startDate: new Date(T0 - 86_400_000),
      stopDate: new Date(T0 - 86_000_000),
      input: alarmEventInput(ALARM, new Date(T0 - 86_400_000)),
    },
  ];

  cw.on(DescribeAlarmsCommand).resolves(describeAlarms('OK'));
  cw.on(SetAlarmStateCommand).callsFake((input: { StateValue: string }) => {
    if (input.StateValue === 'ALARM') {
      alarmSetAt = now;
      const started = new Date(now + 1_000);
      // Another alarm's execution starts at the same time: the drill must not take it for its own.
      executions.unshift(
        {
          executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:other`,
          stateMachineArn: STATE_MACHINE,
          name: 'other',
          status: 'RUNNING',
          startDate: new Date(now + 1_500),
          input: alarmEventInput('payments-api-5xx-rate', started),
        },
        {
          executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:drill`,
          stateMachineArn: STATE_MACHINE,
          name: 'drill',
          status: 'RUNNING',
          startDate: started,
          input: alarmEventInput(options.executionFor ?? ALARM, started),
        },
      );
    }
    return {};
  });
  sfn.on(ListExecutionsCommand).callsFake(() => ({
    executions: executions
      .filter((e) => (e.startDate?.getTime() ?? 0) <= now)
      .sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0))
      .map(({ input: _input, ...item }) => item),
  }));
  sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
    const found = executions.find((e) => e.executionArn === input.executionArn);
    if (!found) throw new Error(`ExecutionDoesNotExist: ${input.executionArn}`);
    const { input: executionInput, ...item } = found;
    return { ...item, input: executionInput, inputDetails: { included: true } };
  });

  const playDue = async () => {
    while (alarmSetAt !== undefined && pending[0] && alarmSetAt + pending[0].afterMs <= now) {
      const step = pending.shift() as Step;
      const next = step.change(incident, new Date(alarmSetAt + step.afterMs));
      if (incident) {
        incident = await dynamo.store.saveIncident(next);
      } else if (await dynamo.store.putNewIncident(next)) {
        incident = { ...next, version: 1 };
      }
      if (!incident) throw new Error('the fake workflow lost a write');
    }
  };

  return {
    lines,
    sleeps,
    /** One more workflow step, `afterMs` after the alarm was set. */
    schedule: (step: Step) => pending.push(step),
    get now() {
      return new Date(now);
    },
    deps: {
      cloudwatch: new CloudWatchClient({}),
      sfn: new SFNClient({}),
      store: dynamo.store,
      stateMachineArn: STATE_MACHINE,
      clock: () => new Date(now),
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
        await playDue();
      },
      out: (line: string) => void lines.push(line),
      watchedAlarms: [ALARM, 'payments-api-5xx-rate'],
    },
  };
};

let sequence = 0;
/** The incident the real workflow would open for the drill's alarm, then page, ack and resolve. */
const workflowSteps = (resolve: 'at-6m' | 'never'): Step[] => {
  const id = `INC-20261123-${String(900 + ++sequence)}`;
  const workflow = { type: 'automation', name: 'workflow' } as const;
  const steps: Step[] = [
    {
      afterMs: 3_000,
      change: (_, at) =>
        openIncident({
          id,
          dedupKey: `checkout#${ALARM}#${sequence}`,
          signal: {
            alarmName: ALARM,
            state: 'ALARM',
            at: at.toISOString(),
            service: 'checkout',
            reason: REASON,
          },
          severity: 'P2',
          severityReason: 'configured P2',
          title: 'checkout error rate high',
          now: at,
        }),
    },
    {
      afterMs: 7_000,
      change: (i, at) =>
        recordPage(
          i as Incident,
          {
            tier: 'on-call',
            kind: 'INCIDENT',
            subject: `[P2] ${id} checkout error rate high`,
            messageId: 'm-1',
          },
          workflow,
          at,
        ),
    },
    {
      afterMs: 125_000,
      change: (i, at) => acknowledge(i as Incident, { type: 'human', name: 'bob' }, at),
    },
  ];
  if (resolve === 'at-6m') {
    steps.push({
      afterMs: 360_000,
      change: (i, at) =>
        moveTo(i as Incident, 'RESOLVED', { type: 'alarm', name: ALARM }, at, 'alarm returned to OK'),
    });
  }
  return steps;
};

const input = (overrides: Partial<LiveDrillInput> = {}): LiveDrillInput => ({
  alarmName: ALARM,
  confirm: ALARM,
  by: 'alice',
  timeoutMs: 15 * 60_000,
  pollMs: 5_000,
  ...overrides,
});

beforeEach(() => {
  cw.reset();
  sfn.reset();
  cfn.reset();
});
afterAll(() => {
  cw.restore();
  sfn.restore();
  cfn.restore();
});

const awsCalls = () => cw.calls().length + sfn.calls().length + cfn.calls().length;

describe('runLiveDrill refuses to page real people unless told twice', () => {
  it.each([
    [
      'without --confirm',
      undefined,
      /refused: a live drill sets the real alarm "checkout-error-rate" to ALARM/,
    ],
    ['with another name', 'checkout', /--confirm "checkout" does not match --alarm "checkout-error-rate"/],
  ])('%s: throws, and nothing is called on AWS', async (_, confirm, message) => {
    const h = harness();
    const drill = runLiveDrill(h.deps, input({ confirm }));
    await expect(drill).rejects.toThrow(LiveDrillRefusedError);
    await expect(drill).rejects.toThrow(message);
    await expect(drill).rejects.toThrow(/pages the real people on call.*--confirm checkout-error-rate/);
    expect(awsCalls()).toBe(0);
  });

  it('through the CLI: exit 2 with the reason, before even reading the stack', async () => {
    let err = '';
    const code = await main(['drill', '--live', '--alarm', ALARM, '--stack', 'IncidentResponse'], {
      out: () => undefined,
      err: (t) => (err += t),
    });
    expect(code).toBe(2);
    expect(err).toMatch(/refused: .*pages the real people on call.*--confirm checkout-error-rate/);
    expect(awsCalls()).toBe(0);
  });
});

describe('runLiveDrill follows the real alarm, workflow and incident', () => {
  it('sets the alarm to ALARM with the reason, finds its execution, prints the timeline in order, stops on RESOLVED', async () => {
    const h = harness(workflowSteps('at-6m'));
    const result = await runLiveDrill(h.deps, input());

    expect(cw.commandCalls(SetAlarmStateCommand).map((c) => c.args[0].input)).toEqual([
      { AlarmName: ALARM, StateValue: 'ALARM', StateReason: REASON },
    ]);
    expect(cw.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input.AlarmNames).toEqual([ALARM]);
    expect(sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input.stateMachineArn).toBe(STATE_MACHINE);
    expect(result).toEqual({
      incidentId: expect.stringMatching(/^INC-20261123-9\d\d$/),
      executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:drill`,
      finalStatus: 'RESOLVED',
      timedOut: false,
    });
    // Stopped at the first poll after resolution (6 min), not at the 15 min timeout.
    expect(h.now.getTime() - T0).toBe(360_000);

    const text = h.lines.join('\n');
    expect(text).toContain('Live drill on checkout-error-rate (now OK), by alice.');
    expect(text).not.toContain('not one of the alarms the config watches');
    expect(text).toContain('workflow execution drill started');
    const order = [
      /\+00:03 10:00:03 {2}detected +alarm:checkout-error-rate +checkout-error-rate went to ALARM/,
      /\+00:03 10:00:03 {2}severity +automation:severity-classifier +severity P2/,
      /\+00:07 10:00:07 {2}page +automation:workflow +paged on-call: \[P2\]/,
      /\+02:05 10:02:05 {2}acknowledged +human:bob +acknowledged by bob/,
      /\+02:05 10:02:05 {2}status +human:bob +DETECTED -> ACKNOWLEDGED/,
      /\+06:00 10:06:00 {2}status +alarm:checkout-error-rate +ACKNOWLEDGED -> RESOLVED/,
    ];
    const positions = order.map((re) => h.lines.findIndex((l) => re.test(l)));
    expect(
      positions.every((p) => p >= 0),
      h.lines.join('\n'),
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Each entry once, though the drill polled many times.
    expect(h.lines.filter((l) => / acknowledged +human:bob/.test(l))).toHaveLength(1);
    expect(text).toMatch(/Live drill on checkout-error-rate: incident INC-\S+ RESOLVED/);
    expect(text).toContain('pages sent 1 (on-call)');
    expect(text).toContain('time to first page 7s');
    expect(text).toContain('CloudWatch moves it back on its own');
  });

  it('--resolve-after sets the alarm back to OK after that long; the workflow then resolves', async () => {
    const h = harness(workflowSteps('never'));
    // The "workflow" resolves on the OK the drill sends, 20 s later.
    cw.on(SetAlarmStateCommand, { StateValue: 'OK' }).callsFake(() => {
      h.schedule({
        afterMs: h.now.getTime() - T0 + 20_000,
        change: (i, at) =>
          moveTo(i as Incident, 'RESOLVED', { type: 'alarm', name: ALARM }, at, 'alarm returned to OK'),
      });
      return {};
    });
    const result = await runLiveDrill(h.deps, input({ resolveAfterMs: 5 * 60_000 }));
    const states = cw.commandCalls(SetAlarmStateCommand).map((c) => c.args[0].input);
    expect(states.map((s) => s.StateValue)).toEqual(['ALARM', 'OK']);
    expect(states[1]?.StateReason).toBe(`${REASON} (--resolve-after 5m)`);
    expect(result).toMatchObject({ finalStatus: 'RESOLVED', timedOut: false });
    expect(h.lines.join('\n')).toContain(
      '10:05:00 UTC  set checkout-error-rate back to OK (--resolve-after)',
    );
    expect(h.lines.join('\n')).toContain('CloudWatch re-evaluates it at its next period');
  });

  it('times out cleanly, saying what it did not see, when no execution starts', async () => {
    const h = harness([], { executionFor: 'some-other-alarm' });
    const result = await runLiveDrill(h.deps, input({ timeoutMs: 60_000, pollMs: 10_000 }));
    expect(result).toEqual({ timedOut: true });
    expect(h.now.getTime() - T0).toBe(60_000);
    expect(h.sleeps.reduce((a, b) => a + b, 0)).toBe(60_000);
    const text = h.lines.join('\n');
    expect(text).toContain(
      `Timed out after 1m: no workflow execution for ${ALARM} started on ${STATE_MACHINE}; check the stack's EventBridge rule`,
    );
    expect(text).toContain('Live drill on checkout-error-rate: no incident');
    expect(text).toContain('time to first page -');
    // Every execution was described once, not at every poll.
    const described = sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input.executionArn);
    expect(new Set(described).size).toBe(described.length);
  });

  it('times out with the incident still open and says how to resolve it', async () => {
    const h = harness(workflowSteps('never'));
    const result = await runLiveDrill(h.deps, input({ timeoutMs: 3 * 60_000 }));
    expect(result).toMatchObject({ finalStatus: 'ACKNOWLEDGED', timedOut: true });
    expect(h.lines.join('\n')).toMatch(
      /Timed out after 3m: incident INC-\S+ is still ACKNOWLEDGED; .*incident resolve INC-\S+ --by NAME --stack STACK/,
    );
  });

  it('an alarm that does not exist is named; nothing is set', async () => {
    const h = harness();
    cw.on(DescribeAlarmsCommand).resolves({ $metadata: {}, MetricAlarms: [], CompositeAlarms: [] });
    await expect(runLiveDrill(h.deps, input({ alarmName: 'nope', confirm: 'nope' }))).rejects.toThrow(
      /no alarm named "nope" in this account and region: check --alarm and --region/,
    );
    expect(cw.commandCalls(SetAlarmStateCommand)).toHaveLength(0);
  });

  it('an alarm already in ALARM is refused: setting it again would start nothing', async () => {
    const h = harness();
    cw.on(DescribeAlarmsCommand).resolves(describeAlarms('ALARM'));
    await expect(runLiveDrill(h.deps, input())).rejects.toThrow(/already in ALARM/);
    expect(cw.commandCalls(SetAlarmStateCommand)).toHaveLength(0);
  });

  it('an alarm the config does not watch is drilled, with a note', async () => {
    const h = harness(workflowSteps('at-6m'));
    await runLiveDrill({ ...h.deps, watchedAlarms: ['payments-api-5xx-rate'] }, input());
    expect(h.lines.join('\n')).toContain(
      'Note: checkout-error-rate is not one of the alarms the config watches',
    );
  });
});
