import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG_PATH } from '../support/fixtures';

const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * Runs bin/app.ts the way the CDK CLI does (context in CDK_CONTEXT_JSON, output to CDK_OUTDIR), with
 * bundling skipped.
 */
const runApp = (configPath: string) => {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  const result = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['bin/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ config: configPath, 'aws:cdk:bundling-stacks': [] }),
      CDK_OUTDIR: outdir,
    },
  });
  return { ...result, outdir };
};

// Each run is a fresh Node process that transpiles the app and synthesizes it cold, CloudFormation's
// rule check included: about 11 s on an idle machine, and as long again for each other busy process.
const RUN_TIMEOUT = 120_000;

describe('bin/app.ts', () => {
  it(
    'synthesizes the stack named in the example config',
    () => {
      const { status, stderr, outdir } = runApp(EXAMPLE_CONFIG_PATH);

      expect(stderr).toBe('');
      expect(status).toBe(0);
      expect(existsSync(join(outdir, 'IncidentResponse.template.json'))).toBe(true);
    },
    RUN_TIMEOUT,
  );

  it(
    'exits 1 on a bad config, listing every problem without a stack trace',
    () => {
      const path = join(mkdtempSync(join(tmpdir(), 'config-')), 'bad.json');
      writeFileSync(
        path,
        JSON.stringify({
          services: [
            { name: 'checkout', cluster: 'prod', service: 'checkout', logGroup: '/ecs/checkout', alarms: {} },
          ],
          routing: { default: { action: 'open' } },
          contacts: { 'on-call': { email: ['oncall@example.com'] } },
          automation: { allowlist: ['payments'], dryRun: 'yes' },
        }),
      );

      const { status, stderr } = runApp(path);

      expect(status).toBe(1);
      expect(stderr).toMatch(new RegExp(`^Deployment config ${path}: 6 problems\n`));
      expect(stderr).toContain('  - services[0].alarms: needs at least one alarm');
      expect(stderr).toContain('  - automation.dryRun: must be true or false, not a string');
      expect(stderr).toContain("  - escalation.P1.steps[1].notify[0]: names tier 'devops-lead'");
      expect(stderr).toContain("  - automation.allowlist[0]: 'payments' is not a configured service");
      expect(stderr).not.toMatch(/^\s+at /m);
    },
    RUN_TIMEOUT,
  );
});
