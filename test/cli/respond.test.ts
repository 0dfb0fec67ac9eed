import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendEntries } from '../../lambdas/domain/incident';
import { IncidentService } from '../../lambdas/services/incident-service';
import { deployedStack, runCli } from '../support/cli';
import { useLocalDynamo } from '../support/local-dynamo';

// "A deployed stack": the table is dynalite; CloudFormation, SNS and Step Functions have no local
// implementation, so they are mocked at the SDK boundary in the shapes AWS returns.
const cfn = mockClient(CloudFormationClient);
const sns = mockClient(SNSClient);
const sfn = mockClient(SFNClient);
const dynamo = useLocalDynamo({ endpointEnv: true });

const TOPICS = {
  'on-call': 'arn:aws:sns:us-east-1:123456789012:IncidentResponse-TieroncallA1B2',
  'devops-lead': 'arn:aws:sns:us-east-1:123456789012:IncidentResponse-TierdevopsleadC3D4',
  'engineering-manager': 'arn:aws:sns:us-east-1:123456789012:IncidentResponse-TierengineeringmanagerE5F6',
  cto: 'arn:aws:sns:us-east-1:123456789012:IncidentResponse-TierctoG7H8',
};

const PERSON_PREFIX = 'arn:aws:sns:us-east-1:123456789012:IncidentResponse-person-';

afterAll(() => {
  cfn.restore();
  sns.restore();
  sfn.restore();
});
beforeEach(() => {
  cfn.reset();
  sns.reset();
  sfn.reset();
  cfn.on(DescribeStacksCommand).resolves(
    deployedStack({
      IncidentTableName: dynamo.tableName,
      StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:IncidentResponse-lifecycle',
      EscalationStateMachineArn:
        'arn:aws:states:us-east-1:123456789012:stateMachine:IncidentResponse-escalation',
      TierTopicArns: JSON.stringify(TOPICS),
      PersonTopicArnPrefix: PERSON_PREFIX,
    }),
  );
  sns.on(PublishCommand).resolves({ MessageId: '5b9a2f2e-0000-4000-8000-000000000001' });
  sfn.on(SendTaskSuccessCommand).resolves({});
});

let alarmCount = 0;
/** An open P2 on checkout, paged to on-call, whose workflow waits for recovery. */
const openIncident = async () => {
  const incidents = new IncidentService(
    dynamo.store,
    { dedupFields: ['service', 'alarm'], reopenWindowMinutes: 30, resolveOnOk: true },
    () => new Date(),
  );
  const { incidentId } = await incidents.recordAlarm({
    signal: {
      alarmName: `checkout-error-rate-${++alarmCount}`,
      state: 'ALARM',
      at: new Date().toISOString(),
      service: 'checkout',
    },
    severity: 'P2',
    severityReason: 'configured P2',
    title: 'checkout error rate high',
  });
  const id = incidentId ?? '';
  await incidents.update(id, (i, at) =>
    appendEntries({ ...i, pagedTiers: ['on-call'], recoveryToken: `recovery-${id}` }, at, {
      kind: 'page',
      actor: { type: 'automation', name: 'workflow' },
      summary: 'paged on-call: INCIDENT',
    }),
  );
  return id;
};

const published = () =>
  sns
    .commandCalls(PublishCommand)
    .map((c) => [c.args[0].input.TopicArn, c.args[0].input.MessageAttributes?.kind?.StringValue]);

describe('incident ack | escalate | resolve on a deployed stack (--stack), through the links code path', () => {
  it('ack takes ownership and everyone paged hears it: on-call, as the person on call now', async () => {
    // Thu 2026-12-03 10:00 in New York: alice-ng holds the primary layer of the example's app schedule.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-03T15:00:00Z') });
    const id = await openIncident();
    const result = await runCli('ack', id, '--by', 'alice', '--stack', 'IncidentResponse').finally(() =>
      vi.useRealTimers(),
    );
    expect(result).toMatchObject({
      code: 0,
      out: `${id}: acknowledged by alice (ACKNOWLEDGED); told on-call\n`,
    });
    expect(published()).toEqual([[`${PERSON_PREFIX}alice-ng`, 'ACKNOWLEDGED']]);
    expect((await dynamo.store.getIncident(id))?.acknowledgedBy).toBe('alice');
    expect(cfn.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({
      StackName: 'IncidentResponse',
    });
  });

  it('escalate pages the next tier of the policy now', async () => {
    const id = await openIncident();
    const result = await runCli(
      'escalate',
      id,
      '--by',
      'alice',
      '--note',
      'need the DB owner',
      '--stack',
      'IncidentResponse',
    );
    expect(result.code).toBe(0);
    expect(result.out).toBe(`${id}: escalated by alice; paged devops-lead\n`);
    expect(published()).toEqual([[TOPICS['devops-lead'], 'ESCALATION']]);
    const page = sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '';
    expect(page).toContain('escalated by alice: need the DB owner');
  });

  it('resolve resolves and resumes the workflow waiting for recovery', async () => {
    const id = await openIncident();
    const result = await runCli('resolve', id, '--by', 'alice', '--stack', 'IncidentResponse');
    expect(result).toMatchObject({ code: 0, out: `${id}: resolved by alice (RESOLVED)\n` });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: `recovery-${id}`,
      output: JSON.stringify({ recovered: true, by: 'alice' }),
    });
    const again = await runCli('ack', id, '--by', 'bob', '--stack', 'IncidentResponse');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/only an open incident can be acknowledged/);
  });

  it('a stack without the outputs this version needs is named, not guessed', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Old', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [] }],
    });
    const result = await runCli('ack', 'INC-20261123-001', '--by', 'alice', '--stack', 'Old');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /stack Old has no output IncidentTableName, StateMachineArn, EscalationStateMachineArn, TierTopicArns, PersonTopicArnPrefix/,
    );
  });

  it.each([
    [['ack', 'INC-20261123-001', '--by', 'alice'], /ack acts on a deployed stack: give --stack NAME/],
    [['resolve', 'INC-20261123-001'], /resolve needs --by NAME/],
    [['escalate'], /escalate needs an incident ID/],
  ])('%j is a usage error', async (argv, message) => {
    const result = await runCli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});

describe('incident declare', () => {
  it.each([
    [
      ['declare', '--service', 'checkout', '--severity', 'P9', '--title', 't', '--by', 'a'],
      /--severity must be one of P1, P2, P3, P4/,
    ],
    [
      ['declare', '--service', 'nope', '--severity', 'P2', '--title', 't', '--by', 'a'],
      /--service "nope" is not a watched service/,
    ],
    [['declare', '--service', 'checkout'], /declare needs --severity P1..P4, --title T, --by NAME/],
  ])('%j is a usage error', async (argv, message) => {
    const result = await runCli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});
