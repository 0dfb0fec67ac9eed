import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from '../config/schema';

/** The Lambda entries under lambdas/entries/. The sandbox maps each to the same handler in-process. */
export const HANDLER_NAMES = ['intake', 'lifecycle', 'automation', 'responder', 'ingest'] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

/** Env var naming the handler, so the sandbox can tell which in-process handler serves a function. */
export const HANDLER_ENV = 'INCIDENT_HANDLER';

export interface IncidentFunctionProps {
  readonly handlerName: HandlerName;
  /** Bundled into the code (esbuild define), so a large config never meets Lambda's 4 KB env limit. */
  readonly config: DeploymentConfig;
  /** @default Duration.seconds(20) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * How every function is bundled, in one place: the construct hands these to NodejsFunction and the
 * bench bundles with them to measure sizes and cold loads.
 */
export const LAMBDA_BUNDLING = {
  target: 'node24',
  minify: true,
  sourceMap: true,
  externalModules: ['@aws-sdk/*'],
  // ESM bundles of CommonJS dependencies still call require(): give them one.
  banner: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
  nodeOptions: '--enable-source-maps',
} as const;

const entryOf = (name: HandlerName): string =>
  fileURLToPath(new URL(`../../lambdas/entries/${name}.ts`, import.meta.url));

/**
 * Every Lambda of the product, built the same way: newest Node runtime, arm64, active tracing, JSON
 * logs to a log group with retention, ESM bundle with source maps and the AWS SDK left to the
 * runtime's copy.
 */
export class IncidentFunction extends nodejs.NodejsFunction {
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
      entry: entryOf(props.handlerName),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(20),
      memorySize: props.memorySize ?? 512,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      environment: { [HANDLER_ENV]: props.handlerName, NODE_OPTIONS: LAMBDA_BUNDLING.nodeOptions },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: LAMBDA_BUNDLING.target,
        minify: LAMBDA_BUNDLING.minify,
        sourceMap: LAMBDA_BUNDLING.sourceMap,
        externalModules: [...LAMBDA_BUNDLING.externalModules],
        define: { __INCIDENT_CONFIG__: JSON.stringify(props.config) },
        banner: LAMBDA_BUNDLING.banner,
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource::* is X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords), which has no resource-level permissions; every other statement names its resource',
    });
  }
}
