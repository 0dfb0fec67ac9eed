import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { S3ReportStore } from '../adapters/report-store';
import { SfnWorkflowStarter } from '../adapters/workflow-starter';
import { ENV, requireEnv, requireIntEnv } from '../contract/env';
import { createLifecycleHandler } from '../handlers/lifecycle';
import { pagingPorts, signingSecret } from './paging-ports';
import { composed, logger, metrics } from './runtime';
import { statusPagePortsFromEnv } from './status-page-ports';
import { ticketPortsFromEnv } from './ticket-ports';
import { webhookPortsFromEnv } from './webhook-ports';

const sfn = new SFNClient({});
const deps = composed();

/** The workflow's steps: pages with one-click links, reports, reminders, metrics, tickets and webhook events. */
export const handler = createLifecycleHandler(
  deps.lifecycle({
    ...pagingPorts(sfn),
    ...ticketPortsFromEnv(deps.config),
    ...webhookPortsFromEnv(deps.config),
    ...statusPagePortsFromEnv(deps.config),
    postMortems: new SfnWorkflowStarter(sfn, requireEnv(ENV.postMortemStateMachineArn)),
    reports: new S3ReportStore(new S3Client({}), requireEnv(ENV.reportBucket), requireEnv('AWS_REGION')),
    metrics: metrics(),
    links: {
      baseUrl: requireEnv(ENV.responderBaseUrl),
      ttlMinutes: requireIntEnv(ENV.linkTtlMinutes, { min: 1 }),
      secret: signingSecret(),
    },
  }),
  logger,
);
