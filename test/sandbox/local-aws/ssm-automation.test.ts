/**
 * The sandbox's SSM Automation answers the real @aws-sdk/client-ssm through the same JSON-protocol
 * middleware as its ECS: the adapter starts a runbook, follows it to its final status, and stops one.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsmAutomationAdapter } from '../../../lambdas/adapters/ssm-automation';
import { LocalAwsJson } from '../../../sandbox/local-aws/json-protocol';
import { automationOperations } from '../../../sandbox/local-aws/ssm-automation';
import { SimulatedAutomation } from '../../../sandbox/sim-automation';

let now = new Date('2026-11-23T10:00:00.000Z');
const automation = new SimulatedAutomation(() => now);
let local: LocalAwsJson;
let adapter: SsmAutomationAdapter;
let cleared = 0;

beforeAll(async () => {
  automation.define('Sandbox-ClearCache', { runSeconds: 60, effect: () => cleared++ });
  automation.define('Sandbox-Broken', {
    runSeconds: 30,
    finalStatus: 'Failed',
    failureMessage: 'cache node unreachable',
  });
  local = await LocalAwsJson.start([
    { name: 'SSM', target: 'AmazonSSM', endpointEnv: 'SSM', operations: automationOperations(automation) },
  ]);
  adapter = new SsmAutomationAdapter(
    new SSMClient({
      region: 'us-east-1',
      endpoint: local.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
  );
});
afterAll(() => local.stop());

const later = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};

describe('SsmAutomationAdapter against the sandbox', () => {
  it('starts a runbook with its parameters and AutomationAssumeRole, and follows it to Success', async () => {
    const id = await adapter.start({
      documentName: 'Sandbox-ClearCache',
      parameters: { CacheName: ['checkout-cache'] },
      roleArn: 'arn:aws:iam::123456789012:role/cache-runbook',
      idempotencyKey: 'INC-1 2026-11-23T10:00:00.000Z',
    });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(automation.executions.at(-1)?.parameters).toEqual({
      CacheName: ['checkout-cache'],
      AutomationAssumeRole: ['arn:aws:iam::123456789012:role/cache-runbook'],
    });
    expect(await adapter.status(id)).toEqual({ status: 'InProgress' });
    later(61);
    expect(await adapter.status(id)).toEqual({ status: 'Success' });
    expect(cleared).toBe(1);
  });

  it('reports a failed runbook with its FailureMessage', async () => {
    const id = await adapter.start({
      documentName: 'Sandbox-Broken',
      parameters: {},
      roleArn: 'arn:aws:iam::123456789012:role/cache-runbook',
      idempotencyKey: 'INC-2',
    });
    later(31);
    expect(await adapter.status(id)).toEqual({ status: 'Failed', failureMessage: 'cache node unreachable' });
  });

  it('stops a running one: Cancelling, then Cancelled; an unknown runbook or execution is AWS error by name', async () => {
    const id = await adapter.start({
      documentName: 'Sandbox-ClearCache',
      parameters: {},
      roleArn: 'arn:aws:iam::123456789012:role/cache-runbook',
      idempotencyKey: 'INC-3',
    });
    await adapter.stop(id);
    expect(await adapter.status(id)).toEqual({
      status: 'Cancelled',
      failureMessage: expect.any(String),
    });
    await expect(
      adapter.start({
        documentName: 'Nope',
        parameters: {},
        roleArn: 'arn:aws:iam::1:role/x',
        idempotencyKey: 'k',
      }),
    ).rejects.toMatchObject({ name: 'AutomationDefinitionNotFoundException' });
    await expect(adapter.status('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({
      name: 'AutomationExecutionNotFoundException',
    });
  });
});
