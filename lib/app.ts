import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import { statusBucketName } from './constructs/status-site';
import { IncidentResponseStack, REMOVAL_POLICIES } from './incident-response-stack';
import { StatusSiteStack } from './status-site-stack';

/**
 * Adds the incident response stack named by the config to `app` (and, with `statusPage.region`, the
 * status page's own stack `<stack>-status` in that region), and cdk-nag's AWS Solutions checks, whose
 * findings fail the synth. `bin/app.ts` and the tests build the app through this one function.
 */
export const composeApp = (app: App, config: DeploymentConfig): IncidentResponseStack => {
  const stack = new IncidentResponseStack(app, config.stackName, {
    stackName: config.stackName,
    description: 'Incident response as code: CloudWatch alarms to handled incidents',
    env: config.env,
    config,
  });
  const page = config.statusPage;
  const statusRegion = page?.region;
  if (page && statusRegion) {
    new StatusSiteStack(app, `${config.stackName}-status`, {
      stackName: `${config.stackName}-status`,
      description: `The public status page of ${config.stackName}, apart from the region it reports on`,
      env: { ...(config.env?.account ? { account: config.env.account } : {}), region: statusRegion },
      bucketName: statusBucketName(config.stackName, statusRegion),
      removalPolicy: REMOVAL_POLICIES[config.table.removalPolicy],
      page,
    });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
};
