import { Annotations, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/contract/env';
import type { IncidentFunction } from './incident-function';

/**
 * Regions the Lambda guide listed as without Function URLs
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html; its current English page says
 * only "not supported in all AWS Regions", so this is a warning, not an error).
 */
export const REGIONS_WITHOUT_FUNCTION_URLS: ReadonlySet<string> = new Set([
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
]);

export interface ResponderApiProps {
  /** The function behind the endpoint (handler 'responder'). */
  readonly responderFunction: IncidentFunction;
  /** Functions that sign links into pages: they may read the signing secret. */
  readonly signers: readonly IncidentFunction[];
}

/**
 * The one-click responder endpoint: a Lambda Function URL, public on purpose (a page link must work
 * from any phone), whose every action needs a link signed with a secret kept in Secrets Manager,
 * bound to incident, action and recipient, expiring and single-use. GET only shows a confirmation
 * page (mail scanners follow links); POST acts.
 */
export class ResponderApi extends Construct {
  /** How long a link in a page stays usable. */
  static readonly LINK_TTL = Duration.hours(24);
  readonly url: lambda.FunctionUrl;
  readonly signingSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ResponderApiProps) {
    super(scope, id);
    this.signingSecret = new secretsmanager.Secret(this, 'SigningSecret', {
      description: 'Signs the one-click links in incident pages',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.signingSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the link-signing secret would invalidate every link already sent in pages; it has no consumer outside this stack and is replaced by redeploying',
    });
    const region = Stack.of(this).region;
    if (!Token.isUnresolved(region) && REGIONS_WITHOUT_FUNCTION_URLS.has(region))
      Annotations.of(this).addWarningV2(
        'incident-response:function-url-region',
        `${region} was listed by the Lambda guide as a region without Function URLs: if the deploy fails at the responder's AWS::Lambda::Url, the page links cannot work there; deploy the stack in a region with Function URLs (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html)`,
      );
    this.url = props.responderFunction.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.BUFFERED,
    });
    for (const fn of [props.responderFunction, ...props.signers]) this.grantSigning(fn);
    // The responder signs too: the incident page's buttons, and the links in the pages it sends.
    for (const fn of [props.responderFunction, ...props.signers])
      fn.addEnvironment(ENV.linkTtlMinutes, String(ResponderApi.LINK_TTL.toMinutes()));
  }

  /** Lets `fn` read the signing secret, and tells it where the secret is and where links point. */
  grantSigning(fn: IncidentFunction & iam.IGrantable): void {
    this.signingSecret.grantRead(fn);
    fn.addEnvironment(ENV.signingSecretArn, this.signingSecret.secretArn);
  }
}
