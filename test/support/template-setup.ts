/**
 * vitest globalSetup: gives the run a folder of its own where each synthesized template is kept, one
 * per config, for all the run's processes (sandbox/synth.ts `keptTemplate`: the CDK tests' app
 * templates, the sandboxes' templates, the state coverage's). The folder lives as long as the run, and
 * a rerun in watch mode gets a fresh one: a template is never read past the sources it came from.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * sandbox/synth.ts `TEMPLATE_CACHE_ENV` (test/sandbox/synth.test.ts holds them equal). Not imported:
 * synth.ts loads aws-cdk-lib and the whole app, seconds in vitest's own process before any test starts.
 */
export const TEMPLATE_CACHE_ENV = 'INCIDENT_TEMPLATE_CACHE_DIR';

export default function setup(project: TestProject): () => void {
  const folders: string[] = [];
  const freshFolder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'incident-templates-'));
    folders.push(dir);
    process.env[TEMPLATE_CACHE_ENV] = dir;
  };
  freshFolder();
  project.onTestsRerun(freshFolder);
  return () => {
    delete process.env[TEMPLATE_CACHE_ENV];
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  };
}
