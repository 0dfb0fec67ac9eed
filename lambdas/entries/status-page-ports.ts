/**
 * The status page ports of the functions that publish it (the lifecycle steps and the responder
 * endpoint's Publish click): its item in the incident table and its bucket, at {@link ENV.statusBucket}
 * (in {@link ENV.statusBucketRegion} when the page is its own stack in another region).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { createDocumentClient } from '../adapters/dynamo-document';
import { StatusPageStore } from '../adapters/status-page-store';
import { S3StatusSite } from '../adapters/status-site';
import type { DeploymentConfig } from '../contract/config-schema';
import { ENV, requireEnv } from '../contract/env';
import type { StatusPagePorts } from '../services/lifecycle/status-page';

/** None without `statusPage`; else the table's status page item and the status bucket. */
export const statusPagePortsFromEnv = (config: DeploymentConfig): { statusPage?: StatusPagePorts } =>
  config.statusPage
    ? {
        statusPage: {
          config: config.statusPage,
          records: new StatusPageStore(createDocumentClient(), requireEnv(ENV.tableName)),
          site: new S3StatusSite(
            new S3Client(
              process.env[ENV.statusBucketRegion] ? { region: process.env[ENV.statusBucketRegion] } : {},
            ),
            requireEnv(ENV.statusBucket),
          ),
        },
      }
    : {};
