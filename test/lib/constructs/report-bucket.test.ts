import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ReportBucket, type ReportBucketProps } from '../../../lib/constructs/report-bucket';
import {
  actionsOf,
  logicalIdOf,
  onlyIdOf,
  type PolicyStatementJson,
  roleStatements,
  tokensToText,
} from '../../support/template';

const BUCKET = 'AWS::S3::Bucket';

const reportsIn = (props: ReportBucketProps = {}) => {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const reports = new ReportBucket(stack, 'Reports', props);
  const role = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  reports.grantReadWrite(role);
  const template = Template.fromStack(stack);
  const bucket = logicalIdOf(reports.bucket);
  const accessLogs = logicalIdOf(reports.accessLogs);
  const bucketPolicy = (bucketId: string) =>
    template.toJSON().Resources[onlyIdOf(template, 'AWS::S3::BucketPolicy', { Bucket: { Ref: bucketId } })]
      .Properties.PolicyDocument.Statement as PolicyStatementJson[];
  return { app, stack, reports, role, template, bucket, accessLogs, bucketPolicy };
};

const propertiesOf = (template: Template, id: string) => template.toJSON().Resources[id].Properties;

describe('ReportBucket', () => {
  it('keeps every version of a report, and expires noncurrent versions after a year, or as told', () => {
    const { template, bucket } = reportsIn();

    expect(propertiesOf(template, bucket)).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          expect.objectContaining({
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 365 },
          }),
        ],
      },
    });
    const shorter = reportsIn({ noncurrentVersionExpiration: Duration.days(90) });
    expect(
      propertiesOf(shorter.template, shorter.bucket).LifecycleConfiguration.Rules[0]
        .NoncurrentVersionExpiration,
    ).toEqual({ NoncurrentDays: 90 });
  });

  it.each(['bucket', 'accessLogs'] as const)(
    'blocks every public access to the %s and turns ACLs off',
    (which) => {
      const built = reportsIn();

      expect(propertiesOf(built.template, built[which])).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      expect(propertiesOf(built.template, built[which])).not.toHaveProperty('AccessControl');
    },
  );

  it.each(['bucket', 'accessLogs'] as const)(
    'denies every request to the %s that is not over TLS',
    (which) => {
      const built = reportsIn();
      const id = built[which];

      expect(built.bucketPolicy(id)).toContainEqual({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: [
          { 'Fn::GetAtt': [id, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/*']] },
        ],
      });
    },
  );

  it('encrypts with S3-managed keys, or with a rotated customer managed key when asked', () => {
    const s3Managed = reportsIn();
    expect(propertiesOf(s3Managed.template, s3Managed.bucket).BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    s3Managed.template.resourceCountIs('AWS::KMS::Key', 0);

    const cmk = reportsIn({ customerManagedKey: true });
    const key = onlyIdOf(cmk.template, 'AWS::KMS::Key');
    expect(propertiesOf(cmk.template, cmk.bucket).BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] },
          },
        },
      ],
    });
    expect(propertiesOf(cmk.template, key).EnableKeyRotation).toBe(true);
    // S3 server access logging delivers only to SSE-S3 buckets.
    expect(propertiesOf(cmk.template, cmk.accessLogs).BucketEncryption).toEqual(
      propertiesOf(s3Managed.template, s3Managed.accessLogs).BucketEncryption,
    );
  });

  it('logs server access into the access-log bucket, which only the S3 logging service may write, from this bucket', () => {
    const { template, bucket, accessLogs, bucketPolicy } = reportsIn();

    expect(propertiesOf(template, bucket).LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: accessLogs },
      LogFilePrefix: 'report-bucket/',
    });
    expect(bucketPolicy(accessLogs).filter((s) => s.Effect === 'Allow')).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [accessLogs, 'Arn'] }, '/report-bucket/*']] },
        Condition: {
          ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucket, 'Arn'] } },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      },
    ]);
    expect(propertiesOf(template, accessLogs).LifecycleConfiguration.Rules).toEqual([
      { Id: 'ExpireAccessLogs', ExpirationInDays: 365, Status: 'Enabled' },
    ]);
  });

  it.each([
    [undefined, 'Retain'],
    [RemovalPolicy.RETAIN, 'Retain'],
    [RemovalPolicy.DESTROY, 'Delete'],
  ] as const)(
    'applies removal policy %s to both buckets and the key, with no auto-delete Lambda',
    (policy, expected) => {
      const { template } = reportsIn({ removalPolicy: policy, customerManagedKey: true });

      for (const type of [BUCKET, 'AWS::KMS::Key']) {
        for (const resource of Object.values(template.findResources(type))) {
          expect(resource.DeletionPolicy, type).toBe(expected);
        }
      }
      template.resourceCountIs('AWS::Lambda::Function', 0);
      template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    },
  );

  it('rejects retention shorter than a day, reporting both at once', () => {
    expect(
      () =>
        new ReportBucket(new Stack(), 'Reports', {
          noncurrentVersionExpiration: Duration.hours(1),
          accessLogRetention: Duration.hours(2),
        }),
    ).toThrow(
      'ReportBucket: noncurrentVersionExpiration must be at least 1 day; accessLogRetention must be at least 1 day',
    );
  });
});

describe('ReportBucket.grantReadWrite', () => {
  const grantOf = (props: ReportBucketProps = {}) => {
    const built = reportsIn(props);
    const statements = roleStatements(built.template, logicalIdOf(built.role)).map((s) => ({
      Effect: s.Effect,
      Action: actionsOf(s),
      Resource: [s.Resource].flat().map(tokensToText),
      ...(s.Condition ? { Condition: s.Condition } : {}),
    }));
    return { ...built, statements };
  };

  it('reads and writes objects under reports/ only, lists only that prefix, and deletes nothing', () => {
    const { statements, bucket } = grantOf();

    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: [`<GetAtt:${bucket}.Arn>/reports/*`],
      },
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`<GetAtt:${bucket}.Arn>`],
        Condition: { StringLike: { 's3:prefix': ['reports/*'] } },
      },
    ]);
  });

  it('may use the customer managed key to read and write, when there is one', () => {
    const { statements, template } = grantOf({ customerManagedKey: true });

    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [`<GetAtt:${onlyIdOf(template, 'AWS::KMS::Key')}.Arn>`],
    });
  });

  it('leaves cdk-nag nothing to report: the access-log bucket and the reports/ wildcard are acknowledged by name', () => {
    for (const customerManagedKey of [false, true]) {
      const { app, role, reports } = reportsIn({ customerManagedKey });
      const findings = new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName);
      const acknowledged = (construct: { node: typeof role.node }) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.keys(entry.data as Record<string, string>))
          .map((id) => id.replace(/^Annotation::/, ''));

      expect(findings).toEqual([]);
      expect(acknowledged(reports.accessLogs)).toEqual(['AwsSolutions-S1']);
      expect(acknowledged(role)).toEqual([
        `AwsSolutions-IAM5[Resource::<${logicalIdOf(reports.bucket)}.Arn>/reports/*]`,
      ]);
    }
  });
});
