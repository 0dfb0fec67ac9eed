/**
 * A drill with the public status page (issue 14): payments-api goes down (a P1), the announcement
 * drafts the first public post, and the on-call confirms it with the one click in the INCIDENT page, then
 * acknowledges from the same page, both through the responder function on loopback as a phone would.
 * The tasks come back, the resolution posts `resolved` and the component is operational again. The
 * drill writes the site to `.sandbox/status/` (index.html, status.json, history.atom).
 */
import type { DeploymentConfigInput } from '../lambdas/contract/config-schema';
import { LINK_LABELS } from '../lambdas/domain/pages';
import type { ResponderAction } from '../lambdas/domain/responder-actions';
import type { Sandbox } from './sandbox';
import { DRILL_CONFIG, paymentsDownThenBack, type Scenario } from './scenario-kit';

/** The drill config with a status page for the two customer-facing services; nothing automation may fix. */
export const STATUS_PAGE_CONFIG: DeploymentConfigInput = {
  ...DRILL_CONFIG,
  automation: { allowlist: [] },
  verification: { recoveryTimeoutMinutes: 600 },
  statusPage: {
    title: 'Example Shop status',
    components: [
      { name: 'Payments', services: ['payments'] },
      { name: 'Checkout', services: ['checkout'] },
    ],
  },
};

/** Presses the `action` link of the first INCIDENT page delivered, as its recipient would (POST). */
const press = async (sandbox: Sandbox, action: ResponderAction): Promise<void> => {
  const page = (await sandbox.sns.allPages()).find((p) => p.kind === 'INCIDENT');
  const lines = page?.body.split('\n') ?? [];
  const at = lines.indexOf(`${LINK_LABELS[action]}:`);
  const url = at < 0 ? undefined : lines[at + 1]?.trim();
  if (!url) throw new Error(`no "${LINK_LABELS[action]}" link in the INCIDENT page`);
  const response = await fetch(url, { method: 'POST', body: '' });
  if (response.status !== 200)
    throw new Error(`"${LINK_LABELS[action]}" answered ${response.status}, not 200`);
};

export const publicOutage: Scenario = {
  name: 'public-outage',
  seed: '000 scenario 1 (complete outage), "update status page (if P1/P2)"',
  summary:
    'payments-api goes down: the on-call confirms the first status page post and acknowledges from the INCIDENT page; the tasks come back, the page says resolved and Payments is operational.',
  config: STATUS_PAGE_CONFIG,
  durationMinutes: 30,
  steps: paymentsDownThenBack(2, 12),
  responders: [
    {
      atMinute: 4,
      narrate:
        'the on-call presses "Publish to the status page" in the INCIDENT page (Payments: major outage)',
      run: (sandbox) => press(sandbox, 'publish'),
    },
    {
      atMinute: 5,
      narrate: 'the on-call presses "Acknowledge" in the same page',
      run: (sandbox) => press(sandbox, 'ack'),
    },
  ],
};
