/**
 * What every deployed function shares, built once per Lambda container: the logger, the services
 * over the real table (incidents and on-call overrides), and the deployment config `cdk synth` validated and wrote beside the bundle
 * (checked against its digest, not re-validated). Env is read at module load (the getters throw on
 * a missing or malformed variable). Each entry builds only the SDK clients it calls: a client's
 * import is most of a function's cold load, so no entry loads one it does not use. How the services
 * are put together from the ports is lambdas/wiring/compose.ts.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { EmfIncidentMetrics } from '../adapters/incident-metrics';
import { createDocumentClient, IncidentStore } from '../adapters/incident-store';
import { OverrideStore } from '../adapters/oncall-overrides';
import { readBundledConfig } from '../contract/bundled-config';
import { ENV, requireEnv } from '../contract/env';
import { type Composed, composeDeps } from '../wiring/compose';

export const logger = new Logger({ serviceName: 'incident-response' });

/** The services over the real table, with the config bundled beside this file. */
export const composed = (): Composed => {
  const doc = createDocumentClient();
  const table = requireEnv(ENV.tableName);
  return composeDeps(
    {
      store: new IncidentStore(doc, table),
      overrides: new OverrideStore(doc, table),
      region: requireEnv('AWS_REGION'),
      clock: () => new Date(),
    },
    readBundledConfig(dirname(fileURLToPath(import.meta.url))),
  );
};

/** The product's own metrics, in embedded metric format on stdout (CloudWatch Logs turns them into metrics). */
export const metrics = () => new EmfIncidentMetrics({ namespace: requireEnv(ENV.metricsNamespace) });
