import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvokeLambdaAction } from '../../../lambdas/adapters/lambda-action';

const FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:warm-cache';
const lambda = mockClient(LambdaClient);
/** A payload as the SDK hands it back (a Uint8Array with the SDK's helpers, which the adapter does not use). */
const bytes = (value: unknown) =>
  new TextEncoder().encode(JSON.stringify(value)) as unknown as InvokeCommandOutput['Payload'];

const regions: string[] = [];
const sdk = async (region: string) => {
  regions.push(region);
  return { client: new LambdaClient({ region }), InvokeCommand };
};

beforeEach(() => {
  lambda.reset();
  regions.length = 0;
});

describe('InvokeLambdaAction', () => {
  it('invokes the function synchronously with the payload as JSON', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes({ warmed: 12 }) });

    const answer = await new InvokeLambdaAction(sdk).invoke(FUNCTION, { service: 'checkout' }, 5000);

    expect(answer).toEqual({ statusCode: 200 });
    expect(regions).toEqual(['eu-west-1']);
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: FUNCTION, InvocationType: 'RequestResponse' });
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({
      service: 'checkout',
    });
  });

  it("invokes a function of another region through a client of that region (Lambda's endpoints are regional)", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });

    await new InvokeLambdaAction(sdk).invoke(
      'arn:aws:lambda:ap-southeast-2:123456789012:function:warm-cache:live',
      {},
      5000,
    );

    expect(regions).toEqual(['ap-southeast-2']);
  });

  it('returns a function error with its message, as Lambda reports it (200 with FunctionError)', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: bytes({ errorType: 'Error', errorMessage: 'cache node unreachable', trace: [] }),
    });

    expect(await new InvokeLambdaAction(sdk).invoke(FUNCTION, {}, 5000)).toEqual({
      statusCode: 200,
      functionError: 'Unhandled',
      errorMessage: 'cache node unreachable',
    });
  });

  it('tries a throttled invocation again (Lambda ran nothing), twice at most, and nothing else', async () => {
    const throttle = Object.assign(new Error('Rate Exceeded.'), { name: 'TooManyRequestsException' });
    const pauses: number[] = [];
    const action = new InvokeLambdaAction(sdk, async (ms) => {
      pauses.push(ms);
    });

    lambda.on(InvokeCommand).rejectsOnce(throttle).resolves({ StatusCode: 200 });
    expect(await action.invoke(FUNCTION, {}, 5000)).toEqual({ statusCode: 200 });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
    expect(pauses).toEqual([1000]);

    lambda.reset();
    lambda.on(InvokeCommand).rejects(throttle);
    await expect(action.invoke(FUNCTION, {}, 5000)).rejects.toThrow('Rate Exceeded.');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(3);

    lambda.reset();
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('Service error'), { name: 'ServiceException' }));
    await expect(action.invoke(FUNCTION, {}, 5000)).rejects.toThrow('Service error');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
  });
});
