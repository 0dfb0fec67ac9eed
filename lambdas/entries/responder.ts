import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsAdapter } from '../adapters/secrets';
import { requireEnv } from '../contract/env';
import { createResponderHandler } from '../handlers/responder';
import { pageTiers } from '../services/lifecycle';
import { lifecycleDeps, logger } from './runtime';

const lifecycle = lifecycleDeps(false);
const secrets = new SecretsAdapter(new SecretsManagerClient({}), requireEnv('SIGNING_SECRET_ARN'));

export const handler = createResponderHandler(
  {
    incidents: lifecycle.incidents,
    callbacks: lifecycle.callbacks,
    escalation: lifecycle.config.escalation,
    store: lifecycle.store,
    secret: () => secrets.signingSecret(),
    pageEscalation: async (incidentId, tiers, why) => {
      await pageTiers(lifecycle, incidentId, 'ESCALATION', tiers, { why });
    },
    announceAcknowledged: async (incident, by) => {
      await pageTiers(lifecycle, incident.id, 'ACKNOWLEDGED', incident.pagedTiers, { by });
    },
    clock: () => new Date(),
  },
  logger,
);
