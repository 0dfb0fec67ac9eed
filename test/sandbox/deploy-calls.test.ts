/**
 * The deploy's own writes, played by the sandbox at boot: the status page's seed from the synthesized
 * template (three Custom::AWS PutObject calls with If-None-Match: *), which the sandbox's S3 answers as
 * S3 does: a second play leaves what is there (412 PreconditionFailed, which the seed ignores).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/contract/config';
import { composeApp } from '../../lib/app';
import { deployCalls, playDeployCalls } from '../../sandbox/deploy-calls';
import { LocalS3 } from '../../sandbox/local-aws/s3';
import { DRILL_CONFIG } from '../../sandbox/scenarios';
import type { CfnTemplateJson } from '../../sandbox/sfn-local/asl';

const STATUS = 'status-bucket';
let s3: LocalS3;
let template: CfnTemplateJson;
const resolve = () => STATUS;

beforeAll(async () => {
  const config = parseConfig(
    {
      ...DRILL_CONFIG,
      statusPage: { title: 'Acme status', components: [{ name: 'Checkout API', services: ['checkout'] }] },
    },
    'test config',
  );
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = composeApp(app, config);
  template = app.synth().getStackByName(stack.stackName).template as CfnTemplateJson;
  s3 = await LocalS3.start('reports', STATUS);
});
afterAll(() => s3.stop());

describe('the deploy-time status page seed, played by the sandbox', () => {
  it("reads the template's three S3 PutObject calls, each conditional on the object being absent", () => {
    const calls = deployCalls(template, resolve);
    expect(
      calls.map((c) => [c.call.service, c.call.action, c.call.parameters.Key, c.call.parameters.IfNoneMatch]),
    ).toEqual(
      expect.arrayContaining([
        ['S3', 'PutObject', 'index.html', '*'],
        ['S3', 'PutObject', 'status.json', '*'],
        ['S3', 'PutObject', 'history.atom', '*'],
      ]),
    );
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.call.parameters.Bucket))).toEqual(new Set([STATUS]));
  });

  it('writes the page once, and a later play (a redeploy) leaves what the workflow published since', async () => {
    await playDeployCalls(template, resolve, s3.s3);
    expect(await s3.keys(STATUS)).toEqual(['history.atom', 'index.html', 'status.json']);
    expect(await s3.text(STATUS, 'index.html')).toContain(
      'Checkout API: <span class="s operational">Operational</span>',
    );

    await s3.s3.send(
      new PutObjectCommand({ Bucket: STATUS, Key: 'index.html', Body: 'published by the workflow' }),
    );
    await playDeployCalls(template, resolve, s3.s3);

    expect(await s3.text(STATUS, 'index.html')).toBe('published by the workflow');
  });

  it('answers a conditional write over an existing object as S3 does: 412 PreconditionFailed', async () => {
    await expect(
      s3.s3.send(new PutObjectCommand({ Bucket: STATUS, Key: 'status.json', Body: '{}', IfNoneMatch: '*' })),
    ).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
  });
});
