/**
 * What the stack and the ticket ports agree on about the ticket API (issue 15): where it is and which
 * secrets hold its credentials. The stack grants GetSecretValue on exactly these ARNs to the
 * functions that call the API and sets the URL in their env (`ENV.ticketApiUrl`).
 */
import { GITHUB_API_URL } from '../adapters/ticket-github';
import type { TicketsConfig } from './config-schema-integrations';

/** The API's base URL: api.github.com, or the Jira site of the config. */
export const ticketApiUrl = (tickets: TicketsConfig): string =>
  tickets.provider === 'github' ? GITHUB_API_URL : tickets.baseUrl.replace(/\/+$/, '');

/** The secrets the ticket API's credentials are read from: a token (GitHub), an email and a token (Jira). */
export const ticketSecretArns = (tickets: TicketsConfig): string[] =>
  tickets.provider === 'github'
    ? [tickets.tokenSecretArn]
    : [...new Set([tickets.emailSecretArn, tickets.tokenSecretArn])];
