import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

export interface ReportBucketProps {
  /**
   * What CloudFormation does with both buckets, and the key when one is created here, once they leave
   * the stack. No auto-delete of objects: that would add a custom-resource Lambda, so a DESTROY stack
   * deletion fails while the buckets still hold reports or logs (empty them first).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy.RETAIN | RemovalPolicy.DESTROY;
  /**
   * Encrypt the reports with a customer managed KMS key created here (yearly rotation) instead of
   * S3-managed keys, for teams that must control or audit the key. The access-log bucket stays on
   * S3-managed keys: S3 server access logging delivers only to SSE-S3 buckets.
   * @default false
   */
  readonly customerManagedKey?: boolean;
  /**
   * How long an overwritten or deleted report stays recoverable as a noncurrent version. A report is
   * rewritten as the incident moves on; a year keeps every earlier draft through the post-mortem and
   * a yearly review, without keeping every draft forever.
   * @default Duration.days(365)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /** How long the server access logs are kept. @default Duration.days(365) */
  readonly accessLogRetention?: Duration;
}

/**
 * Where the lifecycle function keeps incident reports: one S3 bucket, versioned (an overwritten report
 * can be recovered), encrypted, SSL-only, no public access, ACLs off (the bucket owner owns every
 * object), with server access logs in a second bucket. Reports live under {@link ReportBucket.PREFIX};
 * {@link ReportBucket.grantReadWrite} grants nothing outside it.
 */
export class ReportBucket extends Construct {
  /** The key prefix of every report; grants are scoped to it. */
  static readonly PREFIX = 'reports/';

  readonly bucket: s3.Bucket;
  /** Receives the report bucket's server access logs. */
  readonly accessLogs: s3.Bucket;
  /** The customer managed key, when `customerManagedKey` is set. */
  readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: ReportBucketProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const problems: string[] = [];
    const noncurrent = props.noncurrentVersionExpiration ?? Duration.days(365);
    const logRetention = props.accessLogRetention ?? Duration.days(365);
    if (noncurrent.toDays({ integral: false }) < 1)
      problems.push('noncurrentVersionExpiration must be at least 1 day');
    if (logRetention.toDays({ integral: false }) < 1)
      problems.push('accessLogRetention must be at least 1 day');
    if (problems.length > 0) throw new Error(`ReportBucket: ${problems.join('; ')}`);

    // Log delivery by bucket policy (the logging service principal), not the legacy LogDeliveryWrite
    // ACL, which ACLs-off buckets refuse. New CDK projects set this flag; set here so the construct
    // does not depend on the app's cdk.json.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: logRetention }],
      removalPolicy,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the server access log target of the report bucket; logging its own access would log into itself',
    });

    this.encryptionKey = props.customerManagedKey
      ? new kms.Key(this, 'Key', {
          description: 'Encrypts the incident reports bucket',
          enableKeyRotation: true,
          removalPolicy,
        })
      : undefined;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      versioned: true,
      ...(this.encryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: this.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'report-bucket/',
      lifecycleRules: [
        {
          id: 'ExpireNoncurrentReports',
          noncurrentVersionExpiration: noncurrent,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy,
    });
  }

  /**
   * Lets `grantee` read and write reports: s3:GetObject and s3:PutObject on `reports/*`, s3:ListBucket
   * only for keys under `reports/` (so a missing report reads as NoSuchKey, not AccessDenied), and use
   * of the customer managed key when there is one. No delete: versions and the lifecycle rule own that.
   */
  grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    const objects = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:PutObject'],
      resourceArns: [this.bucket.arnForObjects(`${ReportBucket.PREFIX}*`)],
    });
    const list = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${ReportBucket.PREFIX}*`] } },
    });
    // The finding sits on the principal's policy: acknowledge there (the role, for a function).
    const owner = [grantee.grantPrincipal, grantee as unknown].find((c): c is Construct =>
      Construct.isConstruct(c),
    );
    if (owner) {
      const stack = Stack.of(this);
      const bucketId = stack.resolve(stack.getLogicalId(this.bucket.node.defaultChild as CfnElement));
      Validations.of(owner).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${ReportBucket.PREFIX}*]`,
        reason: `Reading and writing incident reports, one object per incident, under the ${ReportBucket.PREFIX} prefix only`,
      });
    }
    const grant = objects.combine(list);
    if (this.encryptionKey === undefined) return grant;
    return grant.combine(this.encryptionKey.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey'));
  }
}
