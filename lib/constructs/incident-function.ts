import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AssetHashType, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';
import { BUNDLE_FILE, buildFunctionBundle, type HandlerName, LAMBDA_BUNDLING } from './function-bundle';

export type { HandlerName } from './function-bundle';
export { HANDLER_NAMES } from './function-bundle';

/** Env var naming the handler, so the sandbox can tell which bundle a function runs. */
export const HANDLER_ENV = 'INCIDENT_HANDLER';

export interface IncidentFunctionProps {
  readonly handlerName: HandlerName;
  /** Written beside the bundle as config.json, so a large config never meets Lambda's 4 KB env limit. */
  readonly config: DeploymentConfig;
  /** @default Duration.seconds(20) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

const LAMBDAS_DIR = fileURLToPath(new URL('../../lambdas', import.meta.url));

/**
 * Every Lambda of the product, built the same way: newest Node runtime, arm64, active tracing, JSON
 * logs to a log group with retention, and the asset {@link buildFunctionBundle} builds (ESM bundle
 * with source maps, the AWS SDK left to the runtime's copy, the config beside it).
 */
export class IncidentFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: IncidentFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      // Built in-process with esbuild (no Docker): the image is named only because CDK asks for one.
      code: lambda.Code.fromAsset(LAMBDAS_DIR, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: lambda.Runtime.NODEJS_24_X.bundlingImage,
          // CDK reuses a staged asset per source and bundling options, and the local bundler's function
          // is no part of that key: these are, so each function gets its own bundle and config.
          environment: {
            INCIDENT_HANDLER: props.handlerName,
            CONFIG_SHA256: createHash('sha256').update(JSON.stringify(props.config)).digest('hex'),
          },
          local: {
            tryBundle: (outputDir) => {
              buildFunctionBundle(props.handlerName, outputDir, props.config);
              return true;
            },
          },
        },
      }),
      handler: `${BUNDLE_FILE.replace(/\.mjs$/, '')}.handler`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(20),
      memorySize: props.memorySize ?? 512,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      environment: { [HANDLER_ENV]: props.handlerName, NODE_OPTIONS: LAMBDA_BUNDLING.nodeOptions },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource::* is X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords), which has no resource-level permissions; every other statement names its resource',
    });
  }
}
