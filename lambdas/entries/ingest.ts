import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnWorkflowStarter } from '../adapters/workflow-starter';
import { ENV, requireEnv } from '../contract/env';
import { createIngestHandler } from '../handlers/ingest';

export const handler = createIngestHandler(
  new SfnWorkflowStarter(new SFNClient({}), requireEnv(ENV.lifecycleStateMachineArn)),
  new Logger({ serviceName: 'incident-response' }),
);
