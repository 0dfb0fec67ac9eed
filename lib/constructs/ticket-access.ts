/**
 * The ticket API's wiring on the functions that call it (issue 15): its base URL in their env and
 * `secretsmanager:GetSecretValue` on exactly the configured secrets, set together. The functions
 * reach GitHub or Jira over the internet (they run outside any VPC).
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { TicketsConfig } from '../../lambdas/contract/config-schema-integrations';
import { ENV } from '../../lambdas/contract/env';
import { ticketApiUrl, ticketSecretArns } from '../../lambdas/contract/ticket-access';

/**
 * Lets each of `functions` call the ticket API: sets {@link ENV.ticketApiUrl} and grants reading the
 * token (and Jira's email) secrets, by their full ARNs. A secret encrypted with a customer managed
 * key also needs `kms:Decrypt` for these roles in that key's policy, which the config cannot name.
 */
export const grantTicketAccess = (tickets: TicketsConfig, functions: readonly lambda.Function[]): void => {
  const url = ticketApiUrl(tickets);
  const secrets = ticketSecretArns(tickets);
  for (const fn of functions) {
    fn.addEnvironment(ENV.ticketApiUrl, url);
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secrets }),
    );
  }
};
