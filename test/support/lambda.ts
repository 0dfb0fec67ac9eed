import type { Context } from 'aws-lambda';

/**
 * The context Lambda hands the function `functionName` ($LATEST, 256 MB, 10 s left), for a handler
 * test that invokes the handler directly.
 */
export const fakeLambdaContext = (functionName: string): Context =>
  ({
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/23/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 10_000,
  }) as unknown as Context;
