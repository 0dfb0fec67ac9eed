import { App } from 'aws-cdk-lib';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import { composeApp } from '../lib/app';
import type { CfnTemplateJson } from './sfn-local/asl';

const synthesized = new Map<string, CfnTemplateJson>();

/**
 * Synthesizes the app exactly as `cdk synth` does (bundling skipped; cdk-nag runs) and returns the
 * stack template. Kept per config for the life of the process: synthesis takes seconds.
 */
export const synthesizeTemplate = (config: DeploymentConfig): CfnTemplateJson => {
  const key = JSON.stringify(config);
  const cached = synthesized.get(key);
  if (cached) return cached;
  // The sandbox reads the template only: CloudFormation's own rule check (3 s of WebAssembly per synth)
  // is left to `cdk synth` and the app's tests; cdk-nag still runs.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = composeApp(app, config);
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplateJson;
  synthesized.set(key, template);
  return template;
};
