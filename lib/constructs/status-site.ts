/**
 * The public status page's hosting (issue 14): a private S3 bucket that only CloudFront reads, through
 * origin access control, and a distribution that serves it over HTTPS.
 *
 * - Origin access control, not the legacy origin access identity, per
 *   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html:
 *   the bucket policy allows `s3:GetObject` to the `cloudfront.amazonaws.com` service principal only
 *   with `AWS:SourceArn` equal to this distribution, so the objects are reachable through it alone,
 *   and Block Public Access stays on. OAC needs Object Ownership "bucket owner enforced" (ACLs off).
 * - S3-managed encryption (SSE-S3), not SSE-KMS: with a KMS key, CloudFront's OAC reads need
 *   `kms:Decrypt` for the CloudFront service principal in the key's policy (a key in the stack whose
 *   policy names the distribution, a circular dependency CDK resolves with a wildcard), and the page is
 *   public by design, so a customer managed key would protect nothing from its readers.
 * - Objects carry `Cache-Control: max-age=30` (lambdas/adapters/status-site.ts); the CachingOptimized
 *   policy honours an origin's max-age between its minimum TTL and maximum, its default applying only
 *   when the origin sends none
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-cloudfront-cachepolicy-cachepolicyconfig.html), so an update
 *   reaches customers within half a minute without an invalidation.
 *
 * CDK: https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_cloudfront_origins.S3BucketOrigin.html
 */
import { Aws, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { STATUS_CACHE_CONTROL, statusSiteFiles } from '../../lambdas/adapters/status-site';
import type { StatusPageConfig } from '../../lambdas/contract/config-schema-status-page';
import { ENV } from '../../lambdas/contract/env';
import { ValidationError } from '../../lambdas/domain/errors';
import { emptyStatusPage } from '../../lambdas/domain/status-page';

/** The objects the site is made of: the only keys a publisher may write. */
export const STATUS_SITE_KEYS = ['index.html', 'status.json', 'history.atom'] as const;

export interface StatusSiteProps {
  /**
   * What CloudFormation does with the bucket once it leaves the stack. With DESTROY the seed deletes
   * the page's three objects first (the only keys anyone may write, and the bucket keeps no versions),
   * so the bucket is empty when CloudFormation deletes it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy.RETAIN | RemovalPolicy.DESTROY;
  /** The distribution's comment in the console. @default 'Public status page' */
  readonly comment?: string;
  /**
   * The bucket's name, fixed when the page is its own stack in another region (statusBucketName), so
   * the publishing functions can name it without a cross-region reference. @default CloudFormation names it
   */
  readonly bucketName?: string;
  /**
   * The page's config: the site is seeded at deploy with the page before any incident (every
   * component operational), so its URL shows the page from the start rather than S3's AccessDenied.
   */
  readonly page: StatusPageConfig;
  /**
   * When the seeded page says it was last updated. @default the synth's time: so `cdk diff` shows the
   * three seeds changed after every synth, and deploying them is three conditional writes that leave
   * the page as it is (412, ignored)
   */
  readonly seededAt?: Date;
}

/**
 * The S3 errors of a conditional write whose object is already there (412) or being written by
 * another writer at that moment (409, which S3 says to retry): either way the workflow is publishing
 * the page, so the seed leaves it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */
const ALREADY_PUBLISHED = 'PreconditionFailed|ConditionalRequestConflict';

/** The longest S3 bucket name (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). */
const MAX_BUCKET_NAME = 63;
const ACCOUNT_ID_LENGTH = 12;
/** Prefixes S3 reserves, which no bucket name may start with (the same page). */
const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'] as const;

/**
 * The status bucket's name when the page is its own stack in `region`: `<stack>-status-<account>-<region>`,
 * lowercased (bucket names allow no capitals), with the account as a token both stacks resolve alike.
 * @throws ValidationError naming stackName when the bucket name would pass S3's 63 characters, or
 *   start with a prefix S3 reserves
 */
export const statusBucketName = (stackName: string, region: string): string => {
  const prefix = `${stackName.toLowerCase()}-status-`;
  const reserved = RESERVED_BUCKET_PREFIXES.find((p) => prefix.startsWith(p));
  if (reserved)
    throw new ValidationError('deployment config', [
      {
        path: 'stackName',
        message: `"${stackName}" cannot name a status page bucket in statusPage.region ${region}: S3 bucket names may not start with "${reserved}"; choose another stackName`,
      },
    ]);
  const length = prefix.length + ACCOUNT_ID_LENGTH + 1 + region.length;
  if (length > MAX_BUCKET_NAME)
    throw new ValidationError('deployment config', [
      {
        path: 'stackName',
        message: `"${stackName}" is too long for a status page in statusPage.region ${region}: its bucket name would be ${length} characters and S3 allows ${MAX_BUCKET_NAME}; shorten stackName to at most ${stackName.length - (length - MAX_BUCKET_NAME)} characters`,
      },
    ]);
  return `${prefix}${Aws.ACCOUNT_ID}-${region}`;
};

/**
 * Lets `fn` publish the page in `bucketName`: sets {@link ENV.statusBucket} (and, for a bucket in
 * another region, {@link ENV.statusBucketRegion}) and grants `s3:PutObject` on exactly the site's three
 * objects (no read, no delete, nothing else in the bucket).
 */
export const grantStatusPublish = (
  fn: lambda.Function,
  bucketName: string,
  objectArn: (key: string) => string,
  region?: string,
): void => {
  fn.addEnvironment(ENV.statusBucket, bucketName);
  if (region) fn.addEnvironment(ENV.statusBucketRegion, region);
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: STATUS_SITE_KEYS.map(objectArn) }),
  );
};

