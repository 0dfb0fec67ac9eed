import type { Logger } from '@aws-lambda-powertools/logger';
import { type IntakeDeps, intakeEvent } from '../services/intake';
import { withMiddleware } from './middleware';

/** First workflow step: records the alarm event (any shape) and tells the workflow what happened. */
export const createIntakeHandler = (deps: IntakeDeps, logger: Logger) =>
  withMiddleware(logger, async (event: unknown) => {
    const result = await intakeEvent(event, deps);
    // `service` is Powertools' own key (the function's service name): the incident's goes beside it.
    const { service, ...rest } = result as typeof result & { service?: string };
    logger.info('intake', { ...rest, ...(service ? { incidentService: service } : {}) });
    return result;
  });
