/**
 * What the sandbox stands in for, read off the synthesized template: the functions (their handler,
 * environment, timeout and memory), the names the functions' environment resolves to, and the Step
 * Functions and Secrets Manager operations the bundles call.
 */
import { addressFromKey } from '../lambdas/domain/paging-targets';
import type { HandlerName } from '../lib/constructs/function-bundle';
import { HANDLER_ENV } from '../lib/constructs/incident-function';
import { AwsJsonError, type JsonService } from './local-aws/json-protocol';
import { sandboxQueueUrl } from './local-aws/sqs';
import {
  type CfnTemplateJson,
  type CfnToken,
  resolveTemplateString,
  SANDBOX_ACCOUNT,
  SANDBOX_REGION,
} from './sfn-local/asl';
import type { LocalWorkflow } from './sfn-local/local-runner';
import type { SimClock } from './sfn-local/sim-clock';
import type { TaskTokenBroker } from './sfn-local/task-token-broker';

type Resources = Record<
  string,
  {
    Type?: string;
    Properties?: Record<string, unknown> & { Environment?: { Variables?: Record<string, unknown> } };
  }
>;

/** A Lambda function of the template, as the sandbox loads it. */
export interface TemplateFunction {
  readonly logicalId: string;
  readonly handler: HandlerName;
  readonly environment: Readonly<Record<string, unknown>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** Every function of the product in the template: the ones whose env names their handler. */
export const functionsOf = (template: CfnTemplateJson): TemplateFunction[] =>
  Object.entries(template.Resources as Resources)
    .filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.[HANDLER_ENV],
    )
    .map(([logicalId, r]) => {
      const {
        [HANDLER_ENV]: handler,
        NODE_OPTIONS: _nodeOptions,
        ...environment
      } = r.Properties?.Environment?.Variables ?? {};
      return {
        logicalId,
        handler: handler as HandlerName,
        // NODE_OPTIONS (--enable-source-maps) is the sandbox's own process's: source maps are on.
        environment,
        timeoutSeconds: Number(r.Properties?.Timeout ?? 3),
        memoryMb: Number(r.Properties?.MemorySize ?? 128),
      };
    });

/** The stand-in names of the stack's resources that the functions' environment refers to. */
export interface LocalNames {
  readonly tableName: string;
  readonly bucketName: string;
  /**
   * The status page's bucket, when the config has `statusPage` (the functions' STATUS_BUCKET). With
   * `statusPage.region` it is the status stack's bucket by its derived name; the sandbox runs only the
   * incident stack, so its S3 stand-in holds that bucket too, and the region the functions' client
   * signs for (STATUS_BUCKET_REGION) changes nothing on loopback.
   */
  readonly statusBucketName?: string;
  readonly secretArn: string;
  /** The webhook deliveries' queue (the lifecycle's WEBHOOK_QUEUE_URL), when the config has webhooks. */
  readonly webhookQueueUrl?: string;
  /** Each tier's pages topic, from the functions' TIER_TOPIC_ARNS; a person's (`person:<name>`) from PERSON_TOPIC_ARN_PREFIX. */
  readonly topicArn: (tier: string) => string;
  /** The topic's DisplayName, when the template sets a plain one. */
  readonly displayName: (topicArn: string) => string | undefined;
  /** For resolveTemplateString: what asl.ts has no stand-in for. */
  readonly resolve: (token: CfnToken) => string | undefined;
}

/** The sandbox's incident table: the same name whichever config, so `incident list` finds past drills. */
export const SANDBOX_TABLE = 'incidents';
/** The sandbox's report bucket. */
export const SANDBOX_REPORT_BUCKET = 'incident-reports';

export const localNames = (template: CfnTemplateJson, responderUrl: string): LocalNames => {
  const resources = template.Resources as Resources;
  const lifecycle = functionsOf(template).find((f) => f.handler === 'lifecycle');
  if (!lifecycle) throw new Error('the template has no lifecycle function');
  const reportBucket = (lifecycle.environment.REPORT_BUCKET as { Ref?: string } | undefined)?.Ref;
  const resolve = (token: CfnToken): string | undefined => {
    if (token.kind === 'Intrinsic') return undefined;
    const type = resources[token.logicalId]?.Type;
    if (type === 'AWS::DynamoDB::Table' && token.kind === 'Ref') return SANDBOX_TABLE;
    if (type === 'AWS::S3::Bucket' && token.kind === 'Ref')
      return token.logicalId === reportBucket ? SANDBOX_REPORT_BUCKET : token.logicalId.toLowerCase();
    if (type === 'AWS::SecretsManager::Secret' && token.kind === 'Ref')
      return `arn:aws:secretsmanager:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:secret:${token.logicalId}`;
    if (type === 'AWS::SQS::Queue' && token.kind === 'Ref') return sandboxQueueUrl(token.logicalId);
    if (type === 'AWS::Lambda::Url' && token.kind === 'GetAtt' && token.attribute === 'FunctionUrl')
      return `${responderUrl}/`;
    return undefined;
  };
  const envOf = (key: string) =>
    resolveTemplateString(template, lifecycle.environment[key], `${lifecycle.logicalId} environment ${key}`, {
      resolve,
    });
  const topics = JSON.parse(envOf('TIER_TOPIC_ARNS')) as Record<string, string>;
  const displayNames = new Map<string, string>();
  for (const [id, r] of Object.entries(resources)) {
    const name = r.Properties?.DisplayName;
    if (r.Type === 'AWS::SNS::Topic' && typeof name === 'string')
      displayNames.set(resolveTemplateString(template, { Ref: id }, id, { resolve }), name);
  }
  return {
    tableName: envOf('TABLE_NAME'),
    bucketName: envOf('REPORT_BUCKET'),
    ...(lifecycle.environment.STATUS_BUCKET ? { statusBucketName: envOf('STATUS_BUCKET') } : {}),
    secretArn: envOf('SIGNING_SECRET_ARN'),
    ...(lifecycle.environment.WEBHOOK_QUEUE_URL ? { webhookQueueUrl: envOf('WEBHOOK_QUEUE_URL') } : {}),
    topicArn: (address) => {
      const parsed = addressFromKey(address);
      const arn =
        parsed.kind === 'person' ? `${envOf('PERSON_TOPIC_ARN_PREFIX')}${parsed.person}` : topics[address];
      if (!arn) throw new Error(`the template has no pages topic for tier ${address}`);
      return arn;
    },
    displayName: (arn) => displayNames.get(arn),
    resolve,
  };
};

