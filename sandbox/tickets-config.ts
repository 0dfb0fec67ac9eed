/**
 * Drill configs with incident tickets (issue 15): the drill config with nothing automation can fix
 * (so an incident waits for a person), and a GitHub repository or a Jira project for the P1s and
 * P2s. The sandbox boots its loopback ticket server for them and serves the secrets' stand-ins.
 */
import type { DeploymentConfigInput } from '../lambdas/contract/config-schema';
import { DRILL_CONFIG } from './scenario-kit';

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
