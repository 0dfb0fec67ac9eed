import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkflowCallbacks } from '../../../lambdas/adapters/workflow-callbacks';
import { alarmIndex } from '../../../lambdas/contract/alarm-index';
import { parseConfig } from '../../../lambdas/contract/config';
import { IncidentService } from '../../../lambdas/services/incident-service';
import { type IntakeDeps, intakeEvent } from '../../../lambdas/services/intake';
import { exampleInput } from '../../support/fixtures';
import { useLocalDynamo } from '../../support/local-dynamo';

// Alarms that reach the intake without the EventBridge rule's filter (an SNS topic in
// intake.alarmTopicArns, a Lambda alarm action): the two noisy families are ignored here too.

const sample = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../events/${path}`, import.meta.url), 'utf8'));
/** A Lambda SNS event of one record, exactly as aws-lambda-go's fixture, but carrying the alarm `name`. */
const snsAlarm = (name: string) => {
  const event = sample('sns/lambda-sns-record-single-metric-aws-lambda-go.json');
  const message = JSON.parse(event.Records[0].Sns.Message);
  message.AlarmName = name;
  message.AlarmArn = `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`;
  event.Records[0].Sns.Message = JSON.stringify(message);
  return event;
};
/** The Lambda alarm-action payload from the powertools fixture, carrying the alarm `name`. */
const alarmAction = (name: string) => {
  const event = sample('lambda-action/lambda-action-metric-math-alarm-powertools.json');
  event.alarmData.alarmName = name;
  event.alarmArn = `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`;
  return event;
};

const TARGET_TRACKING = 'TargetTracking-service/prod/checkout-AlarmHigh-5e1b8c4f-2a3d-4c6e-9f0a-1b2c3d4e5f60';
const OPERATOR = 'IncidentResponse-operator-ExecutionsFailed';

const dynamo = useLocalDynamo({ perTest: true });
let incidents: IncidentService;
const callbacks: WorkflowCallbacks = { succeed: async () => {}, fail: async () => {} };

const depsFor = (routing: Record<string, unknown> = {}): IntakeDeps => {
  const config = parseConfig(
    { ...exampleInput(), routing: { default: { action: 'open', severity: 'P3' }, ...routing } },
    'test config',
  );
  return {
    incidents,
    callbacks,
    config,
    alarms: alarmIndex(config),
    openIncidents: (s) => dynamo.store.listOpen(s),
  };
};

beforeEach(() => {
  incidents = new IncidentService(
    dynamo.store,
    { dedupFields: ['service', 'alarm'], reopenWindowMinutes: 30, resolveOnOk: true },
    () => new Date('2026-11-23T10:00:00.000Z'),
  );
});

describe('intake of the alarm families ignored by default', () => {
  it('ignores a TargetTracking-* alarm that comes through SNS, with the reason, and records nothing', async () => {
    const record = vi.spyOn(incidents, 'recordAlarm');

    const out = await intakeEvent(snsAlarm(TARGET_TRACKING), depsFor());

    expect(out).toEqual({
      outcome: 'ignored',
      alarmName: TARGET_TRACKING,
      reason: `${TARGET_TRACKING} is an Application Auto Scaling target-tracking alarm (TargetTracking-*), ignored while routing.ignoreTargetTracking is true`,
    });
    expect(record).not.toHaveBeenCalled();
  });

  it("ignores the stack's own operator alarm that comes as a Lambda alarm action", async () => {
    const record = vi.spyOn(incidents, 'recordAlarm');

    const out = await intakeEvent(alarmAction(OPERATOR), depsFor());

    expect(out).toMatchObject({ outcome: 'ignored', alarmName: OPERATOR });
    expect(out.reason).toContain('routing.ignoreOperatorAlarms');
    expect(record).not.toHaveBeenCalled();
  });

  it('opens incidents for them when the config turns the ignoring off', async () => {
    const deps = depsFor({ ignoreTargetTracking: false, ignoreOperatorAlarms: false });

    expect(await intakeEvent(snsAlarm(TARGET_TRACKING), deps)).toMatchObject({
      outcome: 'opened',
      service: 'unmapped',
    });
    expect(await intakeEvent(alarmAction(OPERATOR), deps)).toMatchObject({ outcome: 'opened' });
  });

  it("still opens an incident for any other unmapped alarm, and for another stack's operator alarms", async () => {
    const deps = depsFor();

    expect(await intakeEvent(snsAlarm('EXAMPLE'), deps)).toMatchObject({ outcome: 'opened' });
    expect(await intakeEvent(alarmAction('OtherStack-operator-ExecutionsFailed'), deps)).toMatchObject({
      outcome: 'opened',
    });
  });
});
