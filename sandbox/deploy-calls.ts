/**
 * What a deploy does beyond creating resources: the stack's AwsCustomResource calls (`Custom::AWS`,
 * run once by CloudFormation through the CDK's provider function), played by the sandbox against its
 * stand-ins at boot, before the first event, as a fresh `cdk deploy` would run them. The one the stack
 * has is the status page's seed (S3 PutObject with `If-None-Match: *`, lib/constructs/status-site.ts);
 * a call of any other service or action fails the boot, naming it, rather than being skipped unseen.
 * One difference from a deploy, written here: with `statusPage.region` the seed lives in the status
 * stack, whose template the sandbox does not synthesize (it runs the incident stack), so that page
 * starts empty in the sandbox and is first written by the workflow.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type CfnTemplateJson, type CfnToken, resolveTemplateString } from './sfn-local/cfn-resolve';

interface SdkCall {
  readonly service: string;
  readonly action: string;
  readonly parameters: Record<string, unknown>;
  readonly ignoreErrorCodesMatching?: string;
}

/** The `Create` calls of the template's Custom::AWS resources, their references resolved to the stand-ins. */
export const deployCalls = (
  template: CfnTemplateJson,
  resolve: (token: CfnToken) => string | undefined,
): Array<{ readonly logicalId: string; readonly call: SdkCall }> =>
  Object.entries(
    (template.Resources ?? {}) as Record<string, { Type?: string; Properties?: { Create?: unknown } }>,
  )
    .filter(([, r]) => r.Type === 'Custom::AWS' && r.Properties?.Create !== undefined)
    .map(([logicalId, r]) => ({
      logicalId,
      call: JSON.parse(
        resolveTemplateString(template, r.Properties?.Create, `${logicalId} Create`, { resolve }),
      ) as SdkCall,
    }));

/** Plays each call as the provider function would: an error its `ignoreErrorCodesMatching` names is no failure. */
export const playDeployCalls = async (
  template: CfnTemplateJson,
  resolve: (token: CfnToken) => string | undefined,
  s3: S3Client,
): Promise<void> => {
  for (const { logicalId, call } of deployCalls(template, resolve)) {
    if (call.service !== 'S3' || call.action !== 'PutObject')
      throw new Error(
        `${logicalId}: the sandbox plays only S3 PutObject at deploy, not ${call.service} ${call.action}`,
      );
    try {
      await s3.send(
        new PutObjectCommand(call.parameters as unknown as ConstructorParameters<typeof PutObjectCommand>[0]),
      );
    } catch (error) {
      const ignored = call.ignoreErrorCodesMatching && new RegExp(call.ignoreErrorCodesMatching);
      if (!(ignored && error instanceof Error && ignored.test(error.name))) throw error;
    }
  }
};
