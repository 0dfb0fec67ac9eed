/**
 * The synthesized app's template, for every test that reads one: synthesized once per config and kept
 * for the run (sandbox/synth.ts `keptTemplate`, in the folder template-setup.ts gives the run), so the
 * example config's app, which most CDK tests read, is synthesized once, not once per file or per test.
 * The template JSON is frozen: a test that would alter what the next one reads fails instead.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { keptTemplate } from '../../sandbox/synth';
import { composeTestApp, exampleInput } from './fixtures';
import { deepFreeze } from './stacks';

const templates = new Map<string, Template>();

/**
 * The template of the app built from raw config `input` (the example config by default), bundling
 * skipped: what `Template.fromStack(composeTestApp(input).stack)` returns, synthesized once.
 */
export const appTemplate = (input: unknown = exampleInput()): Template => {
  const key = `app ${JSON.stringify(input)}`;
  let template = templates.get(key);
  if (!template) {
    const json = keptTemplate(key, () => Template.fromStack(composeTestApp(input).stack).toJSON());
    template = Template.fromJSON(deepFreeze(json));
    templates.set(key, template);
  }
  return template;
};
