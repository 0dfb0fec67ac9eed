import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/contract/config';
import type { DeploymentConfig } from '../../../lambdas/contract/config-schema';
import { composeApp } from '../../../lib/app';
import { BUNDLE_FILE, CONFIG_FILE, type HandlerName } from '../../../lib/constructs/function-bundle';
import { HANDLER_ENV } from '../../../lib/constructs/incident-function';
import { bundleFile, loadFunction } from '../../../sandbox/lambda-runtime';
import { DRILL_CONFIG } from '../../../sandbox/scenarios';

// One synth with bundling, as `cdk synth` does it: the assets are what deploys.
let outdir: string;
let config: DeploymentConfig;
let assets: Map<HandlerName, string>;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'incident-assets-'));
  config = parseConfig(DRILL_CONFIG, 'drill config');
  const app = new App({ outdir });
  const stack = composeApp(app, config);
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<
      string,
      {
        Type: string;
        Properties: { Code: { S3Key: string }; Environment: { Variables: Record<string, string> } };
      }
    >;
  };
  assets = new Map();
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const key = r.Properties.Code.S3Key.replace(/\.zip$/, '');
    assets.set(r.Properties.Environment.Variables[HANDLER_ENV] as HandlerName, join(outdir, `asset.${key}`));
  }
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const asset = (name: HandlerName) => {
  const dir = assets.get(name);
  if (!dir) throw new Error(`no asset for ${name}`);
  return dir;
};

describe('the Lambda assets cdk synth builds', () => {
  it('keep the error classes named: the lifecycle bundle says ConcurrentUpdateError, which its Retry matches', () => {
    const code = readFileSync(join(asset('lifecycle'), BUNDLE_FILE), 'utf8');
    expect(code).toContain('ConcurrentUpdateError');
    expect(code).toContain('IncidentNotFoundError');
  });

  it('carry no classic zod and no config schema: each bundle takes the config types only (anything it validates, it validates with zod/mini)', () => {
    for (const name of ['intake', 'lifecycle', 'automation', 'responder', 'ingest'] as const) {
      const { sources } = JSON.parse(readFileSync(join(asset(name), `${BUNDLE_FILE}.map`), 'utf8')) as {
        sources: string[];
      };
      expect(
        sources.filter((s) => /zod\/v4\/classic|lambdas\/contract\/config(-schema[\w-]*)?\.ts$/.test(s)),
      ).toEqual([]);
    }
  });

  it('hold each its own bundle with the validated config beside it', () => {
    expect(new Set([...assets.values()]).size).toBe(5);
    for (const name of ['intake', 'lifecycle', 'automation', 'responder', 'ingest'] as const) {
      expect(JSON.parse(readFileSync(join(asset(name), CONFIG_FILE), 'utf8'))).toEqual(config);
    }
  });

  it('throw errors under their own names when run, as the workflow Retry and Catch see them', async () => {
    const fn = await loadFunction({
      name: 'lifecycle',
      functionName: 'lifecycle',
      config,
      env: {
        TABLE_NAME: 'incidents',
        TIER_TOPIC_ARNS: '{}',
        PERSON_TOPIC_ARN_PREFIX: 'arn:aws:sns:us-east-1:123456789012:IncidentResponse-person-',
        SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:links',
        LINK_TTL_MINUTES: '60',
        RESPONDER_BASE_URL: 'http://127.0.0.1:9/',
        ESCALATION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:x-escalation',
        POSTMORTEM_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:x-postmortem',
        REPORT_BUCKET: 'reports',
        POWERTOOLS_DEV: 'true',
        POWERTOOLS_METRICS_NAMESPACE: 'IncidentResponse',
      },
      timeoutSeconds: 20,
      memoryMb: 512,
      now: () => new Date(),
      logs: [],
    });
    await expect(fn.invoke({ step: 'no-such-step' })).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('are byte for byte the bundles the sandbox runs', () => {
    for (const name of ['intake', 'lifecycle', 'automation', 'responder', 'ingest'] as const) {
      expect(readFileSync(bundleFile(name)).equals(readFileSync(join(asset(name), BUNDLE_FILE))), name).toBe(
        true,
      );
    }
  });
});
