/**
 * The custom action ports of the automation function (issue 15): the action locks over the incident
 * table, `fetch` for `http` actions at the base URLs the stack set in the env, SSM Automation for
 * `ssm-automation` actions, Lambda for `lambda` actions, and the `http` actions' secrets. None for a
 * config without actions.
 *
 * The Lambda and Secrets Manager clients are imported when first needed, not at load: an external
 * `@aws-sdk/*` import is hoisted to the bundle's top and loaded at every cold start (about 30-40 ms
 * more for these two, measured here), while most incidents never run such an action. A secret is
 * read once and kept for five minutes per container, so a rotated credential is picked up without a
 * deploy; a failed read is not kept.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ActionLocks } from '../adapters/action-lock';
import { FetchHttpAction } from '../adapters/http-action';
import { InvokeLambdaAction, type LambdaSdkLoader } from '../adapters/lambda-action';
import { perRegion, regionOfArn } from '../adapters/regional-clients';
import { SsmAutomationAdapter } from '../adapters/ssm-automation';
import { httpActionBaseUrls, lambdaActionArns } from '../contract/action-access';
import type { DeploymentConfig } from '../contract/config-schema';
import { ENV, requireEnv, requireStringMapEnv } from '../contract/env';
import type { CustomActionPorts } from '../services/custom-actions';

/** How long a secret read is kept. */
const SECRET_TTL_MS = 5 * 60_000;

const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
};

/** Reads secrets by ARN, cached per container for {@link SECRET_TTL_MS}, the SDK loaded at the first read. */
export const secretReader = (clock: () => number = Date.now): ((arn: string) => Promise<string>) => {
  const sdk = once(async () => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    return { clientIn: perRegion((region) => new SecretsManagerClient({ region })), GetSecretValueCommand };
  });
  const cache = new Map<string, { readonly value: Promise<string>; readonly at: number }>();
  const read = async (arn: string): Promise<string> => {
    const { clientIn, GetSecretValueCommand } = await sdk();
    const client = clientIn(regionOfArn(arn));
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!SecretString) throw new Error(`secret ${arn} has no SecretString: store the value as text`);
    return SecretString;
  };
  return (arn) => {
    const hit = cache.get(arn);
    if (hit && clock() - hit.at < SECRET_TTL_MS) return hit.value;
    const entry = { value: read(arn), at: clock() };
    cache.set(arn, entry);
    entry.value.catch(() => {
      if (cache.get(arn) === entry) cache.delete(arn);
    });
    return entry.value;
  };
};

const lambdaModule = once(async () => {
  const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
  return { clientIn: perRegion((region) => new LambdaClient({ region, maxAttempts: 1 })), InvokeCommand };
});
/**
 * A Lambda client per region of the functions invoked (a function in another region is invoked
 * there), with one attempt: the SDK's retries after a 5xx or a lost connection could run a
 * remediation twice ("your function may be invoked multiple times", API_Invoke), so a failure is
 * told to a person instead, as the `http` actions' single call is. Only a throttle, which runs
 * nothing, is tried again (InvokeLambdaAction).
 */
const lambdaSdk: LambdaSdkLoader = async (region) => {
  const { clientIn, InvokeCommand } = await lambdaModule();
  return { client: clientIn(region), InvokeCommand };
};

export const customActionPorts = (
  config: DeploymentConfig,
  doc: DynamoDBDocumentClient,
  ssm: SSMClient,
): { actions?: CustomActionPorts } => {
  if (Object.keys(config.actions ?? {}).length === 0) return {};
  const hasHttp = Object.keys(httpActionBaseUrls(config.actions)).length > 0;
  const hasLambda = lambdaActionArns(config.actions).length > 0;
  return {
    actions: {
      locks: new ActionLocks(doc, requireEnv(ENV.tableName)),
      http: new FetchHttpAction(),
      automation: new SsmAutomationAdapter(ssm),
      ...(hasLambda ? { lambda: new InvokeLambdaAction(lambdaSdk) } : {}),
      secret: secretReader(),
      ...(hasHttp ? { httpBaseUrls: requireStringMapEnv(ENV.httpActionBaseUrls) } : {}),
    },
  };
};