/** The ARN of `key` in the bucket named `bucketName` (S3 ARNs carry no region or account). */
export const statusObjectArn = (bucketName: string) => (key: string) =>
  `arn:${Aws.PARTITION}:s3:::${bucketName}/${key}`;

/** The status bucket and the CloudFront distribution in front of it. */
export class StatusSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: StatusSiteProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.bucketName ? { bucketName: props.bucketName } : {}),
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The status page is public and rewritten whole on each update; its only reader is CloudFront (OAC), and what the lifecycle wrote is on each incident timeline',
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: props.comment ?? 'Public status page',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'A public status page is for customers everywhere: no geo restriction',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Three static, cached, public objects with no form or API behind them: a WAF web ACL would cost more than the nothing it protects; CloudFront absorbs the load',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Access logs of a public, anonymous page record nothing the incident response needs; CloudFront standard metrics remain',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate allows TLSv1 and cannot be set higher; put a custom domain with an ACM certificate and TLSv1.2_2021 in front (statusPage.url) to raise it',
      },
    );
    this.seed(props.page, props.seededAt ?? new Date(), props.removalPolicy === RemovalPolicy.DESTROY);
  }

  /**
   * Writes each of the three objects once, at deploy, only where none is there yet (PutObject with
   * `If-None-Match: *`, a conditional write): a redeploy during an incident never overwrites what the
   * workflow published. One AwsCustomResource per object, on the CDK's own singleton function, which
   * may put those three objects and nothing else (and, with `destroy`, delete them as the stack goes).
   */
  private seed(page: StatusPageConfig, at: Date, destroy: boolean): void {
    for (const file of statusSiteFiles(emptyStatusPage(at), page)) {
      const put: cr.AwsSdkCall = {
        service: 'S3',
        action: 'PutObject',
        parameters: {
          Bucket: this.bucket.bucketName,
          Key: file.key,
          Body: file.body,
          ContentType: file.contentType,
          CacheControl: STATUS_CACHE_CONTROL,
          IfNoneMatch: '*',
        },
        physicalResourceId: cr.PhysicalResourceId.of(`status-page-seed-${file.key}`),
        ignoreErrorCodesMatching: ALREADY_PUBLISHED,
        // Leaves S3's answer out of the logs (the request, the public page itself, is still logged).
        logging: cr.Logging.withDataHidden(),
      };
      const remove: cr.AwsSdkCall = {
        service: 'S3',
        action: 'DeleteObject',
        parameters: { Bucket: this.bucket.bucketName, Key: file.key },
        logging: cr.Logging.withDataHidden(),
      };
      new cr.AwsCustomResource(this, `Seed-${file.key}`, {
        onCreate: put,
        onUpdate: put,
        ...(destroy ? { onDelete: remove } : {}),
        installLatestAwsSdk: false,
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({
            actions: ['s3:PutObject', ...(destroy ? ['s3:DeleteObject'] : [])],
            resources: [this.bucket.arnForObjects(file.key)],
          }),
        ]),
      });
    }
    const provider = Stack.of(this).node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`,
    );
    if (provider)
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "The CDK's own AwsCustomResource function that seeds the status page at deploy: the managed policy only lets it write its logs; its S3 grant is PutObject on the page's three objects",
      });
  }

  /** The page's address: the distribution's domain over HTTPS. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /** Lets `fn` publish the page in this bucket (grantStatusPublish). */
  grantPublish(fn: lambda.Function): void {
    grantStatusPublish(fn, this.bucket.bucketName, (key) => this.bucket.arnForObjects(key));
  }
}
