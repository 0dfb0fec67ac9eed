import { App } from 'aws-cdk-lib';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import { ValidationError } from '../lambdas/domain/errors';
import { composeApp } from '../lib/app';
import { ConfigFileError, loadConfig } from '../lib/config/load';

const loadOrExit = (path: unknown): DeploymentConfig => {
  if (typeof path !== 'string' || path === '') {
    process.stderr.write(
      'Set the deployment config path: -c config=path/to/config.json (cdk.json has a default)\n',
    );
    process.exit(1);
  }
  try {
    return loadConfig(path);
  } catch (error) {
    if (!(error instanceof ValidationError || error instanceof ConfigFileError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
};

const app = new App();
composeApp(app, loadOrExit(app.node.tryGetContext('config')));
app.synth();
