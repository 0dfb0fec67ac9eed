import { SFNClient } from '@aws-sdk/client-sfn';
import { createResponderHandler } from '../handlers/responder';
import { pagingPorts, signingSecret } from './paging-ports';
import { composed, logger } from './runtime';
import { statusPagePortsFromEnv } from './status-page-ports';
import { ticketPortsFromEnv } from './ticket-ports';

/**
 * The responder endpoint only sends pages (and comments an acknowledgement on the ticket, and
 * publishes the status page's first post on a click): without
 * one-click links (its own URL cannot be in its own environment, a dependency cycle; it names the
 * CLI instead), reports, reminders or metrics.
 */
const deps = composed();
const lifecycle = deps.lifecycle({
  ...pagingPorts(new SFNClient({})),
  ...ticketPortsFromEnv(deps.config),
  ...statusPagePortsFromEnv(deps.config),
  checksSuppression: false,
});

export const handler = createResponderHandler(
  { ...deps.responderEndpoint(lifecycle, signingSecret()), clock: () => new Date() },
  logger,
);
