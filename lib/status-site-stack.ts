import { CfnOutput, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StatusPageConfig } from '../lambdas/contract/config-schema-status-page';
import { StatusSite } from './constructs/status-site';

export interface StatusSiteStackProps extends StackProps {
  /** The bucket's fixed name (statusBucketName), which the incident stack's publishers write to. */
  readonly bucketName: string;
  readonly removalPolicy: RemovalPolicy.RETAIN | RemovalPolicy.DESTROY;
  /** The page's config, which the site is seeded from at deploy. */
  readonly page: StatusPageConfig;
}

/**
 * The public status page as its own stack, in `statusPage.region` (issue 14): only the private bucket
 * and its CloudFront distribution (StatusSite), so the page stays up when the region it reports on
 * does not. The incident stack's lifecycle and responder functions write its three objects across
 * regions, granted by the bucket's fixed name: no cross-region reference ties the two stacks, and either
 * deploys alone (`cdk deploy --all` deploys both).
 */
export class StatusSiteStack extends Stack {
  readonly site: StatusSite;

  constructor(scope: Construct, id: string, props: StatusSiteStackProps) {
    super(scope, id, props);
    this.site = new StatusSite(this, 'StatusSite', {
      bucketName: props.bucketName,
      removalPolicy: props.removalPolicy,
      page: props.page,
    });
    new CfnOutput(this, 'StatusPageUrl', { description: 'The public status page', value: this.site.url });
    new CfnOutput(this, 'StatusBucketName', {
      description: 'The bucket the incident stack publishes the page to',
      value: this.site.bucket.bucketName,
    });
  }
}
