import type { Logger } from '@aws-lambda-powertools/logger';
import type { WorkflowStarter } from '../adapters/workflow-starter';
import { withMiddleware } from './middleware';

interface SnsBatch {
  readonly Records: readonly unknown[];
}

const isSnsBatch = (event: unknown): event is SnsBatch =>
  typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records);

/**
 * The door for the two shapes that do not come through EventBridge: an SNS alarm notification (a
 * topic the team already routes alarms to) and the Lambda alarm action. Each alarm change starts its
 * own execution with the event as it came; the workflow's intake validates it, so a malformed event
 * is rejected there with its reason, on the record, instead of being dropped here.
 */
export const createIngestHandler = (starter: WorkflowStarter, logger: Logger) =>
  withMiddleware(logger, async (event: unknown) => {
    const inputs = isSnsBatch(event) ? event.Records.map((record) => ({ Records: [record] })) : [event];
    const executions = await Promise.all(inputs.map((input) => starter.start(input)));
    logger.info('started', { executions });
    return { executions };
  });