/** Starts executions of one child workflow, as StartExecution does. */
export interface ChildStarter {
  readonly stateMachineName: string;
  start(input: unknown, name: string): { readonly executionArn: string; readonly started: boolean };
}

/**
 * A workflow the lifecycle starts (escalation, post-mortem). As StartExecution on a Standard workflow:
 * a name already used with the same input answers the same execution; with another input, or once
 * that execution has ended, ExecutionAlreadyExists. The execution runs on its own turn, outside the
 * step that started it, as Step Functions runs it apart from the caller.
 */
export const childStarter = (
  clock: SimClock,
  ref: { workflow?: LocalWorkflow },
  stateMachineName: string,
): ChildStarter => {
  const started = new Map<string, string>();
  return {
    stateMachineName,
    start: (input, name) => {
      const workflow = ref.workflow;
      if (!workflow) throw new Error(`the ${stateMachineName} workflow is not ready`);
      const executionArn = `arn:aws:states:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:execution:${stateMachineName}:${name}`;
      const text = JSON.stringify(input);
      const earlier = started.get(name);
      if (earlier !== undefined) {
        const running = workflow.executions().find((e) => e.name === name)?.status === 'RUNNING';
        if (earlier === text && running) return { executionArn, started: false };
        throw new AwsJsonError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      started.set(name, text);
      clock.detached(() => setImmediate(() => workflow.start(input, { name })));
      return { executionArn, started: true };
    },
  };
};

/** Step Functions' execution names: 1 to 80 characters, none of whitespace and `<>{}[]?*"#%\^|~`$&,;:/`. */
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
const validName = (name: string): boolean =>
  name.length >= 1 &&
  name.length <= 80 &&
  !FORBIDDEN.test(name) &&
  ![...name].some((c) => c.charCodeAt(0) < 32 || (c.charCodeAt(0) >= 127 && c.charCodeAt(0) <= 159));

/** The Step Functions operations the bundles call: callbacks to the broker, starts of the child workflows. */
export const stepFunctionsService = (
  broker: TaskTokenBroker,
  starters: readonly ChildStarter[],
): JsonService => {
  const answer = (call: () => void) => {
    try {
      call();
      return {};
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'InternalFailure';
      throw new AwsJsonError(name, (error as Error).message);
    }
  };
  return {
    name: 'Step Functions',
    target: 'AWSStepFunctions',
    endpointEnv: 'SFN',
    operations: {
      SendTaskSuccess: (input) =>
        answer(() => {
          let output: unknown;
          try {
            output = JSON.parse(String(input.output));
          } catch {
            throw new AwsJsonError('InvalidOutput', 'output is not JSON');
          }
          broker.sendTaskSuccess(String(input.taskToken), output);
        }),
      SendTaskFailure: (input) =>
        answer(() =>
          broker.sendTaskFailure(
            String(input.taskToken),
            String(input.error ?? ''),
            String(input.cause ?? ''),
          ),
        ),
      SendTaskHeartbeat: (input) => answer(() => broker.sendTaskHeartbeat(String(input.taskToken))),
      StartExecution: (input) => {
        const arn = String(input.stateMachineArn ?? '');
        const starter = starters.find((s) => arn.endsWith(`:stateMachine:${s.stateMachineName}`));
        if (!starter)
          throw new AwsJsonError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
        const name = typeof input.name === 'string' ? input.name : crypto.randomUUID();
        if (!validName(name)) throw new AwsJsonError('InvalidName', `Invalid Name: '${name}'`);
        const text = typeof input.input === 'string' ? input.input : '{}';
        if (Buffer.byteLength(text) > 256 * 1024)
          throw new AwsJsonError('InvalidExecutionInput', 'the input is over 256 KB');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new AwsJsonError('InvalidExecutionInput', 'the input is not JSON');
        }
        return { executionArn: starter.start(parsed, name).executionArn, startDate: new Date() };
      },
    },
  };
};

/** The secrets the bundles read (the link-signing secret, the ticket API's credentials) by ARN, as GetSecretValue returns them. */
export const secretsManagerService = (secrets: Readonly<Record<string, string>>): JsonService => ({
  name: 'Secrets Manager',
  target: 'secretsmanager',
  endpointEnv: 'SECRETS_MANAGER',
  operations: {
    GetSecretValue: (input) => {
      const secretArn = String(input.SecretId ?? '');
      const secret = secrets[secretArn];
      if (secret === undefined)
        throw new AwsJsonError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret.",
        );
      return {
        ARN: secretArn,
        Name: secretArn.split(':').at(-1),
        SecretString: secret,
        VersionId: 'sandbox',
      };
    },
  },
});
