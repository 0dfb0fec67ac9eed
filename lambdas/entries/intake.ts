import { SFNClient } from '@aws-sdk/client-sfn';
import { AlarmTags } from '../adapters/alarm-tags';
import { SfnCallbacks } from '../adapters/workflow-callbacks';
import { routingReadsTags } from '../domain/routing';
import { createIntakeHandler } from '../handlers/intake';
import { composed, logger, metrics } from './runtime';

const deps = composed();
// Only a config whose routing reads tags reads them (and has the IAM to); the CloudWatch client is
// loaded on the first read, not at every cold start.
const tags = routingReadsTags(deps.config)
  ? new AlarmTags(
      async () => new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient({}),
      deps.config.routing.tagCacheMinutes * 60_000,
    )
  : undefined;

export const handler = createIntakeHandler(
  deps.intake({
    callbacks: new SfnCallbacks(new SFNClient({})),
    metrics: metrics(),
    ...(tags ? { alarmTags: (arn: string | undefined) => tags.lookup(arn) } : {}),
  }),
  logger,
);
