import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import { composeApp } from '../lib/app';
import type { CfnTemplateJson } from './sfn-local/asl';

/**
 * Set to a folder, the templates synthesized in one test run are kept there, one file per config, and
 * read back by the run's other processes. The test run's globalSetup creates the folder, sets this for
 * the run's processes and removes the folder when the run ends: a template is never kept past the run
 * whose sources it was synthesized from. Unset (the CLI, the benchmarks), nothing is read or written.
 */
export const TEMPLATE_CACHE_ENV = 'INCIDENT_TEMPLATE_CACHE_DIR';

const kept = new Map<string, CfnTemplateJson>();

const fileFor = (key: string): string | undefined => {
  const dir = process.env[TEMPLATE_CACHE_ENV];
  return dir && join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
};

const readKept = (file: string | undefined): CfnTemplateJson | undefined => {
  if (!file) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplateJson;
  } catch {
    return undefined;
  }
};

/** Written whole under a temporary name first: a reader never sees half a template. */
const writeKept = (file: string | undefined, template: CfnTemplateJson): void => {
  if (!file) return;
  const tmp = `${file}.${randomUUID()}`;
  writeFileSync(tmp, JSON.stringify(template));
  renameSync(tmp, file);
};

/**
 * The template `synthesize` makes, made once per `key` for the life of the process and, in a test run,
 * of the run ({@link TEMPLATE_CACHE_ENV}). The key names everything the template is made from besides
 * the sources (how it is synthesized, and from which config). A synth that throws keeps nothing.
 */
export const keptTemplate = (key: string, synthesize: () => CfnTemplateJson): CfnTemplateJson => {
  const known = kept.get(key);
  if (known) return known;
  const file = fileFor(key);
  let template = readKept(file);
  if (!template) {
    template = synthesize();
    writeKept(file, template);
  }
  kept.set(key, template);
  return template;
};

/**
 * Synthesizes the app exactly as `cdk synth` does (bundling skipped; cdk-nag runs) and returns the
 * stack template. Kept per config (keptTemplate): synthesis takes seconds.
 */
export const synthesizeTemplate = (config: DeploymentConfig): CfnTemplateJson =>
  keptTemplate(`sandbox ${JSON.stringify(config)}`, () => {
    // The sandbox reads the template only: CloudFormation's own rule check (3 s of WebAssembly per
    // synth) is left to `cdk synth` and the app's tests; cdk-nag still runs.
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const stack = composeApp(app, config);
    return app.synth().getStackByName(stack.stackName).template as CfnTemplateJson;
  });
