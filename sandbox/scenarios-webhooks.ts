/**
 * The drill config with outbound webhooks (issue 15): nothing automation can fix (so an incident
 * waits for a person), and one webhook that hears the opening, acknowledgement and resolution of the
 * P1s and P2s. The sandbox points it at its loopback receiver and serves its secret's stand-in.
 */
import type { DeploymentConfigInput } from '../lambdas/contract/config-schema';
import { DRILL_CONFIG } from './scenario-kit';

/** The webhook's signing secret, by its ARN. */
export const WEBHOOK_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:incident-webhooks/status-bot-AbCdEf';

export const WEBHOOKS_CONFIG: DeploymentConfigInput = {
  ...DRILL_CONFIG,
  automation: { allowlist: [] },
  verification: { recoveryTimeoutMinutes: 600 },
  webhooks: [
    {
      name: 'status-bot',
      url: 'https://hooks.example.com/incidents',
      secretArn: WEBHOOK_SECRET_ARN,
      events: ['incident.opened', 'incident.acknowledged', 'incident.resolved'],
      severities: ['P1', 'P2'],
    },
  ],
};
