import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { EcsAdapter } from '../adapters/ecs';
import { createDocumentClient } from '../adapters/incident-store';
import { KillSwitch } from '../adapters/kill-switch';
import { LogsInsightsAdapter } from '../adapters/logs-insights';
import { MetricsAdapter } from '../adapters/metrics';
import { createAutomationHandler } from '../handlers/automation';
import { customActionPorts } from './action-ports';
import { composed, logger } from './runtime';

const deps = composed();
const ssm = new SSMClient({});

export const handler = createAutomationHandler(
  deps.automation({
    ecs: new EcsAdapter(new ECSClient({})),
    metrics: new MetricsAdapter(new CloudWatchClient({})),
    logs: new LogsInsightsAdapter(
      new CloudWatchLogsClient({}),
      (ms) => new Promise((r) => setTimeout(r, ms)),
    ),
    killSwitch: new KillSwitch(ssm, deps.config.automation.killSwitchParameterName),
    ...customActionPorts(deps.config, createDocumentClient(), ssm),
  }),
  logger,
);
