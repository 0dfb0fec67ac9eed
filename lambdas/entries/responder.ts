import { SFNClient } from '@aws-sdk/client-sfn';
import { ENV, requireIntEnv } from '../contract/env';
import { createResponderHandler } from '../handlers/responder';
import { pagingPorts, signingSecret } from './paging-ports';
import { composed, logger } from './runtime';
import { statusPagePortsFromEnv } from './status-page-ports';
import { ticketPortsFromEnv } from './ticket-ports';
import { webhookPortsFromEnv } from './webhook-ports';

/**
 * The responder endpoint only sends pages (and comments an acknowledgement on the ticket, and
 * publishes the status page's first post on a click): without reports, reminders or metrics. Its own
 * URL cannot be in its own environment (a dependency cycle), so the pages it sends link back to the
 * origin each request arrived at (compose.responderEndpoint).
 */
const deps = composed();
const lifecycle = deps.lifecycle({
  ...pagingPorts(new SFNClient({})),
  ...ticketPortsFromEnv(deps.config),
  ...webhookPortsFromEnv(deps.config),
  ...statusPagePortsFromEnv(deps.config),
  checksSuppression: false,
});

export const handler = createResponderHandler(
  {
    endpointAt: deps.responderEndpoint(
      lifecycle,
      signingSecret(),
      requireIntEnv(ENV.linkTtlMinutes, { min: 1 }),
    ),
    clock: () => new Date(),
  },
  logger,
);
