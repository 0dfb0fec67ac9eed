import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnCallbacks } from '../adapters/workflow-callbacks';
import { createIntakeHandler } from '../handlers/intake';
import { composed, logger, metrics } from './runtime';

export const handler = createIntakeHandler(
  composed().intake({ callbacks: new SfnCallbacks(new SFNClient({})), metrics: metrics() }),
  logger,
);
