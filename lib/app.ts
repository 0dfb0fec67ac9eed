import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import { IncidentResponseStack } from './incident-response-stack';

/**
 * Adds the incident response stack named by the config to `app`, and cdk-nag's AWS Solutions checks,
 * whose findings fail the synth. `bin/app.ts` and the tests build the app through this one function.
 */
export const composeApp = (app: App, config: DeploymentConfig): IncidentResponseStack => {
  const stack = new IncidentResponseStack(app, config.stackName, {
    stackName: config.stackName,
    description: 'Incident response as code: CloudWatch alarms to handled incidents',
    env: config.env,
    config,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
};
