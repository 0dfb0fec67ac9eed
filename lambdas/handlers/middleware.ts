/**
 * The middleware every handler uses, in one place: Powertools structured logging with the Lambda
 * context, and one log line per failure with the error name Step Functions will match on.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';

export type StepFunction<I, O> = (input: I) => Promise<O>;

export const withMiddleware = <O>(
  logger: Logger,
  fn: StepFunction<unknown, O>,
): MiddyfiedHandler<unknown, O, Error, Context> =>
  middy<unknown, O, Error, Context>()
    .use(injectLambdaContext(logger))
    .use({
      onError: async (request) => {
        const error = request.error;
        logger.error('step failed', { errorName: error?.name, errorMessage: error?.message });
      },
    })
    .handler((event) => fn(event));
