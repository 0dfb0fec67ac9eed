/**
 * The sandbox's Lambda Invoke answers the real @aws-sdk/client-lambda, through the automation's own
 * adapter, in Lambda's REST-JSON shapes: a result, a function error as Lambda reports it, and
 * Lambda's errors for an unknown function, a function of another region and a payload that is not
 * JSON.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvokeLambdaAction } from '../../../lambdas/adapters/lambda-action';
import { type LambdaEndpoint, startLambdaEndpoint } from '../../../sandbox/local-aws/lambda-invoke';
import { SimulatedFunctions } from '../../../sandbox/sim-functions';

const WARM = 'arn:aws:lambda:us-east-1:123456789012:function:warm-cache';
const functions = new SimulatedFunctions(() => new Date('2026-11-23T10:00:00.000Z'));
let endpoint: LambdaEndpoint;
const client = (region: string) =>
  new LambdaClient({
    region,
    endpoint: endpoint.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
const action = () => new InvokeLambdaAction(async (region) => ({ client: client(region), InvokeCommand }));

beforeAll(async () => {
  functions.define(WARM, (payload) => {
    const { cache } = payload as { cache?: string };
    if (cache === 'broken') throw new TypeError('cache node unreachable');
    return { warmed: 12 };
  });
  endpoint = await startLambdaEndpoint(functions, '123456789012');
});
afterAll(() => endpoint.stop());

describe('the sandbox Lambda Invoke', () => {
  it('runs the function with the payload, by qualified ARN, and records the call', async () => {
    const answer = await action().invoke(`${WARM}:live`, { cache: 'checkout-cache' }, 5000);

    expect(answer).toEqual({ statusCode: 200 });
    expect(functions.calls.at(-1)).toEqual({
      at: '2026-11-23T10:00:00.000Z',
      functionArn: WARM,
      qualifier: 'live',
      payload: { cache: 'checkout-cache' },
      outcome: 'ok',
    });
  });

  it("returns the function's result and the version that ran", async () => {
    const out = await client('us-east-1').send(
      new InvokeCommand({
        FunctionName: 'warm-cache',
        Qualifier: '7',
        Payload: Buffer.from('{"cache":"x"}'),
      }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('7');
    expect(JSON.parse(Buffer.from(out.Payload ?? []).toString())).toEqual({ warmed: 12 });
  });

  it('reports a thrown error as Lambda does: 200 with FunctionError Unhandled and the message', async () => {
    const answer = await action().invoke(WARM, { cache: 'broken' }, 5000);

    expect(answer).toEqual({
      statusCode: 200,
      functionError: 'Unhandled',
      errorMessage: 'cache node unreachable',
    });
    expect(functions.calls.at(-1)?.outcome).toBe('cache node unreachable');
  });

  it('refuses an unknown function, a function of another region than the client, and a mismatched qualifier', async () => {
    const calls = functions.calls.length;
    await expect(action().invoke(`${WARM}-nope`, {}, 5000)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Function not found: ${WARM}-nope`,
    });
    await expect(
      client('us-east-1').send(
        new InvokeCommand({ FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:warm-cache' }),
      ),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
    });
    await expect(
      client('us-east-1').send(new InvokeCommand({ FunctionName: `${WARM}:live`, Qualifier: '3' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    expect(functions.calls.length).toBe(calls);
  });

  it('refuses a payload that is not JSON, as InvalidRequestContentException', async () => {
    await expect(
      client('us-east-1').send(new InvokeCommand({ FunctionName: WARM, Payload: Buffer.from('not json') })),
    ).rejects.toMatchObject({ name: 'InvalidRequestContentException', $metadata: { httpStatusCode: 400 } });
  });
});
