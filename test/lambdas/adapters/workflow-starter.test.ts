import {
  ExecutionAlreadyExists,
  ExecutionLimitExceeded,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SfnWorkflowStarter } from '../../../lambdas/adapters/workflow-starter';

// Step Functions mocked at the SDK boundary, answering and refusing in the shapes the SDK gives.

const sfn = mockClient(SFNClient);
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:IncidentResponse-postmortem';
const executionArn = (name: string) =>
  `arn:aws:states:us-east-1:123456789012:execution:IncidentResponse-postmortem:${name}`;
const starter = () => new SfnWorkflowStarter(new SFNClient({ region: 'us-east-1' }), MACHINE);

const alreadyExists = (name: string) =>
  new ExecutionAlreadyExists({
    message: `Execution Already Exists: '${executionArn(name)}'`,
    $metadata: { httpStatusCode: 400 },
  });

beforeEach(() => {
  sfn.reset();
});

describe('SfnWorkflowStarter', () => {
  it('starts the state machine with the input as JSON and the name given', async () => {
    const name = 'INC-20261123-001-postmortem-0';
    sfn.on(StartExecutionCommand).resolves({ executionArn: executionArn(name), startDate: new Date() });

    const id = await starter().start({ incidentId: 'INC-20261123-001', epoch: 0 }, name);

    expect(id).toBe(executionArn(name));
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      stateMachineArn: MACHINE,
      input: '{"incidentId":"INC-20261123-001","epoch":0}',
      name,
    });
  });

  it('without a name, lets Step Functions name the execution', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: executionArn('a1b2c3'), startDate: new Date() });

    expect(await starter().start({ incidentId: 'INC-20261123-002', epoch: 0 })).toBe(executionArn('a1b2c3'));
    const input = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(input).not.toHaveProperty('name');
  });

  it('a named execution that already exists was started once: its ARN is returned', async () => {
    const name = 'INC-20261123-003-postmortem-1';
    sfn.on(StartExecutionCommand).rejects(alreadyExists(name));

    expect(await starter().start({ incidentId: 'INC-20261123-003', epoch: 1 }, name)).toBe(
      executionArn(name),
    );
  });

  it('without a name, ExecutionAlreadyExists is an error', async () => {
    sfn.on(StartExecutionCommand).rejects(alreadyExists('whatever'));

    await expect(starter().start({ incidentId: 'INC-20261123-004', epoch: 0 })).rejects.toBeInstanceOf(
      ExecutionAlreadyExists,
    );
  });

  it('any other refusal is an error, named or not', async () => {
    sfn.on(StartExecutionCommand).rejects(
      new ExecutionLimitExceeded({
        message: 'The maximum number of running executions has been reached.',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    await expect(
      starter().start({ incidentId: 'INC-20261123-005', epoch: 0 }, 'INC-20261123-005-postmortem-0'),
    ).rejects.toMatchObject({ name: 'ExecutionLimitExceeded' });
    await expect(starter().start({ incidentId: 'INC-20261123-005', epoch: 0 })).rejects.toMatchObject({
      name: 'ExecutionLimitExceeded',
    });
  });
});
