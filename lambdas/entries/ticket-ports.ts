/**
 * The ticket ports of the functions that call the ticket API (the lifecycle steps and the responder
 * endpoint): the GitHub or Jira adapter at the injected base URL, with its credentials read from
 * Secrets Manager when first needed and cached for the container (re-read after SecretsAdapter's
 * TTL, so a rotated token is picked up without a deploy).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { perRegion, regionOfArn } from '../adapters/regional-clients';
import { SecretsAdapter } from '../adapters/secrets';
import { GitHubTicketAdapter } from '../adapters/ticket-github';
import { JiraTicketAdapter } from '../adapters/ticket-jira';
import type { DeploymentConfig } from '../contract/config-schema';
import type { TicketsConfig } from '../contract/config-schema-integrations';
import { ENV, requireEnv } from '../contract/env';
import type { TicketAdapter } from '../domain/tickets';
import type { TicketPorts } from '../services/lifecycle/deps';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The ticket ports for `tickets` at `baseUrl`, reading the secrets through clients that
 * `clientFor(region)` makes (the sandbox points them at its stand-in).
 */
export const ticketPorts = (
  tickets: TicketsConfig,
  baseUrl: string,
  clientFor: (region: string) => SecretsManagerClient = (region) => new SecretsManagerClient({ region }),
): TicketPorts => {
  const clientIn = perRegion(clientFor);
  const secret = (arn: string): SecretsAdapter => new SecretsAdapter(clientIn(regionOfArn(arn)), arn);
  const http = { baseUrl, sleep };
  let adapter: () => Promise<TicketAdapter>;
  if (tickets.provider === 'github') {
    const token = secret(tickets.tokenSecretArn);
    adapter = async () =>
      new GitHubTicketAdapter({
        ...http,
        owner: tickets.owner,
        repo: tickets.repo,
        labels: tickets.labels,
        token: (await token.value()).trim(),
      });
  } else {
    const email = secret(tickets.emailSecretArn);
    const token = secret(tickets.tokenSecretArn);
    adapter = async () => {
      const [address, apiToken] = await Promise.all([email.value(), token.value()]);
      return new JiraTicketAdapter({
        ...http,
        projectKey: tickets.projectKey,
        issueType: tickets.issueType,
        labels: tickets.labels,
        ...(tickets.resolveTransition ? { resolveTransition: tickets.resolveTransition } : {}),
        ...(tickets.reopenTransition ? { reopenTransition: tickets.reopenTransition } : {}),
        email: address.trim(),
        token: apiToken.trim(),
      });
    };
  }
  return { config: tickets, adapter, sleep };
};

/** The ticket ports of a deployed function: none without `tickets`, else at {@link ENV.ticketApiUrl}. */
export const ticketPortsFromEnv = (config: DeploymentConfig): { tickets?: TicketPorts } =>
  config.tickets ? { tickets: ticketPorts(config.tickets, requireEnv(ENV.ticketApiUrl)) } : {};
