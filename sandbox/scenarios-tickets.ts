/**
 * Drills with incident tickets (issue 15): the drill config with nothing automation can fix (so an
 * incident waits for a person), and a GitHub repository or a Jira project for the P1s and P2s. The
 * sandbox boots its loopback ticket server for them and serves the secrets' stand-ins.
 */
import type { DeploymentConfigInput } from '../lambdas/contract/config-schema';
import { DRILL_CONFIG, paymentsDownThenBack, type Scenario } from './scenario-kit';

const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;

const WAITS_FOR_A_PERSON: DeploymentConfigInput = {
  ...DRILL_CONFIG,
  automation: { allowlist: [] },
  verification: { recoveryTimeoutMinutes: 600 },
};

/** Tickets as GitHub issues in example-org/incidents, labelled `incident`, closed on resolve. */
export const GITHUB_TICKETS_CONFIG: DeploymentConfigInput = {
  ...WAITS_FOR_A_PERSON,
  tickets: {
    provider: 'github',
    owner: 'example-org',
    repo: 'incidents',
    tokenSecretArn: secret('incident-tickets/github-token'),
    labels: ['incident'],
  },
};

/** Tickets as Jira issues in project OPS, moved to Done on resolve. */
export const JIRA_TICKETS_CONFIG: DeploymentConfigInput = {
  ...WAITS_FOR_A_PERSON,
  tickets: {
    provider: 'jira',
    baseUrl: 'https://example.atlassian.net',
    projectKey: 'OPS',
    emailSecretArn: secret('incident-tickets/jira-email'),
    tokenSecretArn: secret('incident-tickets/jira-token'),
    resolveTransition: { name: 'Done' },
  },
};

/**
 * payments-api goes down (a P1): the announcement opens a GitHub issue, alice's acknowledgement
 * comments on it, the tasks come back and the resolution comments and closes it.
 */
export const ticketedOutage: Scenario = {
  name: 'ticketed-outage',
  seed: '000 scenario 1 (complete outage), "create incident ticket (Jira/GitHub)"',
  summary:
    'payments-api goes down: its P1 opens a GitHub issue, alice acknowledges (a comment), the tasks come back and the resolution comments on the issue and closes it.',
  config: GITHUB_TICKETS_CONFIG,
  durationMinutes: 30,
  steps: paymentsDownThenBack(2, 12),
  responders: [
    {
      atMinute: 6,
      narrate: 'alice acknowledges the page',
      run: async (sandbox) => {
        const id = sandbox.deliveries.find((d) => d.intake?.incidentId)?.intake?.incidentId;
        if (!id) throw new Error('no incident is open for alice to acknowledge');
        await sandbox.acknowledge(id, 'alice');
      },
    },
  ],
};
