/**
 * The deployed functions' ports, built once per Lambda container: env read at module load (the
 * getters throw on a missing or malformed variable), SDK clients created once, and the deployment
 * config `cdk synth` validated and wrote beside the bundle (checked against its digest, not
 * re-validated). How the services are put together from these is lambdas/wiring/compose.ts.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { EmfIncidentMetrics } from '../adapters/incident-metrics';
import { createDocumentClient, IncidentStore } from '../adapters/incident-store';
import { SnsPager } from '../adapters/pager';
import { S3ReportStore } from '../adapters/report-store';
import { SecretsAdapter } from '../adapters/secrets';
import { SfnCallbacks } from '../adapters/workflow-callbacks';
import { SfnWorkflowStarter } from '../adapters/workflow-starter';
import { readBundledConfig } from '../contract/bundled-config';
import { ENV, requireEnv, requireIntEnv, requireStringMapEnv } from '../contract/env';
import { type AutomationPorts, type Composed, composeDeps } from '../wiring/compose';

export const logger = new Logger({ serviceName: 'incident-response' });

/** The services over the real table, with the config bundled beside this file. */
export const composed = (): Composed =>
  composeDeps(
    {
      store: new IncidentStore(createDocumentClient(), requireEnv(ENV.tableName)),
      clock: () => new Date(),
    },
    readBundledConfig(dirname(fileURLToPath(import.meta.url))),
  );

/** The product's own metrics, in embedded metric format on stdout (CloudWatch Logs turns them into metrics). */
const metrics = () => new EmfIncidentMetrics({ namespace: requireEnv(ENV.metricsNamespace) });

const signingSecret = () => {
  const secrets = new SecretsAdapter(new SecretsManagerClient({}), requireEnv(ENV.signingSecretArn));
  return () => secrets.signingSecret();
};

export const intakeDeps = () =>
  composed().intake({ callbacks: new SfnCallbacks(new SFNClient({})), metrics: metrics() });

export const automationDeps = (
  clients: Omit<AutomationPorts, 'killSwitch'> & {
    readonly killSwitch: (parameterName: string) => AutomationPorts['killSwitch'];
  },
) => {
  const deps = composed();
  return deps.automation({
    ...clients,
    killSwitch: clients.killSwitch(deps.config.automation.killSwitchParameterName),
  });
};

/** Paging ports shared by the lifecycle and responder functions. */
const pagingPorts = (sfn: SFNClient) => ({
  pager: new SnsPager(new SNSClient({}), requireStringMapEnv(ENV.tierTopicArns)),
  callbacks: new SfnCallbacks(sfn),
  escalations: new SfnWorkflowStarter(sfn, requireEnv(ENV.escalationStateMachineArn)),
});

/** The workflow's steps: pages with one-click links, reports, reminders and metrics. */
export const lifecycleDeps = () => {
  const sfn = new SFNClient({});
  return composed().lifecycle({
    ...pagingPorts(sfn),
    postMortems: new SfnWorkflowStarter(sfn, requireEnv(ENV.postMortemStateMachineArn)),
    reports: new S3ReportStore(new S3Client({}), requireEnv(ENV.reportBucket), requireEnv('AWS_REGION')),
    metrics: metrics(),
    links: {
      baseUrl: requireEnv(ENV.responderBaseUrl),
      ttlMinutes: requireIntEnv(ENV.linkTtlMinutes, { min: 1 }),
      secret: signingSecret(),
    },
  });
};

/**
 * The responder endpoint only sends pages: without one-click links (its own URL cannot be in its
 * own environment, a dependency cycle; it names the CLI instead), reports, reminders or metrics.
 */
export const responderEndpointDeps = () => {
  const deps = composed();
  const lifecycle = deps.lifecycle({ ...pagingPorts(new SFNClient({})), checksSuppression: false });
  return deps.responderEndpoint(lifecycle, signingSecret());
};
