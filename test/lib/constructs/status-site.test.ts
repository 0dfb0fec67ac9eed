import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/contract/config';
import type { StatusPageConfig } from '../../../lambdas/contract/config-schema-status-page';
import { STATUS_SITE_KEYS, StatusSite } from '../../../lib/constructs/status-site';
import { minimalInput } from '../../support/fixtures';
import {
  actionsOf,
  logicalIdOf,
  onlyIdOf,
  type PolicyStatementJson,
  tokensToText,
} from '../../support/template';

const PAGE = parseConfig(
  {
    ...minimalInput(),
    statusPage: { title: 'Acme status', components: [{ name: 'Checkout API', services: ['checkout'] }] },
  },
  'test config',
).statusPage as StatusPageConfig;

const siteIn = (removalPolicy?: RemovalPolicy.RETAIN | RemovalPolicy.DESTROY) => {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const site = new StatusSite(stack, 'StatusSite', {
    page: PAGE,
    seededAt: new Date('2026-12-01T09:00:00.000Z'),
    ...(removalPolicy ? { removalPolicy } : {}),
  });
  const fn = new lambda.Function(stack, 'Publisher', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
  site.grantPublish(fn);
  const template = Template.fromStack(stack);
  const bucket = logicalIdOf(site.bucket);
  const distribution = logicalIdOf(site.distribution);
  return { template, bucket, distribution, fn };
};

describe('StatusSite', () => {
  it('keeps the bucket private: Block Public Access on every setting, ACLs off, SSE-S3', () => {
    const { template, bucket } = siteIn();

    expect(template.toJSON().Resources[bucket].Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('serves it through CloudFront with an S3 origin access control bound to the origin, index.html at the root, HTTPS only', () => {
    const { template, distribution } = siteIn();
    const oac = onlyIdOf(template, 'AWS::CloudFront::OriginAccessControl');

    expect(template.toJSON().Resources[oac].Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const config = template.toJSON().Resources[distribution].Properties.DistributionConfig;
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.Origins).toHaveLength(1);
    expect(config.Origins[0]).toMatchObject({
      OriginAccessControlId: { 'Fn::GetAtt': [oac, 'Id'] },
      S3OriginConfig: { OriginAccessIdentity: '' },
    });
  });

  it('lets only cloudfront.amazonaws.com read, and only for this distribution (AWS:SourceArn); denies plain HTTP', () => {
    const { template, bucket, distribution } = siteIn();
    const policy = onlyIdOf(template, 'AWS::S3::BucketPolicy', { Bucket: { Ref: bucket } });
    const statements = template.toJSON().Resources[policy].Properties.PolicyDocument
      .Statement as PolicyStatementJson[];

    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Condition: {
        StringEquals: {
          'AWS:SourceArn': {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':cloudfront::',
                { Ref: 'AWS::AccountId' },
                ':distribution/',
                { Ref: distribution },
              ],
            ],
          },
        },
      },
    });
    expect(statements.filter((s) => s.Effect === 'Deny')).toEqual([
      expect.objectContaining({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it("grants the publisher s3:PutObject on the site's three objects only, and sets its bucket", () => {
    const { template, bucket, fn } = siteIn();
    // The publisher's policy: the seed's own (one per object, on the CDK's provider) are tested below.
    const statements = Object.entries(
      template.toJSON().Resources as Record<
        string,
        { Type: string; Properties: { PolicyDocument?: { Statement: PolicyStatementJson[] } } }
      >,
    )
      .filter(([id, r]) => r.Type === 'AWS::IAM::Policy' && !id.startsWith('StatusSiteSeed'))
      .flatMap(([, r]) => r.Properties.PolicyDocument?.Statement ?? []);

    expect(statements.map(actionsOf)).toEqual([['s3:PutObject']]);
    expect(statements[0]?.Resource).toEqual(
      STATUS_SITE_KEYS.map((key) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${key}`]] })),
    );
    const fnId = logicalIdOf(fn);
    expect(template.toJSON().Resources[fnId].Properties.Environment.Variables.STATUS_BUCKET).toEqual({
      Ref: bucket,
    });
  });

  it('is seeded at deploy with the page before any incident, each object only where none is there yet', () => {
    const { template, bucket } = siteIn();
    const seeds = Object.values(template.findResources('Custom::AWS')).map(
      (r) =>
        JSON.parse(tokensToText((r as { Properties: { Create: unknown } }).Properties.Create)) as Record<
          string,
          unknown
        >,
    );

    expect(seeds.map((s) => (s.parameters as { Key: string }).Key).sort()).toEqual(
      [...STATUS_SITE_KEYS].sort(),
    );
    for (const seed of seeds) {
      expect(seed).toMatchObject({
        service: 'S3',
        action: 'PutObject',
        ignoreErrorCodesMatching: 'PreconditionFailed|ConditionalRequestConflict',
        parameters: { IfNoneMatch: '*', CacheControl: 'max-age=30' },
      });
    }
    const index = seeds.find((s) => (s.parameters as { Key: string }).Key === 'index.html')?.parameters as {
      Body: string;
      ContentType: string;
    };
    expect(index.ContentType).toBe('text/html; charset=utf-8');
    expect(index.Body).toContain('Checkout API: <span class="s operational">Operational</span>');
    expect(index.Body).toContain('No open incidents.');
    const json = seeds.find((s) => (s.parameters as { Key: string }).Key === 'status.json')?.parameters as {
      Body: string;
    };
    expect(JSON.parse(json.Body)).toMatchObject({
      page: { updated_at: '2026-12-01T09:00:00.000Z' },
      status: { indicator: 'none' },
      incidents: [],
    });
    // Each seed may put its own object and nothing else.
    const seedStatements = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.includes('Seed'))
      .flatMap(
        ([, r]) =>
          (r as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } }).Properties
            .PolicyDocument.Statement,
      );
    expect(seedStatements.map((s) => [actionsOf(s), tokensToText(s.Resource)])).toEqual(
      expect.arrayContaining(
        STATUS_SITE_KEYS.map((key) => [
          ['s3:PutObject'],
          expect.stringContaining(`<GetAtt:${bucket}.Arn>/${key}`),
        ]),
      ),
    );
    expect(seedStatements).toHaveLength(3);
  });

  it('with destroy, deletes the three objects as the stack goes, so the bucket is empty for CloudFormation; kept otherwise', () => {
    const deletes = (template: Template) =>
      Object.values(template.findResources('Custom::AWS')).map((r) => {
        const remove = (r as { Properties: { Delete?: unknown } }).Properties.Delete;
        return remove === undefined
          ? undefined
          : (JSON.parse(tokensToText(remove)) as Record<string, unknown>);
      });
    const seedActions = (template: Template) =>
      Object.entries(template.findResources('AWS::IAM::Policy'))
        .filter(([id]) => id.includes('Seed'))
        .flatMap(
          ([, r]) =>
            (r as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } }).Properties
              .PolicyDocument.Statement,
        )
        .map(actionsOf);

    const destroyed = siteIn(RemovalPolicy.DESTROY).template;
    expect(
      deletes(destroyed)
        .map((d) => [d?.action, (d?.parameters as { Key?: string })?.Key])
        .sort(),
    ).toEqual([...STATUS_SITE_KEYS].sort().map((key) => ['DeleteObject', key]));
    expect(seedActions(destroyed).map((a) => [...a].sort())).toEqual(
      Array(3).fill(['s3:DeleteObject', 's3:PutObject']),
    );

    const kept = siteIn().template;
    expect(deletes(kept)).toEqual([undefined, undefined, undefined]);
    expect(seedActions(kept)).toEqual(Array(3).fill(['s3:PutObject']));
  });
});
