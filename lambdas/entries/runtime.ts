/**
 * What deployed handlers are wired with, built once per Lambda container: env read at module load
 * (requireEnv throws on a missing variable), SDK clients created once, and the deployment config the
 * build bundled into the code, validated again here at the edge.
 */

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { alarmIndex, parseConfig } from '../../lib/config/load';
import { EmfIncidentMetrics } from '../adapters/incident-metrics';
import { createDocumentClient, IncidentStore } from '../adapters/incident-store';
import { SnsPager } from '../adapters/pager';
import { S3ReportStore } from '../adapters/report-store';
import { SecretsAdapter } from '../adapters/secrets';
import { SfnCallbacks } from '../adapters/workflow-callbacks';
import { SfnWorkflowStarter } from '../adapters/workflow-starter';
import type { DeploymentConfig } from '../contract/config-schema';
import { requireEnv } from '../contract/env';
import type { AutomationDeps } from '../services/automation';
import { IncidentService } from '../services/incident-service';
import type { IntakeDeps } from '../services/intake';
import type { LifecycleDeps } from '../services/lifecycle';
import { type SilenceDeps, suppressionFor } from '../services/silences';

/**
 * The deployment config `cdk synth` validated and wrote beside this bundle (config.json in the
 * asset), read once per container and validated again here at the edge.
 */
const bundledConfig = (): DeploymentConfig => {
  const file = new URL('./config.json', import.meta.url);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`the bundled deployment config ${fileURLToPath(file)} cannot be read`, { cause: error });
  }
  return parseConfig(raw, 'bundled deployment config');
};

export const logger = new Logger({ serviceName: 'incident-response' });

const clock = () => new Date();

const storeAndService = (config: DeploymentConfig) => {
  const store = new IncidentStore(createDocumentClient(), requireEnv('TABLE_NAME'));
  const incidents = new IncidentService(
    store,
    { dedupFields: config.dedupKey, reopenWindowMinutes: config.reopenWindowMinutes, resolveOnOk: true },
    clock,
  );
  return { store, incidents };
};

/** The product's own metrics, in embedded metric format on stdout (CloudWatch Logs turns them into metrics). */
const metrics = () => new EmfIncidentMetrics({ namespace: requireEnv('POWERTOOLS_METRICS_NAMESPACE') });

const silencesOf = (deps: { store: IncidentStore; config: DeploymentConfig }): SilenceDeps => ({
  ...deps,
  clock,
  newId: () => randomUUID(),
});

export const intakeDeps = (): IntakeDeps => {
  const config = bundledConfig();
  const { store, incidents } = storeAndService(config);
  const silences = silencesOf({ store, config });
  return {
    incidents,
    callbacks: new SfnCallbacks(new SFNClient({})),
    config,
    alarms: alarmIndex(config),
    suppressionFor: (service, at) => suppressionFor(silences, service, at),
    metrics: metrics(),
  };
};

export interface AutomationClients {
  readonly ecs: AutomationDeps['ecs'];
  readonly metrics: AutomationDeps['metrics'];
  readonly logs: AutomationDeps['logs'];
  readonly killSwitch: (parameterName: string) => AutomationDeps['killSwitch'];
}

export const automationDeps = (clients: AutomationClients): AutomationDeps => {
  const config = bundledConfig();
  return {
    ...storeAndService(config),
    ecs: clients.ecs,
    metrics: clients.metrics,
    logs: clients.logs,
    killSwitch: clients.killSwitch(config.automation.killSwitchParameterName),
    config,
    alarms: alarmIndex(config),
    clock,
  };
};

/**
 * @param asWorkflowStep true for the lifecycle function (the workflow's steps); false for the
 * responder function, which only sends pages: without one-click links (its own URL cannot be in its
 * own environment, a dependency cycle; it names the CLI instead), reports, reminders or metrics.
 */
export const lifecycleDeps = (
  asWorkflowStep = true,
): LifecycleDeps & { readonly store: IncidentStore; readonly incidents: IncidentService } => {
  const config = bundledConfig();
  const topics = JSON.parse(requireEnv('TIER_TOPIC_ARNS')) as Record<string, string>;
  const sfn = new SFNClient({});
  const secrets = new SecretsAdapter(new SecretsManagerClient({}), requireEnv('SIGNING_SECRET_ARN'));
  const base = { ...storeAndService(config), config };
  return {
    ...base,
    pager: new SnsPager(new SNSClient({}), topics),
    callbacks: new SfnCallbacks(sfn),
    escalations: new SfnWorkflowStarter(sfn, requireEnv('ESCALATION_STATE_MACHINE_ARN')),
    ...(asWorkflowStep
      ? {
          postMortems: new SfnWorkflowStarter(sfn, requireEnv('POSTMORTEM_STATE_MACHINE_ARN')),
          suppressionFor: (service: string, at: Date) => suppressionFor(silencesOf(base), service, at),
          reports: new S3ReportStore(new S3Client({}), requireEnv('REPORT_BUCKET'), requireEnv('AWS_REGION')),
          metrics: metrics(),
          links: {
            baseUrl: requireEnv('RESPONDER_BASE_URL'),
            secret: () => secrets.signingSecret(),
            ttlMinutes: Number(requireEnv('LINK_TTL_MINUTES')),
            newId: () => randomUUID(),
          },
        }
      : {}),
    config,
    clock,
  };
};
